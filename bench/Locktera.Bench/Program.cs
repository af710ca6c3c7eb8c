using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

// Measures the targets of docs/benchmarks.md against a baseline taken in the same run:
//   1. encode throughput vs. a plain block-blob upload of the same bytes through the same adapter;
//   2. memory while encoding: a 1 GiB file vs. a 64 MiB one (flat means the same peak);
//   3. the latency of a 4 KiB Range read from a 1 MiB file vs. from a 1 GiB file;
//   4. one DRM decision (rules parsed from their stored JSON, then evaluated) against 1,000 IP and
//      100 geo entries vs. against no rules;
//   5. an upload session over HTTP (the DevHost in its own process): the large file in parts, 8 at a
//      time, vs. the same bytes as blocks of the same size, 8 at a time, straight to the same Azurite;
//   6. the peak memory of that process for a 256 MiB vs. a session of twice the large file;
//   then the request rows (RequestBench), the transfers (TransferBench) and the webhooks (WebhookBench).
// Usage: Locktera.Bench <storage connection string> [size MiB for 1, 2, 5 and 6, default 1024] [Locktera.DevHost.dll]
//        [the groups of rows to run, all by default: drm (4), storage (1–3), requests, transfers, webhooks, sessions (5, 6)]
// Every group but drm and storage needs the DevHost.
var connection = args.Length > 0 ? args[0] : throw new ArgumentException("Pass the blob connection string.");
var largeMiB = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
var devHost = args.Length > 2 ? args[2] : null;
string[] groups = ["drm", "storage", "requests", "transfers", "webhooks", "sessions"];
var only = args.Length > 3 ? args[3..] : groups;
if (only.Except(groups).FirstOrDefault() is { } unknown)
{
    Console.Error.WriteLine($"No group of rows is called '{unknown}': name some of {string.Join(", ", groups)}.");
    return 2;
}
var container = new BlobServiceClient(connection).GetBlobContainerClient("bench" + Guid.NewGuid().ToString("N")[..8]);
await container.CreateAsync();
var store = new BlobContentStore(container);
var (publicKey, _) = HybridKem.Generate();
var results = new List<(string Measure, string Baseline, string Locktera, string Ratio)>();
// The API's default part size (Locktera__UploadPartBytes), and the baseline's block size.
const int SessionPartBytes = 16 * 1024 * 1024;

