using System.Text.Json.Serialization;
using Locktera.Core.Orgs;

namespace Locktera.Functions.Http;

// Response bodies are classes with primary constructors (not positional records), so that the
// domain object they are built from never becomes a serialized property itself.

/// <summary>The Org schema of the API.</summary>
public class OrgView(Org org)
{
    public Guid Id { get; } = org.Id;
    public Guid RootOrgId { get; } = org.RootOrgId;
    public Guid? ParentOrgId { get; } = org.ParentOrgId;
    public string? OrgName { get; } = org.OrgName;
    public string Role { get; } = org.Role.ToName();
    public string? FirstName { get; } = org.FirstName;
    public string? LastName { get; } = org.LastName;
    public string? Email { get; } = org.Email;
    public string? MobilePhone { get; } = org.MobilePhone;
    public DateTimeOffset CreatedAt { get; } = org.CreatedAt;
    public DateTimeOffset? UpdatedAt { get; } = org.UpdatedAt;
}

/// <summary>GET /me: the calling key's node, plus the key's id and effective permissions.</summary>
public sealed class MeView(Caller.Key caller) : OrgView(caller.Org)
{
    [JsonPropertyOrder(1)] public Guid KeyId { get; } = caller.ApiKey.KeyId;
    [JsonPropertyOrder(1)] public IReadOnlyList<string> Permissions { get; } = caller.Permissions.ToNames();
}
