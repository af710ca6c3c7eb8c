using System.Buffers;
using Locktera.Core.Content;

namespace Locktera.Core.Tera;

/// <summary>
/// A container as written: its index, the figures the container record keeps, and the SHA-256 of
/// its header and of its sealed index (what the container's seal is computed over).
/// </summary>
public sealed record TeraWritten(TeraIndex Index, long Size, int HeaderLength, long IndexOffset, int IndexLength, string Md5, string Sha256, byte[] HeaderHash, byte[] IndexHash);

/// <summary>
/// Writes a container to an upload as its files arrive: each file is read one segment ahead (to
/// know which segment is last), sealed into a chunk of output, and passed on, so memory stays
/// bounded whatever the file size: two segments of plaintext and <see cref="ChunksInFlight"/>
/// chunks of output. The container's MD5 and SHA-256 (of every byte written) are computed on other
/// threads while the writer seals the next chunk (<see cref="ObjectDigests"/>); the output is the
/// same as if they were computed inline. The caller commits the upload after <see cref="CompleteAsync"/>.
/// </summary>
public sealed class TeraWriter
{
    /// <summary>The output passed on at once (at least one sealed segment).</summary>
    private const int ChunkSize = 256 * 1024;

    /// <summary>Chunks being hashed at most; the writer waits for the oldest before it fills another.</summary>
    private const int ChunksInFlight = 4;

    private readonly IContentUpload _upload;
    private readonly TeraHeader _header;
    private readonly TeraKeys _keys;
    private readonly ObjectDigests _digests = new();
    private readonly Queue<(byte[] Chunk, Task Hashed)> _hashing = new();
    private readonly List<TeraFile> _files = [];
    private byte[] _chunk;
    private int _filled;
    private long _position;

    private TeraWriter(IContentUpload upload, TeraHeader header, TeraKeys keys)
    {
        _upload = upload;
        _header = header;
        _keys = keys;
        _chunk = NewChunk();
    }

    /// <summary>Plaintext bytes of all files so far.</summary>
    public long ContentBytes => _files.Sum(f => f.Size);

    public static async Task<TeraWriter> StartAsync(IContentUpload upload, TeraHeader header, TeraKeys keys, CancellationToken cancellationToken)
    {
        var writer = new TeraWriter(upload, header, keys);
        await writer.WriteAsync(header.Bytes, cancellationToken);
        return writer;
    }