try
{
    if (only.Contains("drm"))
    {
        // 4. DRM decisions first: they need no storage, and run before the disk is busy.
        var (noRules, manyRules, parseNone, parseMany) = DrmBench.Measure();
        results.Add(("one DRM decision, no rules vs. 1,000 IP + 100 geo entries (µs, median of 2,000 samples of 100 after 1 s of warm-up)", Micros(noRules), Micros(manyRules), Ratio(manyRules, noRules)));
        results.Add(("parse + decide, once per rules version (µs, median of 2,000 after 1 s of warm-up)", Micros(parseNone), Micros(parseMany), Ratio(parseMany, parseNone)));
    }

    if (only.Contains("storage"))
    {
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

    if (devHost is not null)
    {
        if (only.Contains("requests"))
        {
            foreach (var (measure, baseline, locktera) in await RequestBench.RunAsync(devHost, connection))
            {
                results.Add((measure, Millis(baseline), Millis(locktera), Ratio(locktera, baseline)));
            }
        }
        if (only.Contains("transfers"))
        {
            await TransferBench.AddAsync(results, connection, devHost);
        }
        if (only.Contains("webhooks"))
        {
            await WebhookBench.AddAsync(results, connection, devHost);
        }
        if (only.Contains("sessions"))
        {
            // 5. Upload session throughput: the parts are made before the clock starts, the same bytes for both.
            const int parallel = 8;
            var size = largeMiB * 1024L * 1024;
            var parts = new PartSource(SessionPartBytes, 8);
            await using (var api = await DevHostProcess.StartAsync(devHost, connection))
            {
                var blocks = await Best(2, () => Time(() => PlainBlocksAsync(container, "blocks", size, parts, parallel)));
                var session = await Best(2, () => Time(() => SessionUploadAsync(api, size, parts, parallel)));
                results.Add(($"upload {largeMiB} MiB in 16 MiB parts, {parallel} at a time (s, best of 2): staged blocks vs. an upload session over HTTP", Seconds(blocks), Seconds(session), Ratio(session, blocks)));
            }

            // 6. The API process's peak memory: a fresh process for each session size.
            var peaks = new List<long>();
            foreach (var mebibytes in new[] { 256, 2 * largeMiB })
            {
                await using var api = await DevHostProcess.StartAsync(devHost, connection);
                await SessionUploadAsync(api, mebibytes * 1024L * 1024, parts, parallel);
                peaks.Add(api.PeakMemoryBytes);
            }
            results.Add(($"peak memory of the API process, upload session of 256 MiB vs {2 * largeMiB} MiB, {parallel} parts at a time (MiB)", Mib(peaks[0]), Mib(peaks[1]), Ratio(peaks[1], peaks[0])));
        }
    }
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
return 0;

// The blocks of a plain upload, as an SDK client sends them: staged in parallel, then committed.
static async Task PlainBlocksAsync(BlobContainerClient container, string name, long size, PartSource parts, int parallel)
{
    var blob = container.GetBlockBlobClient(name);
    var count = parts.Count(size);
    var ids = Enumerable.Range(1, count).Select(n => Convert.ToBase64String(BitConverter.GetBytes(n))).ToList();
    await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (n, cancellationToken) =>
    {
        using var block = new MemoryStream(parts.Bytes(n, size).ToArray(), writable: false);
        await blob.StageBlockAsync(ids[n - 1], block, cancellationToken: cancellationToken);
    });
    await blob.CommitBlockListAsync(ids);
}

// An upload session as a client runs it: start, every part with its range and digest, in parallel, then the commit.
static async Task SessionUploadAsync(DevHostProcess api, long size, PartSource parts, int parallel)
{
    var (org, key) = await api.CreateOrgAsync();
    var session = await api.SendAsync(HttpMethod.Post, $"orgs/{org}/containers/upload_sessions", key, DevHostProcess.JsonContent(new JsonObject
    {
        ["container"] = new JsonObject { ["name"] = "bench" },
        ["files"] = new JsonObject { ["file.bin"] = new JsonObject { ["size"] = size } },
    }));
    if (session["part_size"]!.GetValue<int>() != SessionPartBytes)
    {
        throw new InvalidOperationException("The API chose another part size than the baseline's blocks.");
    }
    var url = session["session_endpoints"]!["upload_part"]!.GetValue<string>();
    await Parallel.ForEachAsync(Enumerable.Range(1, session["total_parts"]!.GetValue<int>()), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (n, _) =>
    {
        var from = (long)(n - 1) * SessionPartBytes;
        var bytes = parts.Bytes(n, size);
        await api.SendAsync(HttpMethod.Put, url, key, new ReadOnlyMemoryContent(bytes),
            [("Content-Range", $"bytes {from}-{from + bytes.Length - 1}/{size}"), ("Content-Digest", $"sha-256=:{parts.Digest(n, size)}:")]);
    });
    await api.SendAsync(HttpMethod.Post, session["session_endpoints"]!["commit"]!.GetValue<string>(), key);
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
            await reader.CopyToAsync(PipeWriter.Create(Stream.Null), CancellationToken.None);
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

static string Micros(double value) => value.ToString(value < 1 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

static string Seconds(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

static string Millis(double seconds) => (seconds * 1000).ToString("0.0", CultureInfo.InvariantCulture);

static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture);

static string Ratio(double value, double baseline) => (value / baseline).ToString("0.00", CultureInfo.InvariantCulture) + "×";

/// <summary>
/// The bytes of parts of a given size, made once: a few distinct parts repeated (part n is part
/// n mod count), each with its SHA-256, so that neither side of a comparison pays for making them.
/// </summary>
sealed class PartSource
{
    private readonly byte[][] _parts;
    private readonly string[] _digests;
    private readonly int _size;

    public PartSource(int size, int count)
    {
        _size = size;
        _parts = [.. Enumerable.Range(0, count).Select(i => { var part = new byte[size]; new Random(i).NextBytes(part); return part; })];
        _digests = [.. _parts.Select(p => Convert.ToBase64String(SHA256.HashData(p)))];
    }

    public int Count(long total) => (int)((total + _size - 1) / _size);

    /// <summary>Part <paramref name="number"/> (1-based) of <paramref name="total"/> bytes; the last one shorter.</summary>
    public ReadOnlyMemory<byte> Bytes(int number, long total) =>
        _parts[number % _parts.Length].AsMemory(0, (int)Math.Min(_size, total - ((long)(number - 1) * _size)));

    public string Digest(int number, long total) =>
        Bytes(number, total).Length == _size ? _digests[number % _parts.Length] : Convert.ToBase64String(SHA256.HashData(Bytes(number, total).Span));
}

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
