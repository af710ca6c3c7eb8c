using System.Buffers;

namespace Locktera.Core.Tera;

/// <summary>
/// Decrypts a byte range of one file, reading only the segments the range touches, from a stream
/// holding exactly <see cref="StoredRange"/>. Each segment is authenticated before any of its bytes
/// is written. <see cref="StartAsync"/> already reads and authenticates the first segment, so a
/// caller learns that stored bytes are damaged or not the container's before it answers at all.
/// </summary>
public sealed class TeraReader : IAsyncDisposable
{
    private readonly TeraHeader _header;
    private readonly TeraKeys _keys;
    private readonly int _fileIndex;
    private readonly TeraFile _file;
    private readonly Stream _stored;
    private readonly long _from;
    private readonly long _to;
    private readonly long _lastSegment;
    private readonly byte[] _sealed;
    private readonly byte[] _plaintext;
    private long _next;
    private int _start;
    private int _end;

    private TeraReader(TeraHeader header, TeraKeys keys, int fileIndex, TeraFile file, Stream stored, long from, long to)
    {
        _header = header;
        _keys = keys;
        _fileIndex = fileIndex;
        _file = file;
        _stored = stored;
        _from = from;
        _to = to;
        _next = from / header.SegmentSize;
        _lastSegment = Math.Min(TeraSegments.Count(file.Size, header.SegmentSize) - 1, Math.Max(from, to) / header.SegmentSize);
        _sealed = ArrayPool<byte>.Shared.Rent(header.SegmentSize + Aead.TagSize);
        _plaintext = ArrayPool<byte>.Shared.Rent(header.SegmentSize);
    }

    /// <summary>Where in the container the segments holding bytes <paramref name="from"/>..<paramref name="to"/> (inclusive) lie.</summary>
    public static (long Offset, long Length) StoredRange(TeraHeader header, TeraFile file, long from, long to)
    {
        var (offset, length) = TeraSegments.Span(file.Size, header.SegmentSize, from / header.SegmentSize, Math.Max(from, to) / header.SegmentSize);
        return (file.Offset + offset, length);
    }

    /// <summary>
    /// Starts reading bytes <paramref name="from"/>..<paramref name="to"/> (inclusive) of file
    /// <paramref name="fileIndex"/>: the first segment is read and authenticated now. The reader owns
    /// <paramref name="stored"/> from here on.
    /// </summary>
    public static async Task<TeraReader> StartAsync(TeraHeader header, TeraKeys keys, int fileIndex, TeraFile file, Stream stored, long from, long to, CancellationToken cancellationToken)
    {
        var reader = new TeraReader(header, keys, fileIndex, file, stored, from, to);
        try
        {
            await reader.ReadSegmentAsync(cancellationToken);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads a whole range into <paramref name="output"/>: <see cref="StartAsync"/> and <see cref="CopyToAsync"/> in one.</summary>
    public static async Task CopyRangeAsync(TeraHeader header, TeraKeys keys, int fileIndex, TeraFile file, Stream stored, long from, long to, Stream output, CancellationToken cancellationToken)
    {
        await using var reader = await StartAsync(header, keys, fileIndex, file, stored, from, to, cancellationToken);
        await reader.CopyToAsync(output, cancellationToken);
    }

    /// <summary>Writes the range to <paramref name="output"/>, segment by segment, each authenticated first.</summary>
    public async Task CopyToAsync(Stream output, CancellationToken cancellationToken)
    {
        await output.WriteAsync(_plaintext.AsMemory(_start, _end - _start), cancellationToken);
        while (_next <= _lastSegment)
        {
            await ReadSegmentAsync(cancellationToken);
            await output.WriteAsync(_plaintext.AsMemory(_start, _end - _start), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stored.DisposeAsync();
        CryptographicOperations.ZeroMemory(_plaintext.AsSpan(0, _header.SegmentSize));
        ArrayPool<byte>.Shared.Return(_sealed);
        ArrayPool<byte>.Shared.Return(_plaintext);
    }

    private async Task ReadSegmentAsync(CancellationToken cancellationToken)
    {
        var size = _header.SegmentSize;
        var segment = _next++;
        var plainLength = (int)Math.Min(size, _file.Size - (segment * size));
        var sealedLength = plainLength + Aead.TagSize;
        var read = await _stored.ReadAtLeastAsync(_sealed.AsMemory(0, sealedLength), sealedLength, throwOnEndOfStream: false, cancellationToken);
        if (read != sealedLength)
        {
            throw new TeraIntegrityException("The stored container is truncated.");
        }
        TeraSegments.Open(_header, _keys, _fileIndex, segment, segment == TeraSegments.Count(_file.Size, size) - 1, _sealed.AsSpan(0, sealedLength), _plaintext);
        _start = segment == _from / size ? (int)(_from % size) : 0;
        _end = segment == _to / size ? (int)(_to % size) + 1 : plainLength;
    }
}
