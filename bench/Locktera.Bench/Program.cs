using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using System.Net;
using System.Text.Json.Nodes;
using Locktera.Core.Drm;

// Measures the targets of docs/benchmarks.md against a baseline taken in the same run:
//   1. encode throughput vs. a plain block-blob upload of the same bytes through the same adapter;
//   2. memory while encoding: a 1 GiB file vs. a 64 MiB one (flat means the same peak);
//   3. the latency of a 4 KiB Range read from a 1 MiB file vs. from a 1 GiB file;
//   4. one DRM decision (rules parsed from their stored JSON, then evaluated) against 1,000 IP and
//      100 geo entries vs. against no rules.
// Usage: Locktera.Bench <blob connection string> [size MiB for 1 and 2, default 1024]
var connection = args.Length > 0 ? args[0] : throw new ArgumentException("Pass the blob connection string.");
var largeMiB = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
var container = new BlobServiceClient(connection).GetBlobContainerClient("bench" + Guid.NewGuid().ToString("N")[..8]);
await container.CreateAsync();
var store = new BlobContentStore(container);
var (publicKey, _) = HybridKem.Generate();
var results = new List<(string Measure, string Baseline, string Locktera, string Ratio)>();

try
{
    // 4. DRM decisions first: they need no storage, and run before the disk is busy.
    var noRules = DrmDecisionMicroseconds(new JsonObject(), parse: false);
    var manyRules = DrmDecisionMicroseconds(LargeRuleSet(), parse: false);
    results.Add(("one DRM decision, no rules vs. 1,000 IP + 100 geo entries (µs, median of 2,000)", Micros(noRules), Micros(manyRules), Ratio(manyRules, noRules)));
    var parseNone = DrmDecisionMicroseconds(new JsonObject(), parse: true);
    var parseMany = DrmDecisionMicroseconds(LargeRuleSet(), parse: true);
    results.Add(("parse + decide, once per rules version (µs, median of 2,000)", Micros(parseNone), Micros(parseMany), Ratio(parseMany, parseNone)));

    // 1. Throughput, same bytes, same adapter; best of three to damp disk noise.
    const int throughputMiB = 256;
    var plain = await Best(3, () => Time(() => PlainUploadAsync(store, "plain", throughputMiB)));
    var encode = await Best(3, () => Time(() => EncodeAsync(store, "encoded", throughputMiB, publicKey)));
    results.Add(($"upload {throughputMiB} MiB (s, best of 3)", Seconds(plain), Seconds(encode), Ratio(encode, plain)));

    // 2. Peak memory while encoding: small vs large file.
    var smallPeak = await PeakMemoryAsync(() => EncodeAsync(store, "small", 64, publicKey));
    (TeraHeader, TeraKeys, TeraWritten) large = default;
    var largePeak = await PeakMemoryAsync(async () => large = await EncodeAsync(store, "large", largeMiB, publicKey));
    results.Add(($"peak working set, encode 64 MiB vs {largeMiB} MiB (MiB)", Mib(smallPeak), Mib(largePeak), Ratio(largePeak, smallPeak)));

    // 3. Range latency: a 4 KiB range in the middle of a 1 MiB file vs. of the large file.
    var smallRange = await RangeLatencyAsync(store, "small-range", await EncodeAsync(store, "small-range", 1, publicKey));
    var largeRange = await RangeLatencyAsync(store, "large", large);
    results.Add(("4 KiB Range read, 1 MiB vs large file (ms, median of 50)", Millis(smallRange), Millis(largeRange), Ratio(largeRange, smallRange)));
}
finally
{
    await container.DeleteAsync();
}

Console.WriteLine("| measure | baseline | Locktera | ratio |");
Console.WriteLine("| --- | --- | --- | --- |");
foreach (var (measure, baseline, locktera, ratio) in results)
{
    Console.WriteLine($"| {measure} | {baseline} | {locktera} | {ratio} |");
}

static async Task PlainUploadAsync(IContentStore store, string key, int mebibytes)
{
    await using var upload = await store.StartUploadAsync(key, CancellationToken.None);
    var buffer = new byte[1024 * 1024];
    for (var i = 0; i < mebibytes; i++)
    {
        Fill(buffer, i);
        await upload.WriteAsync(buffer, CancellationToken.None);
    }
    await upload.CommitAsync(CancellationToken.None);
}

static async Task<(TeraHeader Header, TeraKeys Keys, TeraWritten Written)> EncodeAsync(IContentStore store, string key, int mebibytes, byte[] publicKey)
{
    var (header, keys) = TeraHeader.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), publicKey, TeraHeader.DefaultSegmentSize, null, []);
    await using var upload = await store.StartUploadAsync(key, CancellationToken.None);
    var writer = await TeraWriter.StartAsync(upload, header, keys, CancellationToken.None);
    await writer.AddFileAsync("file.bin", "application/octet-stream", new TeraFileDetails(), new GeneratedStream(mebibytes * 1024L * 1024), long.MaxValue, CancellationToken.None);
    var written = await writer.CompleteAsync("bench", DateTimeOffset.UtcNow, CancellationToken.None);
    await upload.CommitAsync(CancellationToken.None);
    return (header, keys, written);
}

