using Locktera.Core.Access;

namespace Locktera.Core.Keys;

/// <summary>An API key as stored: the secret itself is never kept, only its hash.</summary>
public sealed record ApiKey
{
    public required Guid KeyId { get; init; }

    public required Guid OrgId { get; init; }

    public required string Name { get; init; }

    public required Permission Permissions { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>SHA-256 of the secret part of the token.</summary>
    public required byte[] SecretHash { get; init; }
}

/// <summary>A key just created, with the token that is shown to its creator this once.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Token);
