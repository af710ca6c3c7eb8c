using Azure;
using Azure.Data.Tables;
using Locktera.Core.Storage;

namespace Locktera.Core.Orgs;

/// <summary>
/// Org nodes in table storage. Each node is the row (PK = its id, RK = "node"); the ids of its
/// children are index rows in the parent's partition (RK = "child:{id}") so that listing
/// children is one partition query.
/// </summary>
public sealed class OrgStore(StorageAccount storage)
{
    private const string NodeRow = "node";
    private const string ChildPrefix = "child:";

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
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the stored node under optimistic concurrency: when another
    /// writer got there first the change is applied again to the newer node, so no update is lost.
    /// </summary>
    public async Task<Org?> UpdateAsync(Guid id, Func<Org, Org> change, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
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

    /// <summary>Removes a node, then its index row; both steps tolerate having been done before.</summary>
    public async Task DeleteAsync(Org org, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.DeleteEntityAsync(org.Id.ToString(), NodeRow, ETag.All, cancellationToken);
        if (org.ParentOrgId is { } parent)
        {
            await table.DeleteEntityAsync(parent.ToString(), ChildPrefix + org.Id, ETag.All, cancellationToken);
        }
    }

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
