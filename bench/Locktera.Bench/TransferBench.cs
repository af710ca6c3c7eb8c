using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;

/// <summary>
/// Transfers at storage speed (issue 15), each against a baseline taken in the same run:
/// <list type="number">
/// <item>encoding a file over HTTP (the DevHost in its own process) vs. uploading the same file to the
/// same Azurite with the JavaScript SDK's <c>uploadFile</c> (4 MiB blocks, 5 in flight);</item>
/// <item>decoding that file over HTTP vs. downloading the plain blob with the same SDK;</item>
/// <item><see cref="TeraWriter"/> encoding to a sink that drops the bytes vs. AES-256-GCM alone over
/// the same bytes in segments of the same size. .NET's <see cref="AesGcm"/> is OpenSSL's EVP
/// AES-256-GCM on Linux, what <c>openssl speed -evp aes-256-gcm</c> measures, here measured in the
/// same process at the same moment as the writer.</item>
/// </list>
/// </summary>
static class TransferBench
{
    private const int FileMiB = 64;
    private const int Runs = 5;

    /// <summary>Runs of the writer and of AES-GCM alone: a tenth of a second each, so more of them damp the noise of a shared machine.</summary>
    private const int CpuRuns = 20;

    public static async Task AddAsync(List<(string Measure, string Baseline, string Locktera, string Ratio)> results, string connection, string devHostDll)
    {
        var file = Path.GetTempFileName();
        var small = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(FileMiB * 1024 * 1024));
            await File.WriteAllBytesAsync(small, RandomNumberGenerator.GetBytes(64 * 1024));
            await MeasureAsync(results, connection, devHostDll, file, small);
        }
        finally
        {
            File.Delete(file);
            File.Delete(small);
        }
    }

    private static async Task MeasureAsync(List<(string Measure, string Baseline, string Locktera, string Ratio)> results, string connection, string devHostDll, string file, string small)
    {
        // The writer first, while no other process of the bench is busy: its hashes run on other threads.
        var bytes = await File.ReadAllBytesAsync(file);
        var aes = MiBPerSecond(bytes.Length, await Best(CpuRuns, () => Task.FromResult(EncryptOnly(bytes))));
        var writer = MiBPerSecond(bytes.Length, await Best(CpuRuns, () => EncodeToNullAsync(bytes)));

        var container = "transfer" + Guid.NewGuid().ToString("N")[..8];
        // The warm-up's small encodes exceed a key's default limit.
        await using (var api = await DevHostProcess.StartAsync(devHostDll, connection, new Dictionary<string, string> { ["Locktera__AdminRequestsPerMinute"] = "1000000" }))
        {
            var (org, key) = await api.CreateOrgAsync();
            // Encodes and decodes untimed first: a fresh DevHost spends its first seconds compiling (RequestBench.WarmUp).
            // The large file's make what runs per segment hot; the small ones' what runs once per request, which
            // the runtime compiles fully only after some thirty calls.
            var warming = Stopwatch.StartNew();
            while (warming.Elapsed < RequestBench.WarmUp)
            {
                await DecodeAsync(api, org, key, await EncodeAsync(api, org, key, file));
                for (var i = 0; i < 10; i++)
                {
                    await DecodeAsync(api, org, key, await EncodeAsync(api, org, key, small));
                }
            }
            // The baseline in a Node process that stays up, its runs taken in turns with the API's, so that a
            // drift of the machine or of Azurite weighs on both; its first upload and download untimed, as the API's.
            await using var node = NodeBaseline.Start(connection, container, file);
            await node.RunAsync("upload");
            await node.RunAsync("download");
            var id = "";
            var (plainUpload, encode) = await BestInTurnsAsync(() => node.RunAsync("upload"), async () => id = await EncodeAsync(api, org, key, file));
            results.Add(($"encode {FileMiB} MiB over HTTP vs. SDK uploadFile of the file (s, best of {Runs} each in turns, the API warmed up {RequestBench.WarmUp.TotalSeconds:0} s first)", Seconds(plainUpload), Seconds(encode), Ratio(encode, plainUpload)));

            var (plainDownload, decode) = await BestInTurnsAsync(() => node.RunAsync("download"), () => DecodeAsync(api, org, key, id));
            results.Add(($"decode {FileMiB} MiB over HTTP vs. SDK download of the plain blob (s, best of {Runs} each in turns, the API warmed up {RequestBench.WarmUp.TotalSeconds:0} s first)", Seconds(plainDownload), Seconds(decode), Ratio(decode, plainDownload)));
        }
        results.Add(($"TeraWriter to a null sink vs. AES-256-GCM alone, {FileMiB} MiB (MiB/s, best of {CpuRuns})", aes.ToString("0", CultureInfo.InvariantCulture), writer.ToString("0", CultureInfo.InvariantCulture), (writer / aes).ToString("0%", CultureInfo.InvariantCulture)));
    }

    /// <summary>POST /containers/encode of the file as a client sends it (streamed from disk); answers the container's id.</summary>
    private static async Task<string> EncodeAsync(DevHostProcess api, string org, string key, string file)
    {
        await using var stream = File.OpenRead(file);
        using var form = new MultipartFormDataContent { { new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), "manifest" } };
        var part = new StreamContent(stream);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "files", "file.bin");
        var encoded = await api.SendAsync(HttpMethod.Post, $"orgs/{org}/containers/encode", key, form);
        return encoded["container"]!["id"]!.GetValue<string>();
    }

    private static async Task DecodeAsync(DevHostProcess api, string org, string key, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"orgs/{org}/containers/{id}/decode/file.bin");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
    }

    private static async Task EncodeToNullAsync(byte[] bytes)
    {
        var (header, keys) = TeraHeader.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), HybridKem.Generate().PublicKey, TeraHeader.DefaultSegmentSize, null, []);
        var writer = await TeraWriter.StartAsync(new NullUpload(), header, keys, CancellationToken.None);
        await writer.AddFileAsync("file.bin", "application/octet-stream", new TeraFileDetails(), new MemoryStream(bytes, writable: false), long.MaxValue, CancellationToken.None);
        await writer.CompleteAsync("bench", DateTimeOffset.UtcNow, CancellationToken.None);
    }

    /// <summary>What the writer's encryption alone costs: every segment sealed, with its own nonce, into one output buffer.</summary>
    private static int EncryptOnly(byte[] bytes)
    {
        const int segment = TeraHeader.DefaultSegmentSize;
        using var aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        var output = new byte[segment];
        var tag = new byte[16];
        var nonce = new byte[12];
        var count = 0;
        for (var offset = 0; offset < bytes.Length; offset += segment, count++)
        {
            BitConverter.TryWriteBytes(nonce, count);
            aes.Encrypt(nonce, bytes.AsSpan(offset, Math.Min(segment, bytes.Length - offset)), output.AsSpan(0, Math.Min(segment, bytes.Length - offset)), tag);
        }
        return count;
    }

    /// <summary>The best times of <see cref="Runs"/> runs of each, taken in turns (<see cref="RequestBench.InTurnsAsync"/>; the warm-up is the caller's).</summary>
    private static async Task<(double Baseline, double Measured)> BestInTurnsAsync(Func<Task> baseline, Func<Task> measured)
    {
        var (baselines, measures) = await RequestBench.InTurnsAsync(baseline, measured, Runs, TimeSpan.Zero);
        return (baselines[0], measures[0]);
    }

    private static async Task<double> Best(int runs, Func<Task> work)
    {
        var best = double.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await work();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static double MiBPerSecond(long bytes, double seconds) => bytes / 1024.0 / 1024.0 / seconds;

    private static string Seconds(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Ratio(double value, double baseline) => (value / baseline).ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary>tools/bench/blob.mjs in a process that stays up, so that Node's start is not counted: a run is a line in, a line out when it is done.</summary>
    private sealed class NodeBaseline : IAsyncDisposable
    {
        private readonly Process _node;

        private NodeBaseline(Process node) => _node = node;

        public static NodeBaseline Start(string connection, string container, string file)
        {
            var start = new ProcessStartInfo("node", ["tools/bench/blob.mjs", connection, container, "plain", file])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            };
            return new NodeBaseline(Process.Start(start) ?? throw new InvalidOperationException("node did not start."));
        }

        /// <summary>One run of "upload" or "download".</summary>
        public async Task RunAsync(string mode)
        {
            await _node.StandardInput.WriteLineAsync(mode);
            await _node.StandardInput.FlushAsync();
            if (await _node.StandardOutput.ReadLineAsync() is not "done")
            {
                throw new InvalidOperationException($"node tools/bench/blob.mjs stopped during a {mode} ({(_node.HasExited ? $"exit code {_node.ExitCode}" : "still running")}).");
            }
        }

        public async ValueTask DisposeAsync()
        {
            _node.StandardInput.Close();
            await _node.WaitForExitAsync();
            _node.Dispose();
        }
    }

    private sealed class NullUpload : IContentUpload
    {
        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
