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
/// know which segment is last), sealed, and passed on, so memory stays at two segments whatever
/// the file size. The caller commits the upload after <see cref="CompleteAsync"/>.
/// </summary>
public sealed class TeraWriter
{
    private readonly IContentUpload _upload;
    private readonly TeraHeader _header;
    private readonly TeraKeys _keys;
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<TeraFile> _files = [];
    private long _position;

    private TeraWriter(IContentUpload upload, TeraHeader header, TeraKeys keys)
    {
        _upload = upload;
        _header = header;
        _keys = keys;
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
        var sealedSegment = pool.Rent(size + Aead.TagSize);
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
                TeraSegments.Seal(_header, _keys.SegmentKey, fileIndex, segment, last, current.AsSpan(0, currentLength), sealedSegment);
                await WriteAsync(sealedSegment.AsMemory(0, currentLength + Aead.TagSize), cancellationToken);
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
            pool.Return(sealedSegment);
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
        return new TeraWritten(index, _position, _header.Bytes.Length, indexOffset, sealedIndex.Length,
            Convert.ToHexStringLower(_md5.GetHashAndReset()), Convert.ToHexStringLower(_sha256.GetHashAndReset()), _header.Hash, SHA256.HashData(sealedIndex));
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _md5.AppendData(data.Span);
        _sha256.AppendData(data.Span);
        _position += data.Length;
        await _upload.WriteAsync(data, cancellationToken);
    }
}
