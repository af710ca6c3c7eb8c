using Locktera.Core.Access;
using Locktera.Core.Orgs;

namespace Locktera.Core.Keys;

/// <summary>An API key as stored: the secret itself is never kept, only its hash.</summary>
public sealed record ApiKey
{
    public required Guid KeyId { get; init; }

    public required Guid OrgId { get; init; }

    public required string Name { get; init; }

    public required Permission Permissions { get; init; }

    /// <summary>
    /// The role its node had when the key was created (null for keys created before it was recorded).
    /// A key never reaches further than that role: a node promoted since needs new keys for its new reach.
    /// </summary>
    public OrgRole? RoleAtCreation { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>SHA-256 of the secret part of the token.</summary>
    public required byte[] SecretHash { get; init; }
}

/// <summary>A key just created, with the token that is shown to its creator this once.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Token);
