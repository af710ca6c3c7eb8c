using System.Buffers.Binary;

namespace Locktera.Core.Tera;

/// <summary>The segment arithmetic and sealing of docs/tera-format.md, shared by writer and reader.</summary>
public static class TeraSegments
{
    /// <summary>How many segments a file of <paramref name="size"/> bytes has: at least one, so emptiness is authenticated.</summary>
    public static long Count(long size, int segmentSize) => Math.Max(1, (size + segmentSize - 1) / segmentSize);

    /// <summary>The stored (encrypted) length of a whole file.</summary>
    public static long StoredLength(long size, int segmentSize) => size + Count(size, segmentSize) * Aead.TagSize;

    /// <summary>
    /// The index segments of a version-2 container are sealed under in place of a file's: all files
    /// are one stream there (the header's version, in every segment's associated data through the
    /// header's hash, keeps the two numberings apart).
    /// </summary>
    public const int Stream = -1;

    /// <summary>How many segments a version-2 stream of <paramref name="size"/> bytes has: none when it is empty (the index says so).</summary>
    public static long StreamCount(long size, int segmentSize) => (size + segmentSize - 1) / segmentSize;

    /// <summary>The stored length of a version-2 stream.</summary>
    public static long StreamStoredLength(long size, int segmentSize) => size + StreamCount(size, segmentSize) * Aead.TagSize;

    /// <summary>Offset from the file's start, and stored length, of segments first..last.</summary>
    public static (long Offset, long Length) Span(long size, int segmentSize, long first, long last)
    {
        var offset = first * (segmentSize + Aead.TagSize);
        var end = Math.Min(StoredLength(size, segmentSize), (last + 1) * (segmentSize + Aead.TagSize));
        return (offset, end - offset);
    }

    internal static void Seal(TeraHeader header, byte[] segmentKey, int fileIndex, long segment, bool last, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        Span<byte> nonce = stackalloc byte[Aead.NonceSize];
        Span<byte> aad = stackalloc byte[32 + 13];
        Bind(header, fileIndex, segment, last, nonce, aad);
        Aead.Seal(segmentKey, nonce, plaintext, output, aad);
    }

    internal static void Open(TeraHeader header, byte[] segmentKey, int fileIndex, long segment, bool last, ReadOnlySpan<byte> sealedSegment, Span<byte> output)
    {
        Span<byte> nonce = stackalloc byte[Aead.NonceSize];
        Span<byte> aad = stackalloc byte[32 + 13];
        Bind(header, fileIndex, segment, last, nonce, aad);
        Aead.Open(segmentKey, nonce, sealedSegment, output, aad, "file segment");
    }

    private static void Bind(TeraHeader header, int fileIndex, long segment, bool last, Span<byte> nonce, Span<byte> aad)
    {
        BinaryPrimitives.WriteInt32BigEndian(nonce, fileIndex);
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], segment);
        header.Hash.CopyTo(aad);
        nonce.CopyTo(aad[32..]);
        aad[44] = last ? (byte)1 : (byte)0;
    }
}
