namespace Locktera.Client;

/// <summary>A node of the organization tree: a root organization, a group or a user.</summary>
public record Org(
    Guid Id,
    Guid RootOrgId,
    Guid? ParentOrgId,
    string Role,
    string? OrgName,
    string? FirstName,
    string? LastName,
    string? Email,
    string? MobilePhone,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt);

/// <summary>The calling key's node, with the key's id and permissions.</summary>
public sealed record Me(
    Guid Id, Guid RootOrgId, Guid? ParentOrgId, string Role, string? OrgName, string? FirstName, string? LastName, string? Email, string? MobilePhone,
    DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt, Guid KeyId, IReadOnlyList<string> Permissions)
    : Org(Id, RootOrgId, ParentOrgId, Role, OrgName, FirstName, LastName, Email, MobilePhone, CreatedAt, UpdatedAt);

/// <summary>An API key of a node; its secret is shown only when it is created (<see cref="CreatedApiKey"/>).</summary>
public record ApiKey(Guid KeyId, string Name, Guid OrgId, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>A key just created, with its secret: shown this once.</summary>
public sealed record CreatedApiKey(Guid KeyId, string Name, Guid OrgId, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string Secret)
    : ApiKey(KeyId, Name, OrgId, Permissions, CreatedAt, LastUsedAt)
{
    /// <summary>Never the secret.</summary>
    public override string ToString() => $"ApiKey {KeyId} ({Name})";
}

/// <summary>A new child node: a group (<c>org_name</c>) or a user (<c>email</c> and names).</summary>
public sealed record NewChildOrg(string Role, string? OrgName = null, string? Email = null, string? FirstName = null, string? LastName = null, string? MobilePhone = null);

/// <summary>A new API key of a node: its name and permissions (<c>read</c>, <c>write</c>, <c>admin</c>).</summary>
public sealed record NewApiKey(string Name, IReadOnlyList<string> Permissions);

/// <summary>The health of the service.</summary>
public sealed record ServiceStatus(string Status, IReadOnlyDictionary<string, string> Services, DateTimeOffset Timestamp);
