using System.Text.Json;
using Locktera.Core.Events;

namespace Locktera.Core.Orgs;

/// <summary>One change of a node: what, who and from where, and the node before and after.</summary>
public sealed record OrgChange(string Action, Guid OrgId, Guid? ParentOrgId, string ChangedBy, DateTimeOffset Timestamp, Org? OldData, Org? NewData, string? Ip);

/// <summary>
/// The audit of an organization tree's nodes (table PK = root org id, RK = inverted time, so it reads
/// newest first). A node's "children audit" is the rows whose node lies beneath it. Each row is written
/// right after the change it records succeeded (a node and the tree's audit live in different
/// partitions, so the two writes cannot be one transaction): a process dying between them loses that row.
/// </summary>
public sealed class OrgAudit(StorageAccount storage, TimeProvider time)
{
    public const string Create = "create";
    public const string Update = "update";
    public const string RoleChange = "role_change";
    public const string Delete = "delete";

    private static readonly JsonSerializerOptions Json = StoredJson.Options;

    public async Task RecordAsync(string action, Org? before, Org? after, Actor actor, CancellationToken cancellationToken)
    {
        var node = after ?? before ?? throw new ArgumentException("A change has a node before or after it.", nameof(after));
        var now = time.GetUtcNow();
        var table = await storage.TableAsync(storage.Names.OrgAudit, cancellationToken);
        await table.AddEntityAsync(new TableEntity(node.RootOrgId.ToString(), $"{RowKeys.NewestFirst(now)}:{Guid.NewGuid():N}")
        {
            ["Action"] = action,
            ["OrgId"] = node.Id.ToString(),
            ["ParentOrgId"] = node.ParentOrgId?.ToString(),
            ["Ancestors"] = string.Join('/', node.Ancestors),
            ["ChangedBy"] = actor.User,
            ["Ip"] = actor.Ip,
            ["At"] = now,
            ["OldData"] = before is null ? null : JsonSerializer.Serialize(before, Json),
            ["NewData"] = after is null ? null : JsonSerializer.Serialize(after, Json),
        }, cancellationToken);
    }

    /// <summary>Changes of the nodes beneath <paramref name="node"/>, newest first within [<paramref name="start"/>, <paramref name="end"/>].</summary>
    public async Task<IReadOnlyList<OrgChange>> BeneathAsync(Org node, DateTimeOffset? start, DateTimeOffset? end, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(storage.Names.OrgAudit, cancellationToken);
        var within = node.Id.ToString();
        return await table.NewestFirstWithin(node.RootOrgId.ToString(), "", start, end, cancellationToken)
            .Where(row => (row.GetString("Ancestors") ?? "").Contains(within, StringComparison.Ordinal))
            .Select(row => new OrgChange(
                row.GetString("Action") ?? "",
                Guid.Parse(row.GetString("OrgId")),
                row.GetString("ParentOrgId") is { } parent ? Guid.Parse(parent) : null,
                row.GetString("ChangedBy") ?? "",
                row.GetDateTimeOffset("At") ?? DateTimeOffset.UnixEpoch,
                Deserialize(row.GetString("OldData")),
                Deserialize(row.GetString("NewData")),
                row.GetString("Ip")))
            .PageAsync(_ => true, skip, take, cancellationToken);
    }

    private static Org? Deserialize(string? json) => json is null ? null : JsonSerializer.Deserialize<Org>(json, Json);
}
