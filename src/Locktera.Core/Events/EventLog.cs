using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Locktera.Core.Storage;

namespace Locktera.Core.Events;

/// <summary>
/// One thing that happened to an org's containers, in upstream's Event shape: <c>created_date</c>,
/// <c>action</c> (e.g. <c>container.create</c>), <c>org_id</c>, <c>container_id</c>, <c>user</c>
/// (the acting key, or a viewer's email), <c>detail</c>, <c>creator_ip</c>.
/// </summary>
public sealed record ContainerEvent(
    DateTimeOffset CreatedDate,
    string Action,
    Guid OrgId,
    Guid? ContainerId,
    string User,
    IReadOnlyDictionary<string, string> Detail,
    string? CreatorIp);

/// <summary>Who did something: the acting key's id (or a viewer's email) and the client's address.</summary>
public sealed record Actor(string User, string? Ip);

/// <summary>
/// The append-only event log (table PK = org id, RK = inverted time + unique suffix, so an org's
/// events read newest first and two events never overwrite each other).
/// </summary>
public sealed class EventLog(StorageAccount storage)
{
    public const string ContainerCreate = "container.create";
    public const string ContainerDelete = "container.delete";
    public const string ContainerBlock = "container.block";
    public const string ContainerUnblock = "container.unblock";
    public const string ContainerIntegrityFailure = "container.integrity_failure";
    public const string DrmUpdate = "drm.update";

    public async Task RecordAsync(ContainerEvent entry, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var inverted = (DateTimeOffset.MaxValue.UtcTicks - entry.CreatedDate.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
        await table.AddEntityAsync(new TableEntity(entry.OrgId.ToString(), $"{inverted}:{Guid.NewGuid():N}")
        {
            ["CreatedDate"] = entry.CreatedDate,
            ["Action"] = entry.Action,
            ["ContainerId"] = entry.ContainerId?.ToString(),
            ["User"] = entry.User,
            ["Detail"] = JsonSerializer.Serialize(entry.Detail),
            ["CreatorIp"] = entry.CreatorIp,
        }, cancellationToken);
    }

    /// <summary>An org's events, newest first.</summary>
    public async IAsyncEnumerable<ContainerEvent> ListAsync(Guid orgId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = orgId.ToString();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            yield return new ContainerEvent(
                row.GetDateTimeOffset("CreatedDate") ?? DateTimeOffset.UnixEpoch,
                row.GetString("Action") ?? "",
                orgId,
                Guid.TryParse(row.GetString("ContainerId"), out var containerId) ? containerId : null,
                row.GetString("User") ?? "",
                JsonSerializer.Deserialize<Dictionary<string, string>>(row.GetString("Detail") ?? "{}") ?? [],
                row.GetString("CreatorIp"));
        }
    }

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Events, cancellationToken);
}
