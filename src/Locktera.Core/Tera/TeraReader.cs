using System.Buffers;
using System.Security.Cryptography;

namespace Locktera.Core.Tera;

/// <summary>Decrypts byte ranges of a file, reading only the segments the range touches.</summary>
public static class TeraReader
{
    /// <summary>Where in the container the segments holding bytes <paramref name="from"/>..<paramref name="to"/> (inclusive) lie.</summary>
    public static (long Offset, long Length) StoredRange(TeraHeader header, TeraFile file, long from, long to)
    {
        var (offset, length) = TeraSegments.Span(file.Size, header.SegmentSize, from / header.SegmentSize, Math.Max(from, to) / header.SegmentSize);
        return (file.Offset + offset, length);
    }

    /// <summary>
    /// Copies bytes <paramref name="from"/>..<paramref name="to"/> (inclusive) of file <paramref name="fileIndex"/>
    /// to <paramref name="output"/>, from <paramref name="stored"/> holding exactly <see cref="StoredRange"/>.
    /// Each segment is authenticated before any of its bytes are written.
    /// </summary>
    public static async Task CopyRangeAsync(TeraHeader header, TeraKeys keys, int fileIndex, TeraFile file, Stream stored, long from, long to, Stream output, CancellationToken cancellationToken)
    {
        var size = header.SegmentSize;
        var lastSegment = TeraSegments.Count(file.Size, size) - 1;
        var pool = ArrayPool<byte>.Shared;
        var sealedSegment = pool.Rent(size + Aead.TagSize);
        var plaintext = pool.Rent(size);
        try
        {
            for (var segment = from / size; segment <= Math.Max(from, to) / size && segment <= lastSegment; segment++)
            {
                var plainLength = (int)Math.Min(size, file.Size - (segment * size));
                var sealedLength = plainLength + Aead.TagSize;
                var read = await stored.ReadAtLeastAsync(sealedSegment.AsMemory(0, sealedLength), sealedLength, throwOnEndOfStream: false, cancellationToken);
                if (read != sealedLength)
                {
                    throw new TeraIntegrityException("The stored container is truncated.");
                }
                TeraSegments.Open(header, keys, fileIndex, segment, segment == lastSegment, sealedSegment.AsSpan(0, sealedLength), plaintext);
                var start = segment == from / size ? (int)(from % size) : 0;
                var end = segment == to / size ? (int)(to % size) + 1 : plainLength;
                await output.WriteAsync(plaintext.AsMemory(start, end - start), cancellationToken);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext.AsSpan(0, size));
            pool.Return(sealedSegment);
            pool.Return(plaintext);
        }
    }
}
