using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Locktera.Client;

/// <summary>The containers of the client's organization: encode (large ones in resumable parallel parts), list, read, decode, block, tag, delete.</summary>
public sealed class ContainersClient : SubClient
{
    internal ContainersClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>The organization's containers, newest first, page after page as they are read.</summary>
    public IAsyncEnumerable<Container> ListAsync(ContainerFilter? filter = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<Container>(Operations.ListContainers, [OrgId], LockteraPipeline.Query(
            ("status", filter?.Status), ("tag", filter?.Tag), ("name", filter?.Name), ("start", filter?.Start?.ToString("O")), ("end", filter?.End?.ToString("O"))), cancellationToken);

    public Task<Container> GetAsync(Guid containerId, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Container>(Operations.GetContainer, [OrgId, containerId.ToString()], null, cancellationToken);

    /// <summary>Deletes the container and its bytes.</summary>
    public Task DeleteAsync(Guid containerId, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync(Operations.DeleteContainer, [OrgId, containerId.ToString()], null, cancellationToken);

    /// <summary>Blocks every decode of the container until it is unblocked (the API answers 204, no body).</summary>
    public Task BlockAsync(Guid containerId, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync(Operations.BlockContainer, [OrgId, containerId.ToString()], null, cancellationToken);

    public Task UnblockAsync(Guid containerId, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync(Operations.UnblockContainer, [OrgId, containerId.ToString()], null, cancellationToken);

    /// <summary>Replaces the container's tags; answers them as stored (trimmed, without duplicates).</summary>
    public Task<IReadOnlyList<string>> SetTagsAsync(Guid containerId, IReadOnlyList<string> tags, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<IReadOnlyList<string>>(Operations.SetContainerTags, [OrgId, containerId.ToString()], tags, cancellationToken);

    /// <summary>The container whose MD5, SHA-256 or parts' SHA-256 (an upload session's) is <paramref name="digest"/>.</summary>
    public Task<Container> FindByDigestAsync(string digest, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Container>(Operations.FindContainerByDigest, [OrgId], null, cancellationToken, LockteraPipeline.Query(("digest", digest)));

    /// <summary>The decrypted manifest: the container's name and its files.</summary>
    public async Task<DecodedManifest> GetManifestAsync(Guid containerId, string? password = null, CancellationToken cancellationToken = default)
    {
        using var response = await Pipeline.SendAsync(Operations.DecodeManifest, [OrgId, containerId.ToString()], null, cancellationToken, configure: r => Password(r, password));
        return await LockteraPipeline.ReadAsync<DecodedManifest>(response, cancellationToken);
    }

    /// <summary>
    /// One decoded file as a read-only, seekable stream that asks for the bytes it is read at
    /// (Range requests): a viewer can seek in a 4 GiB video and the service reads only the segments
    /// it needs.
    /// </summary>
    public Task<Stream> OpenReadAsync(Guid containerId, string fileName, string? password = null, CancellationToken cancellationToken = default) =>
        RangedFileStream.OpenAsync(Pipeline, Operations.DecodeFile.Url(OrgId, containerId.ToString(), fileName), r => Password(r, password), cancellationToken);

    /// <summary>
    /// Downloads one decoded file to <paramref name="path"/>. The bytes go to <c>{path}.partial</c>
    /// first; a download that stopped is resumed from there, as long as the file is still the same
    /// (If-Range), and the file takes its name only once it is whole.
    /// </summary>
    public Task DownloadToAsync(Guid containerId, string fileName, string path, IProgress<TransferProgress>? progress = null, string? password = null, CancellationToken cancellationToken = default) =>
        Downloads.ToFileAsync(Pipeline, Operations.DecodeFile.Url(OrgId, containerId.ToString(), fileName), r => Password(r, password), path, progress, cancellationToken);

    /// <summary>
    /// Encodes <paramref name="files"/> into a new container. Up to
    /// <see cref="LockteraClientOptions.SingleRequestLimit"/> bytes in one request; more in an upload
    /// session: parts sent in parallel (<see cref="LockteraClientOptions.UploadParallelism"/>), each
    /// with its digest, a part whose connection failed sent again. <paramref name="resume"/> carries
    /// a session on from where it stopped (after the process restarted): the parts that arrived are
    /// not sent again.
    /// </summary>
    public async Task<EncodedContainer> EncodeAsync(IReadOnlyList<EncodeFile> files, EncodeOptions? manifest = null, IProgress<TransferProgress>? progress = null,
        UploadResume? resume = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var total = files.Sum(f => f.Length);
        return total <= Pipeline.Options.SingleRequestLimit && resume?.SessionUrl is null
            ? await EncodeInOneRequestAsync(files, manifest ?? new EncodeOptions(), progress, cancellationToken)
            : await new PartedUpload(Pipeline, OrgId, files, manifest ?? new EncodeOptions(), progress, resume).RunAsync(cancellationToken);
    }

    private async Task<EncodedContainer> EncodeInOneRequestAsync(IReadOnlyList<EncodeFile> files, EncodeOptions manifest, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var sent = new TransferCounter(files.Sum(f => f.Length), progress);
        using var form = new MultipartFormDataContent
        {
            { JsonContent.Create(Manifest(files, manifest, sizes: false), options: LockteraJson.Options), "manifest" },
        };
        var streams = new List<Stream>();
        try
        {
            foreach (var file in files)
            {
                var stream = file.Open();
                streams.Add(stream);
                var part = new StreamContent(new CountingStream(stream, sent));
                part.Headers.ContentType = MediaTypeHeaderValue.Parse(file.Type ?? MediaTypes.For(file.Name));
                form.Add(part, "files", file.Name);
            }
            using var response = await Pipeline.SendAsync(Operations.EncodeContainer, [OrgId], form, cancellationToken,
                configure: r => r.Options.Set(LockteraPipeline.OneShot, true));
            return await LockteraPipeline.ReadAsync<EncodedContainer>(response, cancellationToken);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>The encode manifest in its nested shape; an upload session's names every file's size.</summary>
    internal static JsonObject Manifest(IReadOnlyList<EncodeFile> files, EncodeOptions manifest, bool sizes)
    {
        var described = new JsonObject();
        foreach (var file in files)
        {
            var entry = new JsonObject { ["type"] = file.Type ?? MediaTypes.For(file.Name) };
            if (sizes)
            {
                entry["size"] = file.Length;
            }
            described[file.Name] = entry;
        }
        var container = new JsonObject();
        Set(container, "name", manifest.Name);
        Set(container, "password", manifest.Password);
        Set(container, "downloadable", manifest.Downloadable);
        if (manifest.Recipients is { } recipients)
        {
            container["recipients"] = new JsonArray([.. recipients.Select(r => JsonValue.Create(r))]);
        }
        if (manifest.Tags is { } tags)
        {
            container["tags"] = new JsonArray([.. tags.Select(t => JsonValue.Create(t))]);
        }
        if (manifest.Drm is { } drm)
        {
            container["drm"] = drm.DeepClone();
        }
        return new JsonObject { ["container"] = container, ["files"] = described };
    }

    private static void Set<T>(JsonObject target, string name, T? value)
    {
        if (value is not null)
        {
            target[name] = JsonValue.Create(value);
        }
    }

    internal static void Password(HttpRequestMessage request, string? password)
    {
        if (password is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Locktera-Password", password);
        }
    }
}

/// <summary>An upload session to carry on: the status URL an earlier <see cref="ContainersClient.EncodeAsync"/> reported through <see cref="SessionStarted"/>.</summary>
public sealed class UploadResume
{
    /// <summary>The session to carry on; null starts a new one.</summary>
    public Uri? SessionUrl { get; set; }

    /// <summary>Called with the session's status URL as soon as the session exists, to be kept for a resume.</summary>
    public Action<Uri>? SessionStarted { get; set; }
}

/// <summary>Counts bytes done and reports them, from any number of threads.</summary>
internal sealed class TransferCounter(long total, IProgress<TransferProgress>? progress)
{
    private long _done;

    public void Add(long bytes)
    {
        var done = Interlocked.Add(ref _done, bytes);
        progress?.Report(new TransferProgress(done, total));
    }
}

/// <summary>A read-only stream that counts what is read from it.</summary>
internal sealed class CountingStream(Stream inner, TransferCounter counter) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Counted(int read)
    {
        counter.Add(read);
        return read;
    }
}

/// <summary>Reads <c>Retry-After</c> (seconds or a date) of an answer, or a default.</summary>
internal static class RetryAfter
{
    public static TimeSpan Of(HttpResponseMessage response, TimeSpan fallback) =>
        response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : fallback);
}

/// <summary>Parses the <c>bytes a-b/total</c> of a 206 or the <c>bytes */total</c> of a 416.</summary>
internal static class ContentRanges
{
    public static long? TotalOf(HttpResponseMessage response) =>
        response.Content.Headers.ContentRange?.Length
        ?? (response.StatusCode == HttpStatusCode.OK ? response.Content.Headers.ContentLength : null);
}
