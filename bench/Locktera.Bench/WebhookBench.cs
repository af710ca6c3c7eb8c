using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

/// <summary>
/// Webhooks (issue 16), over HTTP against the DevHost in its own process, to a receiver in this one:
/// <list type="number">
/// <item>what an event costs the request that causes it: an encode whose org has a subscription to
/// every event vs. one whose org has none, in turns;</item>
/// <item>how fast one instance delivers: events posted to a container (8 at a time) until the receiver
/// has every delivery, vs. posting the same number of events to an org without a subscription.</item>
/// </list>
/// </summary>
static class WebhookBench
{
    private const int Encodes = 100;
    private const int Events = 500;

    /// <summary>Shorter than <see cref="RequestBench.WarmUp"/>: every encode of the warm-up is a delivery the row then waits for.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    public static async Task AddAsync(List<(string Measure, string Baseline, string Locktera, string Ratio)> results, string connection, string devHostDll)
    {
        using var receiver = new Receiver();
        await using var api = await DevHostProcess.StartAsync(devHostDll, connection, new Dictionary<string, string>
        {
            // The receiver listens on loopback over http; the bench's requests exceed a key's default limit.
            ["Locktera__AllowPrivateStorageEndpoints"] = "true",
            ["Locktera__AdminRequestsPerMinute"] = "1000000",
        });
        var (plainOrg, plainKey) = await api.CreateOrgAsync();
        var (hookedOrg, hookedKey) = await api.CreateOrgAsync();
        await api.SendAsync(HttpMethod.Post, $"orgs/{hookedOrg}/webhooks", hookedKey,
            DevHostProcess.JsonContent(new JsonObject { ["url"] = receiver.Url, ["events"] = new JsonArray("*") }));

        // Each encode of the subscribed org is one delivery to wait for, the warm-up's too.
        var hookedEncodes = 0;
        var (without, with) = await RequestBench.MediansAsync(() => EncodeAsync(api, plainOrg, plainKey), () =>
        {
            hookedEncodes++;
            return EncodeAsync(api, hookedOrg, hookedKey);
        }, Encodes, WarmUp);
        results.Add(($"encode a 1 KiB file: an org without vs. with a subscription to every event (ms, median of {Encodes} after {WarmUp.TotalSeconds:0} s of both, in turns)",
            Millis(without), Millis(with), Ratio(with, without)));
        await receiver.WaitForAsync(hookedEncodes);

        var plainContainer = await EncodeAsync(api, plainOrg, plainKey);
        var hookedContainer = await EncodeAsync(api, hookedOrg, hookedKey);
        await receiver.WaitForAsync(hookedEncodes + 1);
        var recorded = await TimeAsync(() => PostEventsAsync(api, plainOrg, plainKey, plainContainer));
        var start = receiver.Count;
        var delivered = await TimeAsync(async () =>
        {
            await PostEventsAsync(api, hookedOrg, hookedKey, hookedContainer);
            await receiver.WaitForAsync(start + Events);
        });
        results.Add(($"{Events} events, 8 posted at a time: recorded by an org without a subscription vs. delivered to a local receiver from one instance (events/s)",
            PerSecond(recorded), PerSecond(delivered), (recorded / delivered).ToString("0.00", CultureInfo.InvariantCulture) + "×"));
    }

    private static async Task<string> EncodeAsync(DevHostProcess api, string org, string key)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("{}", Encoding.UTF8, "application/json"), "manifest" },
            { new ByteArrayContent(new byte[1024]), "files", "a.bin" },
        };
        return (await api.SendAsync(HttpMethod.Post, $"orgs/{org}/containers/encode", key, form))["container"]!["id"]!.GetValue<string>();
    }

    private static Task PostEventsAsync(DevHostProcess api, string org, string key, string container) =>
        Parallel.ForEachAsync(Enumerable.Range(0, Events), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, _) =>
            await api.SendAsync(HttpMethod.Post, $"orgs/{org}/containers/{container}/events", key,
                DevHostProcess.JsonContent(new JsonObject { ["action"] = "client.bench", ["detail"] = new JsonObject { ["n"] = n.ToString(CultureInfo.InvariantCulture) } })));

    private static async Task<double> TimeAsync(Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        await work();
        return watch.Elapsed.TotalSeconds;
    }

    private static string Millis(double seconds) => (seconds * 1000).ToString("0.0", CultureInfo.InvariantCulture);

    private static string PerSecond(double seconds) => (Events / seconds).ToString("0", CultureInfo.InvariantCulture);

    private static string Ratio(double value, double baseline) => (value / baseline).ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary>A webhook receiver on loopback that answers 204 and counts what it gets.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _count;

        public Receiver()
        {
            var port = DevHostProcess.FreePort();
            Url = $"http://127.0.0.1:{port}/hooks";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public int Count => Volatile.Read(ref _count);

        public async Task WaitForAsync(int count)
        {
            var watch = Stopwatch.StartNew();
            while (Count < count)
            {
                if (watch.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new TimeoutException($"The receiver got {Count} of {count} deliveries.");
                }
                await Task.Delay(10);
            }
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    await context.Request.InputStream.CopyToAsync(Stream.Null);
                    Interlocked.Increment(ref _count);
                    context.Response.StatusCode = 204;
                    context.Response.Close();
                });
            }
        }

        public void Dispose() => _listener.Close();
    }
}
