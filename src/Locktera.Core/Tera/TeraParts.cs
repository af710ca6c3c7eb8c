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

    /// <summary>The bytes of a segment, and so how a part's plaintext is laid out in its stored bytes (<see cref="PlainPosition"/>).</summary>
    public int SegmentSize => _header.SegmentSize;

    /// <summary>
    /// Where byte <paramref name="plainOffset"/> of part <paramref name="number"/>'s plaintext lies in the
    /// part's stored bytes: a segment's plaintext is sealed where its ciphertext goes, so a part needs
    /// one buffer, not two.
    /// </summary>
    public int PlainPosition(int number, int plainOffset) =>
        (number == 1 ? (int)DataOffset : 0) + (plainOffset / SegmentSize * (SegmentSize + Aead.TagSize)) + (plainOffset % SegmentSize);

    /// <summary>
    /// Seals part <paramref name="number"/> in <paramref name="stored"/> (<see cref="StoredLength"/>
    /// bytes), which holds its plaintext at the <see cref="PlainPosition"/>s: each segment is encrypted
    /// where it lies, its tag written after it, and the header and index (part 1) and the trailer (the
    /// last part) put in their places. The same plaintext always seals to the same bytes: a part
    /// sent again is stored again as it was.
    /// </summary>
    public void SealInPlace(byte[] segmentKey, int number, Span<byte> stored)
    {
        var (offset, length) = PlainRange(number);
        if (stored.Length != StoredLength(number))
        {
            throw new ArgumentException("The part's stored bytes are not the part's stored length.", nameof(stored));
        }
        var lastSegment = TeraSegments.StreamCount(StreamSize, SegmentSize) - 1;
        if (number == 1)
        {
            _header.Bytes.CopyTo(stored);
            _sealedIndex.CopyTo(stored[_header.Bytes.Length..]);
        }
        for (var done = 0; done < length; done += SegmentSize)
        {
            var segment = (offset + done) / SegmentSize;
            var chunk = Math.Min(SegmentSize, length - done);
            var at = PlainPosition(number, done);
            var place = stored.Slice(at, chunk + Aead.TagSize);
            TeraSegments.Seal(_header, segmentKey, TeraSegments.Stream, segment, segment == lastSegment, place[..chunk], place);
        }
        if (number == Count)
        {
            Trailer().CopyTo(stored[^TeraTrailer.Size..]);
        }
    }

    /// <summary>The whole container when its stream is empty (no part): header, sealed index, trailer.</summary>
    public byte[] Empty() => Count == 0
        ? [.. _header.Bytes, .. _sealedIndex, .. Trailer()]
        : throw new InvalidOperationException("The container has parts.");

    private byte[] Trailer() => new TeraTrailer(_header.Bytes.Length, _sealedIndex.Length, _header.Bytes.Length, TeraHeader.StreamVersion).Encode();
}
