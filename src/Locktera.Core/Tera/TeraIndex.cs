using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Locktera.Core.Tera;

/// <summary>What the manifest says about one file, beyond its name and bytes.</summary>
public sealed record TeraFileDetails(int? Pages = null, double? Duration = null, bool Hidden = false, string? ViewInstead = null, string? DownloadInstead = null);

/// <summary>
/// One file of a container as the index describes it. <see cref="Offset"/> is where its bytes start:
/// in version 1 the stored offset of its first segment, in version 2 its place in the stream of all
/// files. <see cref="Sha256"/> (of its plaintext) is known only where the file was written in order
/// (version 1); an upload session's parts arrive in any order, so there it is null.
/// </summary>
public sealed record TeraFile(
    string Name,
    string Type,
    long Size,
    long Offset,
    string? Sha256,
    int? Pages,
    double? Duration,
    bool Hidden,
    string? ViewInstead,
    string? DownloadInstead);

/// <summary>The encrypted index: the container's name and its files with their sizes and offsets.</summary>
public sealed record TeraIndex(string Name, DateTimeOffset CreatedAt, IReadOnlyList<TeraFile> Files)
{
    /// <summary>The bytes of all files end to end: in version 2 the stream the segments cut.</summary>
    [JsonIgnore]
    public long StreamSize => Files.Sum(f => f.Size);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The index of a version-2 container: these files in this order, each at its place in the stream.</summary>
    public static TeraIndex ForStream(string name, DateTimeOffset createdAt, IEnumerable<(string Name, string Type, long Size, TeraFileDetails Details)> files)
    {
        long offset = 0;
        var entries = new List<TeraFile>();
        foreach (var (fileName, type, size, details) in files)
        {
            entries.Add(new TeraFile(fileName, type, size, offset, null, details.Pages, details.Duration, details.Hidden, details.ViewInstead, details.DownloadInstead));
            offset += size;
        }
        return new TeraIndex(name, createdAt, entries);
    }

    public byte[] Seal(TeraHeader header, TeraKeys keys, long indexOffset) =>
        Aead.Seal(keys.IndexKey, JsonSerializer.SerializeToUtf8Bytes(this, Json), AssociatedData(header, indexOffset));

    public static TeraIndex Open(TeraHeader header, TeraKeys keys, ReadOnlySpan<byte> sealedIndex, long indexOffset)
    {
        var plaintext = Aead.Open(keys.IndexKey, sealedIndex, AssociatedData(header, indexOffset), "index");
        // Authenticated, so written by us: a parse failure would be a bug, but still not plaintext to serve.
        return JsonSerializer.Deserialize<TeraIndex>(plaintext, Json) ?? throw new TeraIntegrityException("The index is empty.");
    }

    private static byte[] AssociatedData(TeraHeader header, long indexOffset)
    {
        var offset = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(offset, indexOffset);
        return [.. header.Hash, .. offset];
    }
}

/// <summary>The fixed-size end of a container: where its index and header end, and the container's format version.</summary>
public sealed record TeraTrailer(long IndexOffset, int IndexLength, int HeaderLength, byte Version = TeraHeader.Version)
{
    public const int Size = 24;
    private static readonly byte[] Magic = "LTEND"u8.ToArray();

    public byte[] Encode()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteInt64BigEndian(bytes, IndexOffset);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), IndexLength);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), HeaderLength);
        Magic.CopyTo(bytes, 16);
        bytes[21] = Version;
        return bytes;
    }

    public static TeraTrailer Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size || !bytes.Slice(16, 5).SequenceEqual(Magic) || bytes[21] is not (TeraHeader.Version or TeraHeader.StreamVersion) || bytes[22] != 0 || bytes[23] != 0)
        {
            throw new TeraIntegrityException("The container trailer is malformed.");
        }
        var trailer = new TeraTrailer(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt32BigEndian(bytes[8..]), BinaryPrimitives.ReadInt32BigEndian(bytes[12..]), bytes[21]);
        return trailer.IndexOffset < trailer.HeaderLength || trailer.IndexLength < 16 || trailer.HeaderLength <= 0
            ? throw new TeraIntegrityException("The container trailer is malformed.")
            : trailer;
    }

    /// <summary>
    /// For a whole stored object: the trailer must describe exactly this header, its version, and this
    /// length (version 1: the index ends where the trailer starts; version 2: it starts where the header ends).
    /// </summary>
    public void Verify(TeraHeader header, TeraIndex index, long objectLength)
    {
        var expectedLength = Version == TeraHeader.StreamVersion
            ? IndexOffset + IndexLength + TeraSegments.StreamStoredLength(index.StreamSize, header.SegmentSize) + Size
            : IndexOffset + IndexLength + Size;
        if (header.Bytes.Length != HeaderLength || header.FormatVersion != Version || objectLength != expectedLength
            || (Version == TeraHeader.StreamVersion && IndexOffset != HeaderLength))
        {
            throw new TeraIntegrityException("The container trailer does not match its contents.");
        }
    }
}
