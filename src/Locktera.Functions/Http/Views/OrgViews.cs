using System.Text.Json.Serialization;
using Locktera.Core.Keys;
using Locktera.Core.Orgs;
using static System.Text.Json.Serialization.JsonIgnoreCondition;

namespace Locktera.Functions.Http;

// Response bodies are classes with primary constructors (not positional records), so that the
// domain object they are built from never becomes a serialized property itself.
//
// Nullability: a field upstream's spec types (a string, an object) is left out when the node has no
// value for it, never null; fields of our own (updated_at, …) are null when empty, as documented.

/// <summary>upstream's Org schema, plus <c>created_at</c> and <c>updated_at</c>.</summary>
public class OrgView(Org org)
{
    public Guid Id { get; } = org.Id;
    public Guid RootOrgId { get; } = org.RootOrgId;
    [JsonIgnore(Condition = WhenWritingNull)] public Guid? ParentOrgId { get; } = org.ParentOrgId;
    [JsonIgnore(Condition = WhenWritingNull)] public string? OrgName { get; } = org.OrgName;
    public string Role { get; } = org.Role.ToName();
    [JsonIgnore(Condition = WhenWritingNull)] public string? FirstName { get; } = org.FirstName;
    [JsonIgnore(Condition = WhenWritingNull)] public string? LastName { get; } = org.LastName;
    [JsonIgnore(Condition = WhenWritingNull)] public string? Email { get; } = org.Email;
    [JsonIgnore(Condition = WhenWritingNull)] public string? MobilePhone { get; } = org.MobilePhone;
    public DateTimeOffset CreatedAt { get; } = org.CreatedAt;
    public DateTimeOffset? UpdatedAt { get; } = org.UpdatedAt;
}

/// <summary>GET /me: the calling key's node, plus the key's id and effective permissions.</summary>
public sealed class MeView(Caller.Key caller) : OrgView(caller.Org)
{
    [JsonPropertyOrder(1)] public Guid KeyId { get; } = caller.ApiKey.KeyId;
    [JsonPropertyOrder(1)] public IReadOnlyList<string> Permissions { get; } = caller.Permissions.ToNames();
}

/// <summary>POST /orgs: the new root organization and its first key, whose secret is shown only here.</summary>
public sealed class ProvisionedOrgView(Org org, CreatedApiKey key)
{
    public OrgView Org { get; } = new(org);
    public CreatedApiKeyView ApiKey { get; } = new(key);
}

/// <summary>POST /orgs/import_orgs: the nodes created, in file order.</summary>
public sealed class ImportedOrgsView(IReadOnlyList<(ImportedNode Row, Org Org)> created)
{
    public int Created { get; } = created.Count;
    public IReadOnlyList<ImportedOrgView> Orgs { get; } = [.. created.Select(c => new ImportedOrgView(c.Row, c.Org))];
}

public sealed class ImportedOrgView(ImportedNode row, Org org)
{
    /// <summary>The row's number in the file (the header is row 1).</summary>
    public int Row { get; } = row.Row;

    /// <summary>The row's own <c>id</c> column.</summary>
    public string? CsvId { get; } = row.Ref;

    public OrgView Org { get; } = new(org);
}

/// <summary>A row of children_audit: the audit shape, for the node that changed, with its parent and who changed it.</summary>
public sealed class OrgChangeView(OrgChange change)
    : AuditView<OrgView>(change.Action, change.OrgId, change.Timestamp, View(change.OldData), View(change.NewData), change.Ip)
{
    public Guid? ParentOrgId { get; } = change.ParentOrgId;

    /// <summary>The acting key's id, or <c>operator</c>.</summary>
    public string ChangedBy { get; } = change.ChangedBy;

    private static OrgView? View(Org? node) => node is null ? null : new OrgView(node);
}
