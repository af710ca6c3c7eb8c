namespace Locktera.Core.Tera;

/// <summary>
/// The run of segments a file's bytes are read from: in version 1 the file's own segments, stored
/// from its offset; in version 2 the one stream of all files, stored after the index, where the
/// file is a stretch of the stream (docs/tera-format.md). Positions below are the run's own.
/// </summary>
public readonly record struct TeraRun(int Index, long Size, long StoredStart, int SegmentSize, bool IsStream)
{
    /// <summary>The run file <paramref name="fileIndex"/> of <paramref name="index"/> is read from; <paramref name="dataOffset"/> is where a version-2 stream starts.</summary>
    public static TeraRun Of(TeraHeader header, TeraIndex index, long dataOffset, int fileIndex) =>
        header.FormatVersion == TeraHeader.StreamVersion
            ? new(TeraSegments.Stream, index.StreamSize, dataOffset, header.SegmentSize, IsStream: true)
            : new(fileIndex, index.Files[fileIndex].Size, index.Files[fileIndex].Offset, header.SegmentSize, IsStream: false);

    /// <summary>How many segments the run has: a file has at least one (so its emptiness is authenticated); an empty stream none.</summary>
    public long SegmentCount => IsStream ? TeraSegments.StreamCount(Size, SegmentSize) : TeraSegments.Count(Size, SegmentSize);

    /// <summary>Where bytes <paramref name="from"/>..<paramref name="to"/> (inclusive) of <paramref name="file"/> lie in the run.</summary>
    public (long From, long To) Of(TeraFile file, long from, long to) => IsStream ? (file.Offset + from, file.Offset + to) : (from, to);

    /// <summary>Whether reading <paramref name="from"/>..<paramref name="to"/> needs no segment at all (an empty file of a stream).</summary>
    public bool ReadsNothing(long from, long to) => IsStream && to < from;

    /// <summary>The stored bytes holding run positions <paramref name="from"/>..<paramref name="to"/>: whole segments, one ranged read.</summary>
    public (long Offset, long Length) StoredRange(long from, long to)
    {
        if (ReadsNothing(from, to))
        {
            return (StoredStart, 0);
        }
        var stored = SegmentSize + Aead.TagSize;
        var first = from / SegmentSize;
        var last = Math.Min(SegmentCount - 1, Math.Max(from, to) / SegmentSize);
        var end = Math.Min(Size + (SegmentCount * Aead.TagSize), (last + 1) * stored);
        return (StoredStart + (first * stored), end - (first * stored));
    }
}
