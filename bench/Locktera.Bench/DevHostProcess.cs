using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Locktera.Core.Storage;

/// <summary>
/// The API in a process of its own (the DevHost, built in Release) over the bench's Azurite, so that
/// what it costs — its peak memory above all — is measured apart from the bench's own.
/// </summary>
sealed class DevHostProcess : IAsyncDisposable
{
    private const string OperatorKey = "bench-operator-key-0123456789abcdef0123456789";

    private readonly Process _process;

    private DevHostProcess(Process process, HttpClient http, TableNames tables)
    {
        _process = process;
        Http = http;
        Tables = tables;
    }

    /// <summary>A client of the API's <c>/api/v1/</c>.</summary>
    public HttpClient Http { get; }

    /// <summary>The names of the tables this process keeps its rows in.</summary>
    public TableNames Tables { get; }

    /// <param name="settings">Settings of this process besides the bench's own (environment variable names).</param>
    public static async Task<DevHostProcess> StartAsync(string devHostDll, string storageConnection, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [devHostDll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["AzureWebJobsStorage"] = storageConnection;
        start.Environment["Locktera__OperatorKey"] = OperatorKey;
        start.Environment["Locktera__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var prefix = "b" + Guid.NewGuid().ToString("N")[..10];
        start.Environment["Locktera__StoragePrefix"] = prefix;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // The DevHost's own line per request (appsettings.json) too: the bench measures the API, not its console.
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Warning";
        // The queue of its webhook deliveries is its own, as its tables are.
        start.Environment["LockteraWebhookQueue"] = prefix + "webhooks";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("The DevHost did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("devhost: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new DevHostProcess(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/v1/"), Timeout = TimeSpan.FromMinutes(10) }, new TableNames(prefix));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                (await host.Http.GetAsync("service_status")).EnsureSuccessStatusCode();
                return host;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The most memory the process has held (its peak resident set, VmHWM).</summary>
    public long PeakMemoryBytes =>
        long.Parse(File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    /// <summary>A new root organization (and so a fresh rate-limit window): its id and admin key.</summary>
    public async Task<(string Id, string Key)> CreateOrgAsync()
    {
        var response = await SendAsync(HttpMethod.Post, "orgs", OperatorKey, JsonContent(new JsonObject { ["org_name"] = "Bench" }));
        return (response["org"]!["id"]!.GetValue<string>(), response["api_key"]!["secret"]!.GetValue<string>());
    }

    /// <summary>Sends a request with a key; answers the JSON of a success and throws on anything else.</summary>
    public async Task<JsonNode> SendAsync(HttpMethod method, string url, string key, HttpContent? content = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in headers ?? [])
        {
            request.Content!.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created
            ? JsonNode.Parse(text)!
            : throw new InvalidOperationException($"{method} {url}: {(int)response.StatusCode} {text}");
    }

    public static StringContent JsonContent(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
