using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Azure.Data.Tables;

/// <summary>
/// What a request costs before its function's own work (issue 15's rows 3 and 4), over HTTP against
/// the DevHost in its own process: <c>GET /containers/{id}</c> against one bare table point read on
/// the same Azurite (the container's own read is that much), and <c>GET /me</c> against the
/// unauthenticated <c>GET /openapi.json</c> (everything but the key's own checks).
/// </summary>
static class RequestBench
{
    private const int Samples = 200;

    public static async Task<IReadOnlyList<(string Measure, double BaselineSeconds, double LockteraSeconds)>> RunAsync(string devHostDll, string connection)
    {
        await using var api = await DevHostProcess.StartAsync(devHostDll, connection);
        var (org, key) = await api.CreateOrgAsync();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("{}", Encoding.UTF8, "application/json"), "manifest" },
            { new ByteArrayContent([1, 2, 3]), "files", "a.txt" },
        };
        var id = (await api.SendAsync(HttpMethod.Post, $"orgs/{org}/containers/encode", key, form))["container"]!["id"]!.GetValue<string>();
        var (_, meKey) = await api.CreateOrgAsync();

        var table = new TableServiceClient(connection).GetTableClient("bench" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateAsync();
        try
        {
            await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = "x" });
            var pointRead = await MedianAsync(() => table.GetEntityAsync<TableEntity>("p", "r"));
            var getContainer = await MedianAsync(() => GetAsync(api, $"orgs/{org}/containers/{id}", key));
            var openApi = await MedianAsync(() => GetAsync(api, "openapi.json", null));
            var me = await MedianAsync(() => GetAsync(api, "me", meKey));
            return
            [
                ($"GET /containers/{{id}} vs one bare table point read (ms, median of {Samples})", pointRead, getContainer),
                ($"GET /me vs unauthenticated GET /openapi.json (ms, median of {Samples})", openApi, me),
            ];
        }
        finally
        {
            await table.DeleteAsync();
        }
    }

    private static async Task GetAsync(DevHostProcess api, string url, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        using var response = await api.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>The median time of <see cref="Samples"/> runs, after 20 to warm up (connections, caches, JIT).</summary>
    private static async Task<double> MedianAsync(Func<Task> work)
    {
        var samples = new List<double>();
        for (var i = 0; i < Samples + 20; i++)
        {
            var watch = Stopwatch.StartNew();
            await work();
            if (i >= 20)
            {
                samples.Add(watch.Elapsed.TotalSeconds);
            }
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
