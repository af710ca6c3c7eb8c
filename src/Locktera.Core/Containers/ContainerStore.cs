using System.Text.Json;
using Azure;

namespace Locktera.Core.Containers;

/// <summary>
/// Container records in table storage, partitioned by org. Rows:
/// <list type="bullet">
/// <item>"c:{inverted id}" — the record; inverting the UUIDv7 lists newest first;</item>
/// <item>"d:{algorithm}:{hex}" — digest index (md5 and sha256) → container id;</item>
/// <item>PK "id:{container id}", RK "org" — which org a container belongs to, for /containers/{id}.</item>
/// </list>
/// </summary>
public sealed class ContainerStore(StorageAccount storage)
{
    private const string RecordPrefix = "c:";
    private static readonly JsonSerializerOptions Json = StoredJson.Options;

    public async Task AddAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.UpsertEntityAsync(new TableEntity("id:" + record.Id, "org") { ["OrgId"] = record.OrgId.ToString() }, TableUpdateMode.Replace, cancellationToken);
        await table.AddEntityAsync(ToEntity(record), cancellationToken);
    }

    public async Task<ContainerRecord?> FindAsync(Guid orgId, Guid containerId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), RowKey(containerId), cancellationToken: cancellationToken);
        return row.HasValue ? ToRecord(row.Value!) : null;
    }

    /// <summary>The org of a container known only by its id.</summary>
    public async Task<Guid?> OrgOfAsync(Guid containerId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>("id:" + containerId, "org", cancellationToken: cancellationToken);
        return row.HasValue && Guid.TryParse(row.Value!.GetString("OrgId"), out var orgId) ? orgId : null;
    }

    public async Task<ContainerRecord?> FindByDigestAsync(Guid orgId, string algorithm, string digest, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), DigestRow(algorithm, digest), cancellationToken: cancellationToken);
        return row.HasValue && Guid.TryParse(row.Value!.GetString("ContainerId"), out var id) ? await FindAsync(orgId, id, cancellationToken) : null;
    }

    /// <summary>
    /// Applies a change under the row's ETag, again on a lost race, so no concurrent change is lost.
    /// A change that returns null writes nothing (the record is returned as it is): a conditional update
    /// decided on the newest row, such as the expiry sweep's.
    /// </summary>
    public async Task<ContainerRecord?> UpdateAsync(Guid orgId, Guid containerId, Func<ContainerRecord, ContainerRecord?> change, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var updated = await table.UpdateAsync<ContainerRecord?>(orgId.ToString(), RowKey(containerId), row =>
        {
            if (row is null)
            {
                return (null, (ContainerRecord?)null);
            }
            var current = ToRecord(row);
            var next = change(current);
            return next is null ? (null, current) : (ToEntity(next), next);
        }, cancellationToken);
        foreach (var (algorithm, digest) in Digests(updated))
        {
            await table.UpsertEntityAsync(new TableEntity(orgId.ToString(), DigestRow(algorithm, digest)) { ["ContainerId"] = containerId.ToString() }, TableUpdateMode.Replace, cancellationToken);
        }
        return updated;
    }

    /// <summary>Removes a record and its index rows; returns whether the record was still there (of two deletes at once, one finds it).</summary>
    public async Task<bool> DeleteAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = record.OrgId.ToString();
        var removed = (await table.DeleteEntityAsync(partition, RowKey(record.Id), ETag.All, cancellationToken)).Status != 404;
        foreach (var (algorithm, digest) in Digests(record))
        {
            await table.DeleteEntityAsync(partition, DigestRow(algorithm, digest), ETag.All, cancellationToken);
        }
        await table.DeleteEntityAsync("id:" + record.Id, "org", ETag.All, cancellationToken);
        return removed;
    }

    /// <summary>Records of one org, newest first, after the container <paramref name="afterId"/> when given.</summary>
    public async IAsyncEnumerable<ContainerRecord> ListAsync(Guid orgId, Guid? afterId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var rows = table.WithPrefix(orgId.ToString(), RecordPrefix, afterId is { } after ? RowKey(after) : null, cancellationToken);
        await foreach (var row in rows)
        {
            yield return ToRecord(row);
        }
    }

    /// <summary>
    /// Replaces a container's tags and adds the change to its tag audit (RK "t:{container}:{inverted
    /// time}:{unique}", newest first) in one entity-group transaction, under the record's ETag. The
    /// change's time is read on the record it replaces, again after a lost race, so the audit's order
    /// is the order in which the changes were applied. Null when the container is gone.
    /// </summary>
    public async Task<ContainerRecord?> ReplaceTagsAsync(Guid orgId, Guid containerId, IReadOnlyList<string> tags, string user, TimeProvider time, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.UpdateAsync<ContainerRecord?>(orgId.ToString(), RowKey(containerId), row =>
        {
            if (row is null)
            {
                return (null, [], null);
            }
            var current = ToRecord(row);
            var next = current with { Tags = tags };
            var at = time.GetUtcNow();
            var change = new TableEntity(orgId.ToString(), $"t:{containerId}:{RowKeys.NewestFirst(at)}:{Guid.NewGuid():N}")
            {
                ["At"] = at,
                ["OldTags"] = JsonSerializer.Serialize(current.Tags, Json),
                ["NewTags"] = JsonSerializer.Serialize(tags, Json),
                ["User"] = user,
            };
            return (ToEntity(next), [change], next);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<TagChange>> TagChangesAsync(Guid orgId, Guid containerId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.WithPrefix(orgId.ToString(), $"t:{containerId}:", null, cancellationToken)
            .Select(row => new TagChange(
                row.GetDateTimeOffset("At") ?? DateTimeOffset.UnixEpoch,
                JsonSerializer.Deserialize<List<string>>(row.GetString("OldTags") ?? "[]", Json) ?? [],
                JsonSerializer.Deserialize<List<string>>(row.GetString("NewTags") ?? "[]", Json) ?? [],
                row.GetString("User") ?? ""))
            .ToListAsync(cancellationToken);
    }

    /// <summary>The digest index row; the digest may come from a query.</summary>
    private static string DigestRow(string algorithm, string digest) => $"d:{algorithm}:{RowKeys.Segment(digest)}";

    /// <summary>The digests a record is found by: "md5" and "sha256" of an encoded container's object, "parts" of one written in parts.</summary>
    private static IEnumerable<(string Algorithm, string Digest)> Digests(ContainerRecord? record) =>
        new[] { ("md5", record?.Md5), ("sha256", record?.Sha256), (PartsDigest, record?.PartsSha256) }
            .Where(d => d.Item2 is not null).Select(d => (d.Item1, d.Item2!));

    /// <summary>The digest index's name for <see cref="ContainerRecord.PartsSha256"/>.</summary>
    public const string PartsDigest = "parts";

    /// <summary>The UUIDv7 bytes inverted: row keys then sort newest first.</summary>
    private static string RowKey(Guid id) => RecordPrefix + RowKeys.NewestFirst(id);

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Containers, cancellationToken);

    private static TableEntity ToEntity(ContainerRecord r) => new(r.OrgId.ToString(), RowKey(r.Id))
    {
        ["Id"] = r.Id.ToString(),
        ["Name"] = r.Name,
        ["Status"] = r.Status.ToString(),
        ["CreatedAt"] = r.CreatedAt,
        ["CreatedBy"] = r.CreatedBy,
        ["Tags"] = JsonSerializer.Serialize(r.Tags, Json),
        ["Dynamic"] = r.Dynamic,
        ["Downloadable"] = r.Downloadable,
        ["PasswordProtected"] = r.PasswordProtected,
        ["StorageId"] = r.StorageId,
        ["ObjectKey"] = r.ObjectKey,
        ["Size"] = r.Size,
        ["Md5"] = r.Md5,
        ["Sha256"] = r.Sha256,
        ["PartsSha256"] = r.PartsSha256,
        ["HeaderLength"] = r.HeaderLength,
        ["IndexOffset"] = r.IndexOffset,
        ["IndexLength"] = r.IndexLength,
        ["Seal"] = r.Seal,
        ["Rules"] = r.Rules,
    };

    private static ContainerRecord ToRecord(TableEntity e) => new()
    {
        Id = Guid.Parse(e.GetString("Id")),
        OrgId = Guid.Parse(e.PartitionKey),
        Name = e.GetString("Name") ?? "",
        Status = Enum.Parse<ContainerStatus>(e.GetString("Status") ?? nameof(ContainerStatus.Pending)),
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
        CreatedBy = e.GetString("CreatedBy") ?? "",
        Tags = JsonSerializer.Deserialize<List<string>>(e.GetString("Tags") ?? "[]", Json) ?? [],
        Dynamic = e.GetBoolean("Dynamic") ?? false,
        Downloadable = e.GetBoolean("Downloadable") ?? false,
        PasswordProtected = e.GetBoolean("PasswordProtected") ?? false,
        StorageId = e.GetString("StorageId") ?? "",
        ObjectKey = e.GetString("ObjectKey") ?? "",
        Size = e.GetInt64("Size") ?? 0,
        Md5 = e.GetString("Md5"),
        Sha256 = e.GetString("Sha256"),
        PartsSha256 = e.GetString("PartsSha256"),
        HeaderLength = e.GetInt32("HeaderLength") ?? 0,
        IndexOffset = e.GetInt64("IndexOffset") ?? 0,
        IndexLength = e.GetInt32("IndexLength") ?? 0,
        Seal = e.GetString("Seal"),
        Rules = e.GetString("Rules"),
    };
}
