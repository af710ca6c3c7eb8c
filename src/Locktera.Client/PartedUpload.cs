using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Locktera.Client;

/// <summary>
/// An encode in an upload session (README, "Large files"): the files' bytes end to end, cut into the
/// parts the session names, sent a bounded number at a time with their SHA-256, each sent again when
/// its connection failed; parts that arrived before (a resumed session) are skipped; then the commit,
/// asked again while the service answers 202.
/// </summary>
internal sealed class PartedUpload(LockteraPipeline pipeline, string org, IReadOnlyList<EncodeFile> files, EncodeOptions manifest, IProgress<TransferProgress>? progress, UploadResume? resume)
{
    private readonly long _total = files.Sum(f => f.Length);

    public async Task<EncodedContainer> RunAsync(CancellationToken cancellationToken)
    {
        var session = await ResumedAsync(cancellationToken) ?? await StartAsync(cancellationToken);
        var endpoints = session["session_endpoints"]!;
        var partSize = session["part_size"]!.GetValue<int>();
        var parts = session["total_parts"]!.GetValue<int>();
        var arrived = await ArrivedAsync(Url(endpoints, "list_parts"), cancellationToken);
        var counter = new TransferCounter(_total, progress);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, pipeline.Options.UploadParallelism), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(1, parts), options, async (number, ct) =>
        {
            var from = (long)(number - 1) * partSize;
            var length = (int)Math.Min(partSize, _total - from);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var bytes = buffer.AsMemory(0, length);
                await ReadAsync(from, bytes, ct);
                var sha256 = SHA256.HashData(bytes.Span);
                if (!arrived.TryGetValue(number, out var known) || !known.Equals(Convert.ToHexStringLower(sha256), StringComparison.OrdinalIgnoreCase))
                {
                    await SendPartAsync(Url(endpoints, "upload_part"), bytes, from, sha256, ct);
                }
                counter.Add(length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        return await CommitAsync(Url(endpoints, "commit"), cancellationToken);
    }

    /// <summary>The session to carry on, if the caller named one that is still open.</summary>
    private async Task<JsonNode?> ResumedAsync(CancellationToken cancellationToken)
    {
        if (resume?.SessionUrl is not { } url)
        {
            return null;
        }
        try
        {
            using var request = pipeline.Request(HttpMethod.Get, url.ToString(), null);
            using var response = await pipeline.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var session = await LockteraPipeline.ReadAsync<JsonNode>(response, cancellationToken);
            return session["status"]?.GetValue<string>() is "open" or "committing" && session["total_size"]?.GetValue<long>() == _total ? session : null;
        }
        catch (LockteraException e) when (e.Status == 404)
        {
            // Expired or aborted meanwhile: a new session.
            return null;
        }
    }

    private async Task<JsonNode> StartAsync(CancellationToken cancellationToken)
    {
        var session = await pipeline.SendAsync<JsonNode>(Operations.CreateUploadSession, [org], ContainersClient.Manifest(files, manifest, sizes: true), cancellationToken);
        resume?.SessionStarted?.Invoke(Url(session["session_endpoints"]!, "status"));
        return session;
    }

    /// <summary>The parts that arrived, by number, with their SHA-256 (hex).</summary>
    private async Task<Dictionary<int, string>> ArrivedAsync(Uri listParts, CancellationToken cancellationToken)
    {
        using var request = pipeline.Request(HttpMethod.Get, listParts.ToString(), null);
        using var response = await pipeline.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var list = await LockteraPipeline.ReadAsync<JsonNode>(response, cancellationToken);
        return list["entries"]!.AsArray().ToDictionary(
            p => int.Parse(p!["part_id"]!.GetValue<string>(), CultureInfo.InvariantCulture), p => p!["sha256"]!.GetValue<string>());
    }

    /// <summary>Bytes <paramref name="from"/>.. of the files end to end, into <paramref name="into"/>.</summary>
    private async Task ReadAsync(long from, Memory<byte> into, CancellationToken cancellationToken)
    {
        var start = 0L;
        foreach (var file in files)
        {
            var end = start + file.Length;
            if (into.IsEmpty)
            {
                return;
            }
            if (from < end && file.Length > 0)
            {
                await using var stream = file.Open();
                var skip = from - start;
                if (stream.CanSeek)
                {
                    stream.Seek(skip, SeekOrigin.Begin);
                }
                else
                {
                    await SkipAsync(stream, skip, cancellationToken);
                }
                var take = (int)Math.Min(into.Length, end - from);
                await stream.ReadExactlyAsync(into[..take], cancellationToken);
                into = into[take..];
                from += take;
            }
            start = end;
        }
        if (!into.IsEmpty)
        {
            throw new IOException("The files are shorter than their lengths say.");
        }
    }

    private static async Task SkipAsync(Stream stream, long bytes, CancellationToken cancellationToken)
    {
        var scratch = new byte[Math.Min(bytes, 81920)];
        while (bytes > 0)
        {
            var read = await stream.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, bytes)), cancellationToken);
            bytes -= read > 0 ? read : throw new EndOfStreamException();
        }
    }

    /// <summary>Sends one part; a connection that failed (not an answer of the API) is tried again, a few times, after a pause.</summary>
    private async Task SendPartAsync(Uri url, ReadOnlyMemory<byte> bytes, long from, byte[] sha256, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var content = new ReadOnlyMemoryContent(bytes);
                content.Headers.TryAddWithoutValidation("Content-Range", string.Create(CultureInfo.InvariantCulture, $"bytes {from}-{from + bytes.Length - 1}/{_total}"));
                content.Headers.TryAddWithoutValidation("Content-Digest", $"sha-256=:{Convert.ToBase64String(sha256)}:");
                using var request = pipeline.Request(HttpMethod.Put, url.ToString(), content);
                using var _ = await pipeline.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException { InnerException: TimeoutException }
                && attempt < pipeline.Options.PartAttempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(pipeline.Options.RetryDelay * attempt, cancellationToken);
            }
        }
    }

    /// <summary>Commits; while another request is committing (202), asks again after its <c>Retry-After</c>.</summary>
    private async Task<EncodedContainer> CommitAsync(Uri url, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var request = pipeline.Request(HttpMethod.Post, url.ToString(), null);
            using var response = await pipeline.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                return await LockteraPipeline.ReadAsync<EncodedContainer>(response, cancellationToken);
            }
            await Task.Delay(RetryAfter.Of(response, TimeSpan.FromSeconds(5)), cancellationToken);
        }
    }

    private static Uri Url(JsonNode endpoints, string name) => new(endpoints[name]!.GetValue<string>());
}
