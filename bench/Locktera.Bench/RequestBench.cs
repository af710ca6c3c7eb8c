using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Azure.Data.Tables;

/// <summary>
/// What a request costs before its function's own work (issue 15's rows 3 and 4), over HTTP against
/// the DevHost in its own process: <c>GET /containers/{id}</c> against one bare point read of the
/// container's own row on the same Azurite (the one storage round trip the request needs), and <c>GET /me</c> against the
/// unauthenticated <c>GET /openapi.json</c> (everything but the key's own checks).
/// </summary>
static class RequestBench
{
    private const int Samples = 1000;

    /// <summary>
    /// How long a fresh DevHost is used before it is timed (here, both measures in turns). It compiles
    /// about 12,000 methods, and recompiles the hot ones with their profiles (tiered compilation); on
    /// two cores that takes the first 10–15 seconds, and a request timed then measures the JIT, not the request.
    /// </summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(20);

    public static async Task<IReadOnlyList<(string Measure, double BaselineSeconds, double LockteraSeconds)>> RunAsync(string devHostDll, string connection)
    {
        // The warm-up makes thousands of requests a minute with one key. A higher limit changes nothing of
        // what a request does: a lease holds at most RateLimiter.MaxLease requests under any limit.
        await using var api = await DevHostProcess.StartAsync(devHostDll, connection, new Dictionary<string, string> { ["Locktera__AdminRequestsPerMinute"] = "1000000" });
        var (org, key) = await api.CreateOrgAsync();
        using var form = new MultipartFormDataContent
        {
            { new StringContent("{}", Encoding.UTF8, "application/json"), "manifest" },
            { new ByteArrayContent([1, 2, 3]), "files", "a.txt" },
        };
        var id = (await api.SendAsync(HttpMethod.Post, $"orgs/{org}/containers/encode", key, form))["container"]!["id"]!.GetValue<string>();
        var (_, meKey) = await api.CreateOrgAsync();

        // The container's own row, read as the API reads it: the same bytes over the wire, parsed by the same SDK.
        var table = new TableServiceClient(connection).GetTableClient(api.Tables.Containers);
        var row = await table.QueryAsync<TableEntity>(e => e.PartitionKey == org && e.GetString("Id") == id).FirstAsync();
        var (pointRead, getContainer) = await InTurnsAsync(() => table.GetEntityAsync<TableEntity>(org, row.RowKey), () => GetAsync(api, $"orgs/{org}/containers/{id}", key));
        var (openApi, me) = await InTurnsAsync(() => GetAsync(api, "openapi.json", null), () => GetAsync(api, "me", meKey));
        var taken = $"of {Samples} after {WarmUp.TotalSeconds:0} s of both, in turns";
        return
        [
            ($"GET /containers/{{id}} vs one bare point read of the container's row (ms, median {taken})", Percentile(pointRead, 0.5), Percentile(getContainer, 0.5)),
            ($"the same, 90th percentile (ms, {taken})", Percentile(pointRead, 0.9), Percentile(getContainer, 0.9)),
            ($"GET /me vs unauthenticated GET /openapi.json (ms, median {taken})", Percentile(openApi, 0.5), Percentile(me, 0.5)),
            ($"the same, 90th percentile (ms, {taken})", Percentile(openApi, 0.9), Percentile(me, 0.9)),
        ];
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

    /// <summary>The median times of <see cref="InTurnsAsync"/>'s runs of each.</summary>
    public static async Task<(double Baseline, double Measured)> MediansAsync(Func<Task> baseline, Func<Task> measured, int runs = Samples, TimeSpan? warmUp = null)
    {
        var (baselines, measures) = await InTurnsAsync(baseline, measured, runs, warmUp);
        return (Percentile(baselines, 0.5), Percentile(measures, 0.5));
    }

    /// <summary>
    /// The times of <paramref name="runs"/> runs of each, sorted, after <paramref name="warmUp"/> of both
    /// (connections, caches, JIT; <see cref="WarmUp"/> by default), taken in turns, so that a drift of the
    /// machine or the emulator weighs on both alike.
    /// </summary>
    public static async Task<(List<double> Baseline, List<double> Measured)> InTurnsAsync(Func<Task> baseline, Func<Task> measured, int runs = Samples, TimeSpan? warmUp = null)
    {
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < (warmUp ?? WarmUp))
        {
            await baseline();
            await measured();
        }
        var samples = (Baseline: new List<double>(), Measured: new List<double>());
        for (var i = 0; i < runs; i++)
        {
            samples.Baseline.Add(await TimeAsync(baseline));
            samples.Measured.Add(await TimeAsync(measured));
        }
        samples.Baseline.Sort();
        samples.Measured.Sort();
        return samples;
    }

    private static async Task<double> TimeAsync(Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        await work();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>The sample below which <paramref name="fraction"/> of the <paramref name="sorted"/> samples lie.</summary>
    private static double Percentile(List<double> sorted, double fraction) => sorted[(int)(sorted.Count * fraction)];
}
