using Azure;

namespace Locktera.Core.Orgs;

/// <summary>
/// Org nodes in table storage. Each node is the row (PK = its id, RK = "node"); the ids of its
/// children are index rows in the parent's partition (RK = "child:{id}") so that listing
/// children is one partition query; and the emails of a tree's nodes are claimed in the root's
/// partition (RK = "email:{email}", naming the node) so that no two nodes of a tree share one.
/// </summary>
public sealed class OrgStore(StorageAccount storage, RecentRows recent)
{
    private const string NodeRow = "node";
    private const string ChildPrefix = "child:";
    private const string EmailPrefix = "email:";

    private static string RecentKey(Guid id) => $"org:{id}";

    /// <summary>How long a claim stands even without its node: far longer than a create or update takes.</summary>
    private static readonly TimeSpan ClaimSettleTime = TimeSpan.FromMinutes(5);

    /// <summary>The node as read at most <see cref="RecentRows.Staleness"/> ago (what authentication and route resolution need); changes made here are seen at once.</summary>
    public Task<Org?> FindRecentAsync(Guid id, CancellationToken cancellationToken) =>
        recent.GetAsync(RecentKey(id), () => FindAsync(id, cancellationToken));

    public async Task<Org?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(id.ToString(), NodeRow, cancellationToken: cancellationToken);
        return row.HasValue ? ToOrg(row.Value!) : null;
    }

    /// <summary>Adds a node. The parent's index row is written first: a crash between the two leaves an index row that listing skips, never an unlisted node.</summary>
    public async Task AddAsync(Org org, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        if (org.ParentOrgId is { } parent)
        {
            await table.UpsertEntityAsync(new TableEntity(parent.ToString(), ChildPrefix + org.Id), TableUpdateMode.Replace, cancellationToken);
        }
        await table.AddEntityAsync(ToEntity(org), cancellationToken);
        recent.Forget(RecentKey(org.Id));
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the stored node under optimistic concurrency: when another
    /// writer got there first the change is applied again to the newer node, so no update is lost.
    /// </summary>
    public async Task<Org?> UpdateAsync(Guid id, Func<Org, Org> change, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        try
        {
            return await table.UpdateAsync<Org?>(id.ToString(), NodeRow, row =>
            {
                if (row is null)
                {
                    return (null, (Org?)null);
                }
                var updated = change(ToOrg(row));
                return (ToEntity(updated), updated);
            }, cancellationToken);
        }
        finally
        {
            recent.Forget(RecentKey(id));
        }
    }

    /// <summary>Removes a node, then its index row; both steps tolerate having been done before.</summary>
    public async Task DeleteAsync(Org org, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        recent.Forget(RecentKey(org.Id));
        await table.DeleteEntityAsync(org.Id.ToString(), NodeRow, ETag.All, cancellationToken);
        recent.Forget(RecentKey(org.Id));
        if (org.ParentOrgId is { } parent)
        {
            await table.DeleteEntityAsync(parent.ToString(), ChildPrefix + org.Id, ETag.All, cancellationToken);
        }
    }

    /// <summary>
    /// Claims <paramref name="email"/> for <paramref name="node"/> within its tree. False when another
    /// node of the tree has it. A claim left by a node that is gone or now has another email (a
    /// create, update or delete interrupted between its writes) is stale once settled, and taken over.
    /// </summary>
    public async Task<bool> ClaimEmailAsync(Org node, string email, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var (partition, row) = (node.RootOrgId.ToString(), EmailKey(email));
        var claim = new TableEntity(partition, row) { ["NodeId"] = node.Id.ToString() };
        while (true)
        {
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
            try
            {
                if (!existing.HasValue)
                {
                    await table.AddEntityAsync(claim, cancellationToken);
                    return true;
                }
                var holderId = Guid.Parse(existing.Value!.GetString("NodeId"));
                if (holderId == node.Id)
                {
                    return true;
                }
                // A fresh claim may be one whose node is being written right now.
                var settled = existing.Value.Timestamp < DateTimeOffset.UtcNow - ClaimSettleTime;
                if (!settled || (await FindAsync(holderId, cancellationToken) is { Email: { } held } && held.Equals(email, StringComparison.OrdinalIgnoreCase)))
                {
                    return false;
                }
                await table.UpdateEntityAsync(claim, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.IsConflict())
            {
                // Claimed or changed meanwhile: look again.
            }
        }
    }

    /// <summary>The node of this tree that has <paramref name="email"/>, if any.</summary>
    public async Task<Org?> FindByEmailAsync(Guid rootOrgId, string email, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var claim = await table.GetEntityIfExistsAsync<TableEntity>(rootOrgId.ToString(), EmailKey(email), cancellationToken: cancellationToken);
        return claim.HasValue && await FindAsync(Guid.Parse(claim.Value!.GetString("NodeId")), cancellationToken) is { Email: { } held } holder
            && held.Equals(email, StringComparison.OrdinalIgnoreCase) ? holder : null;
    }

    /// <summary>Gives up <paramref name="node"/>'s claim on <paramref name="email"/> (another node's claim is left alone).</summary>
    public async Task ReleaseEmailAsync(Org node, string email, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(node.RootOrgId.ToString(), EmailKey(email), cancellationToken: cancellationToken);
        if (existing.HasValue && existing.Value!.GetString("NodeId") == node.Id.ToString())
        {
            try
            {
                await table.DeleteEntityAsync(existing.Value, existing.Value.ETag, cancellationToken);
            }
            catch (RequestFailedException e) when (e.IsConflict() || e.IsNotFound())
            {
                // Someone else took over the claim meanwhile: it is theirs now.
            }
        }
    }

    private static string EmailKey(string email) => EmailPrefix + RowKeys.Segment(email.ToLowerInvariant());

    /// <summary>Child ids in creation order (ids are UUIDv7), starting after <paramref name="afterId"/>.</summary>
    public async IAsyncEnumerable<Guid> ChildIdsAsync(Guid parentId, Guid? afterId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var rows = table.WithPrefix(parentId.ToString(), ChildPrefix, afterId is { } after ? ChildPrefix + after : null, cancellationToken, select: ["RowKey"]);
        await foreach (var row in rows)
        {
            yield return Guid.Parse(row.RowKey.AsSpan(ChildPrefix.Length));
        }
    }

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Orgs, cancellationToken);

    private static TableEntity ToEntity(Org org) => new(org.Id.ToString(), NodeRow)
    {
        ["RootOrgId"] = org.RootOrgId.ToString(),
        ["ParentOrgId"] = org.ParentOrgId?.ToString(),
        ["Ancestors"] = string.Join('/', org.Ancestors),
        ["OrgName"] = org.OrgName,
        ["Role"] = org.Role.ToName(),
        ["FirstName"] = org.FirstName,
        ["LastName"] = org.LastName,
        ["Email"] = org.Email,
        ["MobilePhone"] = org.MobilePhone,
        ["CreatedAt"] = org.CreatedAt,
        ["UpdatedAt"] = org.UpdatedAt,
    };

    private static Org ToOrg(TableEntity e) => new()
    {
        Id = Guid.Parse(e.PartitionKey),
        RootOrgId = Guid.Parse(e.GetString("RootOrgId")),
        ParentOrgId = e.GetString("ParentOrgId") is { } parent ? Guid.Parse(parent) : null,
        Ancestors = [.. (e.GetString("Ancestors") ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse)],
        OrgName = e.GetString("OrgName"),
        Role = OrgRoles.Parse(e.GetString("Role")) ?? throw new InvalidDataException($"Org {e.PartitionKey} has an unknown role."),
        FirstName = e.GetString("FirstName"),
        LastName = e.GetString("LastName"),
        Email = e.GetString("Email"),
        MobilePhone = e.GetString("MobilePhone"),
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
        UpdatedAt = e.GetDateTimeOffset("UpdatedAt"),
    };
}
