using Locktera.Core.Consents;
using Locktera.Core.Containers;
using Locktera.Core.Content;
using Locktera.Core.Drm;
using Locktera.Core.Keys;
using Locktera.Core.Metering;
using Locktera.Core.Orgs;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Operations;

/// <summary>
/// Removes what is no longer anyone's: the data of deleted org nodes, the remains of encodes that
/// crashed, and viewing sessions that have ended. Each kind of work is a list of due rows
/// (<see cref="DueIndex"/>), drained side by side until empty or out of <see cref="Budget"/>; a row
/// goes only when its work is done, and every step can be repeated, so a run that stops part-way is
/// finished by the next.
/// </summary>
public sealed partial class OrgPurge(
    DueIndex due, StorageAccount storage, OrgStore orgs, ContainerStore containers, ContentStores stores, ApiKeyStore keys,
    ConsentLedger consents, ViewerStates viewers, UsageMeter usage, Uploads.UploadSessions uploads, Webhooks.WebhookStore webhooks, TimeProvider time, ILogger<OrgPurge> logger)
{
    /// <summary>The property of a deleted node's row that names its tree's root.</summary>
    public const string RootProperty = "RootOrgId";

    /// <summary>
    /// How long a run works through each list at most (the three side by side): well within the
    /// Functions host's default timeout of 30 minutes (Flex Consumption) and the hour to the next run,
    /// which takes what is left then.
    /// </summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMinutes(20);

    public async Task<PurgeOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var deletedOrgs = due.DrainAsync(DueIndex.DeletedOrgs, now, Budget, PurgeOrgAsync, Failed, cancellationToken);
        var encodes = due.DrainAsync(DueIndex.Encodes, now, Budget, PurgeEncodeAsync, Failed, cancellationToken);
        var sessions = due.DrainAsync(DueIndex.Sessions, now, Budget, async (row, ct) =>
        {
            await viewers.RemoveSessionAsync(row.Subject, ct);
            return true;
        }, Failed, cancellationToken);
        var uploadSessions = due.DrainAsync(DueIndex.Uploads, now, Budget, uploads.ExpireAsync, Failed, cancellationToken);
        await Task.WhenAll(deletedOrgs, encodes, sessions, uploadSessions);
        return new PurgeOutcome(await deletedOrgs, await encodes, await sessions, await uploadSessions);
    }

    /// <summary>
    /// Everything of one deleted node, in an order that keeps every step repeatable: container bytes
    /// while the storage configurations that locate them still exist, then the rows that point into
    /// other partitions (container ids, rate-limit windows, viewers' consent index), then the node's
    /// partition in every table, its storage configurations last. A root takes its tree's access log
    /// and audit with it. A node whose row still exists (a delete in progress, or one that failed and
    /// will be repeated) is looked at again an hour later.
    /// </summary>
    private async Task<bool?> PurgeOrgAsync(DueRow row, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(row.Subject, out var orgId))
        {
            return false;
        }
        if (await orgs.FindAsync(orgId, cancellationToken) is not null)
        {
            return null;
        }
        var partition = orgId.ToString();
        var removed = 0;
        await foreach (var record in containers.ListAsync(orgId, null, cancellationToken))
        {
            await DeleteContentAsync(orgId, record.StorageId, record.ObjectKey, cancellationToken);
            await containers.DeleteAsync(record, cancellationToken);
            removed++;
        }
        // Upload sessions' parts, while the storage configurations that locate them still exist.
        await uploads.ForgetOrgAsync(orgId, cancellationToken);
        // Objects of encodes that never got a record, in the platform's store.
        await stores.Platform.DeleteAllAsync($"{orgId}/", cancellationToken);
        var rateLimits = await storage.TableAsync(storage.Names.RateLimits, cancellationToken);
        await foreach (var key in keys.ListAsync(orgId, cancellationToken))
        {
            await rateLimits.DeletePartitionAsync(key.KeyId.ToString(), cancellationToken);
        }
        await consents.ForgetViewersAsync(orgId, cancellationToken);
        await usage.ForgetAsync(orgId, cancellationToken);
        if (Guid.TryParse(row.Entity.GetString(RootProperty), out var rootOrgId))
        {
            await webhooks.ForgetNodeAsync(rootOrgId, orgId, cancellationToken);
        }
        var names = storage.Names;
        string[] tables = [names.Containers, names.Events, names.Addresses, names.ErrorReports, names.Consents, names.ApiKeys, names.OrgKeyPairs, names.Usage, names.Uploads, names.Orgs, names.StorageConfigs];
        var rows = 0;
        foreach (var name in tables)
        {
            rows += await (await storage.TableAsync(name, cancellationToken)).DeletePartitionAsync(partition, cancellationToken);
        }
        if (row.Entity.GetString(RootProperty) == partition)
        {
            foreach (var name in new[] { names.AccessLog, names.OrgAudit })
            {
                rows += await (await storage.TableAsync(name, cancellationToken)).DeletePartitionAsync(partition, cancellationToken);
            }
        }
        LogOrgPurged(logger, orgId, removed, rows);
        return true;
    }

    /// <summary>
    /// An encode noted when it began (<see cref="ContainerService.EncodeGrace"/> ago) whose note is still
    /// there: the encode neither committed nor cleaned up after itself, so it died part-way. If its record
    /// is still pending or gone, its object (committed or not) and record go.
    /// </summary>
    private async Task<bool?> PurgeEncodeAsync(DueRow row, CancellationToken cancellationToken)
    {
        var parts = row.Subject.Split(':');
        if (parts.Length != 2 || !Guid.TryParse(parts[0], out var orgId) || !Guid.TryParse(parts[1], out var containerId))
        {
            return false;
        }
        var record = await containers.FindAsync(orgId, containerId, cancellationToken);
        if (record is not null && record.Status != ContainerStatus.Pending)
        {
            return false;
        }
        await DeleteContentAsync(orgId, row.Entity.GetString("StorageId") ?? "", row.Entity.GetString("ObjectKey") ?? "", cancellationToken);
        if (record is not null)
        {
            await containers.DeleteAsync(record, cancellationToken);
        }
        LogEncodeRemoved(logger, orgId, containerId);
        return true;
    }

    private async Task DeleteContentAsync(Guid orgId, string storageId, string objectKey, CancellationToken cancellationToken)
    {
        IContentStore store;
        try
        {
            store = await stores.ForStoredAsync(orgId, storageId, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            // Its storage configuration is gone (an earlier run of this purge): nothing left to reach.
            return;
        }
        if (objectKey.Length > 0)
        {
            await store.DeleteAsync(objectKey, cancellationToken);
        }
    }

    private void Failed(DueRow row, Exception e) => LogPurgeFailed(logger, row.Entity.PartitionKey, row.Subject, e.GetType().Name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purge of {Kind} {Subject} failed: {Error}; the next run retries")]
    private static partial void LogPurgeFailed(ILogger logger, string kind, string subject, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged deleted org {OrgId}: {Containers} containers, {Rows} rows")]
    private static partial void LogOrgPurged(ILogger logger, Guid orgId, int containers, int rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the remains of failed encode {ContainerId} of org {OrgId}")]
    private static partial void LogEncodeRemoved(ILogger logger, Guid orgId, Guid containerId);
}

/// <summary>What one purge run did, per kind of work.</summary>
public sealed record PurgeOutcome(SweepOutcome DeletedOrgs, SweepOutcome FailedEncodes, SweepOutcome Sessions, SweepOutcome UploadSessions)
{
    public override string ToString() => $"deleted orgs: {DeletedOrgs}; failed encodes: {FailedEncodes}; viewing sessions: {Sessions}; upload sessions: {UploadSessions}";
}
