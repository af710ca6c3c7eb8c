namespace Locktera.Core.Containers;

public enum ContainerStatus
{
    /// <summary>Being encoded: not listed, not decodable; removed if the encode fails.</summary>
    Pending,
    Active,
    Blocked,
    Expired,
}

/// <summary>What the service keeps about a container beside its stored bytes.</summary>
public sealed record ContainerRecord
{
    public required Guid Id { get; init; }

    public required Guid OrgId { get; init; }

    public required string Name { get; init; }

    public required ContainerStatus Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The key id of the caller that encoded it.</summary>
    public required string CreatedBy { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool Dynamic { get; init; }

    public bool Downloadable { get; init; }

    public bool PasswordProtected { get; init; }

    /// <summary>Where the bytes are: the storage id (see IContentStores) and the object key.</summary>
    public required string StorageId { get; init; }

    public required string ObjectKey { get; init; }

    public long Size { get; init; }

    public string? Md5 { get; init; }

    public string? Sha256 { get; init; }

    /// <summary>
    /// For a container written in parts (an upload session), which has no whole-object MD5 or SHA-256:
    /// the SHA-256 of its parts' SHA-256s (each of a part's plaintext, verified as it arrived), in part order.
    /// </summary>
    public string? PartsSha256 { get; init; }

    public int HeaderLength { get; init; }

    public long IndexOffset { get; init; }

    public int IndexLength { get; init; }

    /// <summary>What binds the stored bytes to this record (<see cref="ContainerSeal"/>); set when the encode completes.</summary>
    public string? Seal { get; init; }

    /// <summary>Rules given at encode, as JSON (sealed in the container too when static).</summary>
    public string? Rules { get; init; }
}

/// <summary>One change of a container's tags, for its tag audit.</summary>
public sealed record TagChange(DateTimeOffset Timestamp, IReadOnlyList<string> OldTags, IReadOnlyList<string> NewTags, string User);