static async Task<double> RangeLatencyAsync(IContentStore store, string key, (TeraHeader Header, TeraKeys Keys, TeraWritten Written) container)
{
    var (header, keys, written) = container;
    var file = written.Index.Files[0];
    var from = file.Size / 2;
    var to = from + 4095;
    var samples = new List<double>();
    for (var i = 0; i < 50; i++)
    {
        var elapsed = await Time(async () =>
        {
            var run = TeraRun.Of(header, written.Index, 0, 0);
            var (offset, length) = run.StoredRange(from, to);
            await using var reader = await TeraReader.StartAsync(header, keys, run, await store.OpenReadAsync(key, offset, length, CancellationToken.None), from, to, CancellationToken.None);
            await reader.CopyToAsync(Stream.Null, CancellationToken.None);
        });
        samples.Add(elapsed);
    }
    samples.Sort();
    return samples[samples.Count / 2];
}

static async Task<long> PeakMemoryAsync(Func<Task> work)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    using var process = Process.GetCurrentProcess();
    var peak = 0L;
    using var cancel = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!cancel.IsCancellationRequested)
        {
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
            await Task.Delay(20);
        }
    });
    await work();
    await cancel.CancelAsync();
    await sampler;
    return peak;
}

static JsonObject LargeRuleSet()
{
    var ips = new JsonArray();
    for (var i = 0; i < 1000; i++)
    {
        ips.Add(JsonValue.Create((i % 3) switch
        {
            0 => $"10.{i / 256}.{i % 256}.0/24",
            1 => $"172.16.{i % 256}.1-172.16.{i % 256}.200",
            _ => $"2001:db8:{i:x}::/48",
        }));
    }
    var places = new JsonArray();
    foreach (var (country, i) in "DE FR US GB JP BR IN CA AU ZA".Split(' ').Select((c, i) => (c, i)))
    {
        for (var city = 0; city < 10; city++)
        {
            places.Add(new JsonObject { ["country"] = country, ["city"] = $"City {i}-{city}" });
        }
    }
    return new JsonObject
    {
        ["recipients"] = new JsonArray("*@example.com"),
        ["ip"] = new JsonObject { ["allow"] = ips },
        ["geo"] = new JsonObject { ["allow"] = places },
    };
}

// A decision for a viewer the rules allow (the worst case: every list is searched to its end).
// The service parses a rules version once and caches it, so a decode pays only the evaluation;
// with parse, the one-off parse of the stored JSON is measured with it.
static double DrmDecisionMicroseconds(JsonObject rules, bool parse)
{
    var stored = rules.ToJsonString();
    var cached = DrmRules.Parse(JsonNode.Parse(stored)!.AsObject(), (_, _) => { });
    var facts = new ViewerFacts(DateTimeOffset.UtcNow, IPAddress.Parse("2001:db8:3e7::1"), new GeoFacts("OC", "ZA", null, "City 9-9"), "ann@example.com");
    var samples = new List<double>();
    for (var i = 0; i < 2200; i++)
    {
        var watch = Stopwatch.StartNew();
        var parsed = parse ? DrmRules.Parse(JsonNode.Parse(stored)!.AsObject(), (_, _) => { }) : cached;
        _ = DrmEvaluator.Evaluate(parsed, facts);
        if (i >= 200)
        {
            samples.Add(watch.Elapsed.TotalMicroseconds);
        }
    }
    samples.Sort();
    return samples[samples.Count / 2];
}

static async Task<double> Time(Func<Task> work)
{
    var watch = Stopwatch.StartNew();
    await work();
    return watch.Elapsed.TotalSeconds;
}

static async Task<double> Best(int runs, Func<Task<double>> measure)
{
    var best = double.MaxValue;
    for (var i = 0; i < runs; i++)
    {
        best = Math.Min(best, await measure());
    }
    return best;
}

static void Fill(byte[] buffer, int seed) => new Random(seed).NextBytes(buffer);

static string Micros(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

static string Seconds(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

static string Millis(double seconds) => (seconds * 1000).ToString("0.0", CultureInfo.InvariantCulture);

static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture);

static string Ratio(double value, double baseline) => (value / baseline).ToString("0.00", CultureInfo.InvariantCulture) + "×";

/// <summary>Pseudo-random bytes of a given length, produced as they are read: nothing is held in memory.</summary>
sealed class GeneratedStream(long length) : Stream
{
    private readonly Random _random = new(1);
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        _random.NextBytes(buffer.AsSpan(offset, n));
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
