using System.Text.Json.Nodes;

namespace Locktera.Client;

/// <summary>A container record.</summary>
public sealed record Container(
    Guid Id,
    Guid OrgId,
    string Name,
    long Size,
    string Status,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    IReadOnlyList<string> Tags,
    bool Dynamic,
    bool Downloadable,
    bool PasswordProtected,
    JsonObject? DrmRules,
    string? Digest = null,
    string? Sha256 = null,
    string? PartsSha256 = null);

/// <summary>A file of a container, as its index describes it.</summary>
public sealed record ContainerFile(string Type, long Size, string? Sha256, int? Pages, double? Duration, bool Hidden, string? ViewInstead, string? DownloadInstead);

/// <summary>What an encode (or an upload session's commit) answers: the container and its files.</summary>
public sealed record EncodedContainer(Guid OrgId, Container Container, IReadOnlyDictionary<string, ContainerFile> Files);

/// <summary>A decoded container's manifest.</summary>
public sealed record DecodedManifest(DecodedContainer Container, IReadOnlyDictionary<string, ContainerFile> Files);

public sealed record DecodedContainer(string Name, Guid Id, DateTimeOffset CreatedAt);

/// <summary>Which containers a listing returns.</summary>
public sealed record ContainerFilter(string? Status = null, string? Tag = null, string? Name = null, DateTimeOffset? Start = null, DateTimeOffset? End = null);

/// <summary>
/// A container to encode: its name, password, DRM rules (<c>recipients</c>, <c>ip</c>, <c>geo</c>,
/// <c>time</c>, <c>opens</c>: the manifest's <c>drm</c> object), downloadable, tags.
/// </summary>
public sealed record EncodeOptions(
    string? Name = null,
    string? Password = null,
    IReadOnlyList<string>? Recipients = null,
    bool? Downloadable = null,
    IReadOnlyList<string>? Tags = null,
    JsonObject? Drm = null);

/// <summary>A file to encode: its name in the container, where its bytes come from, its media type (from its name when not given).</summary>
public sealed record EncodeFile(string Name, Func<Stream> Open, long Length, string? Type = null)
{
    /// <summary>A file on disk, named as it is.</summary>
    public static EncodeFile FromPath(string path, string? name = null, string? type = null) =>
        new(name ?? Path.GetFileName(path), () => File.OpenRead(path), new FileInfo(path).Length, type);

    /// <summary>Bytes in memory.</summary>
    public static EncodeFile FromBytes(string name, byte[] bytes, string? type = null) => new(name, () => new MemoryStream(bytes, writable: false), bytes.Length, type);
}

/// <summary>How far a transfer is: bytes done of the total.</summary>
public readonly record struct TransferProgress(long Bytes, long TotalBytes);
