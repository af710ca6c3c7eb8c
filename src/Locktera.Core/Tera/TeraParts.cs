namespace Locktera.Core.Tera;

/// <summary>
/// A version-2 container written as numbered parts (an upload session), each sealed and stored on
/// its own, in any order. The parts cut the stream of all files' bytes (files end to end, in index
/// order) into pieces of <see cref="PartSize"/> bytes, the last one shorter; since the part size is
/// a whole number of segments, every segment lies in one part. Stored, part 1 also carries the
/// header and the sealed index before its segments, and the last part the trailer after them, so
/// that every part but the last is at least as long as its plaintext (what S3 asks of parts) and the
/// parts, end to end in number order, are the container. A container of empty files has no parts:
/// then <see cref="Empty"/> is the whole object.
/// </summary>
public sealed class TeraParts
{
    private readonly TeraHeader _header;
    private readonly byte[] _sealedIndex;

    public TeraParts(TeraHeader header, byte[] sealedIndex, long streamSize, int partSize)
    {
        if (header.FormatVersion != TeraHeader.StreamVersion)
        {
            throw new ArgumentException("Parts are a version-2 layout.", nameof(header));
        }
        if (partSize < header.SegmentSize || partSize % header.SegmentSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(partSize), "A part is a whole number of segments.");
        }
        _header = header;
        _sealedIndex = sealedIndex;
        StreamSize = streamSize;
        PartSize = partSize;
        Count = checked((int)((streamSize + partSize - 1) / partSize));
    }

    /// <summary>Plaintext bytes of every part but the last.</summary>
    public int PartSize { get; }

    /// <summary>The files' bytes end to end.</summary>
    public long StreamSize { get; }

    /// <summary>How many parts the stream is cut into (none for an empty stream).</summary>
    public int Count { get; }

    /// <summary>Where the stream's segments start: after the header and the sealed index.</summary>
    public long DataOffset => _header.Bytes.Length + _sealedIndex.Length;

    /// <summary>The length of the whole stored container.</summary>
    public long ObjectSize => DataOffset + TeraSegments.StreamStoredLength(StreamSize, _header.SegmentSize) + TeraTrailer.Size;

    /// <summary>Which bytes of the stream part <paramref name="number"/> (1-based) holds.</summary>
    public (long Offset, int Length) PlainRange(int number)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, Count);
        var offset = (long)(number - 1) * PartSize;
        return (offset, (int)Math.Min(PartSize, StreamSize - offset));
    }

    /// <summary>The stored length of part <paramref name="number"/>: its segments, and the header and index before part 1, the trailer after the last.</summary>
    public int StoredLength(int number)
    {
        var (_, length) = PlainRange(number);
        var stored = length + ((length + _header.SegmentSize - 1) / _header.SegmentSize * Aead.TagSize);
        return stored + (number == 1 ? (int)DataOffset : 0) + (number == Count ? TeraTrailer.Size : 0);
    }

    /// <summary>
    /// Seals part <paramref name="number"/> from its <paramref name="plaintext"/> (exactly its
    /// <see cref="PlainRange"/>) into <paramref name="output"/> (<see cref="StoredLength"/> bytes) with
    /// the container's segment key. The same plaintext always seals to the same bytes: a part sent
    /// again is stored again as it was.
    /// </summary>
    public void Seal(byte[] segmentKey, int number, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        var (offset, length) = PlainRange(number);
        if (plaintext.Length != length || output.Length != StoredLength(number))
        {
            throw new ArgumentException("The part's plaintext or output is not the part's length.");
        }
        var size = _header.SegmentSize;
        var lastSegment = TeraSegments.StreamCount(StreamSize, size) - 1;
        var at = 0;
        if (number == 1)
        {
            _header.Bytes.CopyTo(output);
            _sealedIndex.CopyTo(output[_header.Bytes.Length..]);
            at = (int)DataOffset;
        }
        for (var done = 0; done < length; done += size)
        {
            var segment = (offset + done) / size;
            var chunk = Math.Min(size, length - done);
            TeraSegments.Seal(_header, segmentKey, TeraSegments.Stream, segment, segment == lastSegment, plaintext.Slice(done, chunk), output.Slice(at, chunk + Aead.TagSize));
            at += chunk + Aead.TagSize;
        }
        if (number == Count)
        {
            Trailer().CopyTo(output[at..]);
        }
    }

    /// <summary>The whole container when its stream is empty (no part): header, sealed index, trailer.</summary>
    public byte[] Empty() => Count == 0
        ? [.. _header.Bytes, .. _sealedIndex, .. Trailer()]
        : throw new InvalidOperationException("The container has parts.");

    private byte[] Trailer() => new TeraTrailer(_header.Bytes.Length, _sealedIndex.Length, _header.Bytes.Length, TeraHeader.StreamVersion).Encode();
}