    /// <summary>Encrypts one file from <paramref name="content"/>; more than <paramref name="maxBytes"/> bytes is refused with 413.</summary>
    public async Task<TeraFile> AddFileAsync(string name, string type, TeraFileDetails details, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var fileIndex = _files.Count;
        var offset = _position;
        var size = _header.SegmentSize;
        var pool = ArrayPool<byte>.Shared;
        var current = pool.Rent(size);
        var next = pool.Rent(size);
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            long total = 0;
            var currentLength = await content.ReadAtLeastAsync(current.AsMemory(0, size), size, throwOnEndOfStream: false, cancellationToken);
            for (long segment = 0; ; segment++)
            {
                // A full segment may be followed by more: look one segment ahead to know which is last.
                var nextLength = currentLength == size
                    ? await content.ReadAtLeastAsync(next.AsMemory(0, size), size, throwOnEndOfStream: false, cancellationToken)
                    : 0;
                var last = nextLength == 0;
                total += currentLength;
                if (total > maxBytes)
                {
                    throw new LockteraException(ErrorCode.ContainerTooLarge, $"The files exceed the limit of {maxBytes} bytes for one request: send larger containers in an upload session.");
                }
                fileHash.AppendData(current, 0, currentLength);
                var output = await ReserveAsync(currentLength + Aead.TagSize, cancellationToken);
                TeraSegments.Seal(_header, _keys.SegmentKey, fileIndex, segment, last, current.AsSpan(0, currentLength), output.Span);
                if (last)
                {
                    break;
                }
                (current, next) = (next, current);
                currentLength = nextLength;
            }
            var file = new TeraFile(name, type, total, offset, Convert.ToHexStringLower(fileHash.GetHashAndReset()),
                details.Pages, details.Duration, details.Hidden, details.ViewInstead, details.DownloadInstead);
            _files.Add(file);
            return file;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(current.AsSpan(0, size));
            CryptographicOperations.ZeroMemory(next.AsSpan(0, size));
            pool.Return(current);
            pool.Return(next);
        }
    }

    /// <summary>Writes the index and trailer; returns what the container record keeps.</summary>
    public async Task<TeraWritten> CompleteAsync(string name, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var index = new TeraIndex(name, createdAt, [.. _files]);
        var indexOffset = _position;
        var sealedIndex = index.Seal(_header, _keys, indexOffset);
        await WriteAsync(sealedIndex, cancellationToken);
        await WriteAsync(new TeraTrailer(indexOffset, sealedIndex.Length, _header.Bytes.Length).Encode(), cancellationToken);
        await FlushAsync(cancellationToken);
        var (md5, sha256) = await _digests.CompleteAsync();
        return new TeraWritten(index, _position, _header.Bytes.Length, indexOffset, sealedIndex.Length,
            Convert.ToHexStringLower(md5), Convert.ToHexStringLower(sha256), _header.Hash, SHA256.HashData(sealedIndex));
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            // What fits in this chunk, or, when it is full, in the next.
            var count = Math.Min(data.Length, _filled == _chunk.Length ? _chunk.Length : _chunk.Length - _filled);
            data[..count].CopyTo(await ReserveAsync(count, cancellationToken));
            data = data[count..];
        }
    }

    /// <summary>The next <paramref name="length"/> bytes of output (at most a chunk), to be filled at once; the chunk is passed on first if they do not fit.</summary>
    private async ValueTask<Memory<byte>> ReserveAsync(int length, CancellationToken cancellationToken)
    {
        if (_filled + length > _chunk.Length)
        {
            await FlushAsync(cancellationToken);
        }
        var reserved = _chunk.AsMemory(_filled, length);
        _filled += length;
        _position += length;
        return reserved;
    }

    /// <summary>Hands the filled chunk to the digests and the upload, and takes another: the oldest once it is hashed, when enough are in flight.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_filled == 0)
        {
            return;
        }
        var filled = _chunk.AsMemory(0, _filled);
        _hashing.Enqueue((_chunk, _digests.AppendAsync(filled)));
        await _upload.WriteAsync(filled, cancellationToken);
        if (_hashing.Count >= ChunksInFlight)
        {
            var (chunk, hashed) = _hashing.Dequeue();
            await hashed;
            _chunk = chunk;
        }
        else
        {
            _chunk = NewChunk();
        }
        _filled = 0;
    }

    private byte[] NewChunk() => new byte[Math.Max(ChunkSize, _header.SegmentSize + Aead.TagSize)];
}

/// <summary>
/// The MD5 and SHA-256 of a sequence of chunks, each hash on a thread-pool thread of its own (the
/// two run at once, and beside whoever appends), each taking the chunks in the order appended.
/// </summary>
internal sealed class ObjectDigests
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Task _md5Done = Task.CompletedTask;
    private Task _sha256Done = Task.CompletedTask;

    /// <summary>Hashes <paramref name="chunk"/> after what came before; the task ends when both hashes have it, and the chunk may be reused.</summary>
    public Task AppendAsync(ReadOnlyMemory<byte> chunk)
    {
        _md5Done = After(_md5Done, _md5, chunk);
        _sha256Done = After(_sha256Done, _sha256, chunk);
        return Task.WhenAll(_md5Done, _sha256Done);
    }

    public async Task<(byte[] Md5, byte[] Sha256)> CompleteAsync()
    {
        await Task.WhenAll(_md5Done, _sha256Done);
        return (_md5.GetHashAndReset(), _sha256.GetHashAndReset());
    }

    private static Task After(Task previous, IncrementalHash hash, ReadOnlyMemory<byte> chunk) =>
        previous.ContinueWith(done =>
        {
            done.GetAwaiter().GetResult();
            hash.AppendData(chunk.Span);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
}
