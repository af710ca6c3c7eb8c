using System.Text;
using Locktera.Core.Containers;
using Locktera.Core.Events;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Operations;

/// <summary>
/// Stores EXPIRED on active containers whose <c>time.end</c> has passed and records their one
/// <c>container.expire</c> event. It reads only the expiry rows due by now (<see cref="DueIndex.Expiries"/>),
/// never the containers of every org. Safe when runs overlap or repeat: the status changes under the
/// record's ETag, and the event's id and time derive from the container and its end, so a second
/// recording of it meets the first one's rows and adds nothing.
/// </summary>
public sealed partial class ExpirySweep(DueIndex due, ContainerStore store, ContainerService containers, EventLog events, TimeProvider time, ILogger<ExpirySweep> logger)
{
    /// <summary>
    /// How long a run works through the due rows at most: short of the five minutes to the next run,
    /// which takes what is left then.
    /// </summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    /// <summary>Who the expire events name as <c>user</c>: no key or viewer did it.</summary>
    public const string SystemUser = "system";

    public async Task<SweepOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await due.DrainAsync(DueIndex.Expiries, now, Budget, async (row, ct) => await ExpireAsync(row, now, ct),
            (row, e) => LogExpiryFailed(logger, row.Subject, e.GetType().Name), cancellationToken);
    }

    /// <summary>True when the container is now expired at this row's end (and its event recorded); false when the row is stale.</summary>
    private async Task<bool> ExpireAsync(DueRow row, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parts = row.Subject.Split(':');
        if (parts.Length != 2 || !Guid.TryParse(parts[0], out var orgId) || !Guid.TryParse(parts[1], out var containerId))
        {
            return false;
        }
        var record = await store.UpdateAsync(orgId, containerId, r =>
            r.Status == ContainerStatus.Active && EndOf(r) == row.Due && row.Due <= now ? r with { Status = ContainerStatus.Expired } : null, cancellationToken);
        // Another run may have stored the status and stopped before its event: recording it again is harmless.
        if (record is not { Status: ContainerStatus.Expired } || EndOf(record) != row.Due)
        {
            return false;
        }
        var end = row.Due;
        var entry = new ContainerEvent(end > record.CreatedAt ? end : record.CreatedAt, EventLog.ContainerExpire, orgId, containerId, SystemUser,
            new Dictionary<string, string> { ["name"] = record.Name, ["end"] = end.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) }, null)
        {
            Id = EventId(containerId, end),
        };
        await events.RecordOnceAsync(entry, cancellationToken);
        return true;
    }

    private DateTimeOffset? EndOf(ContainerRecord record) => containers.RulesOf(record).Rules.Time.End;

    /// <summary>The same id for the same container and end, whoever records it (a UUIDv8 made from a hash).</summary>
    private static Guid EventId(Guid containerId, DateTimeOffset end)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{EventLog.ContainerExpire}/{containerId}/{end.UtcTicks}")))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiry of container {Subject} failed: {Error}; the next run retries")]
    private static partial void LogExpiryFailed(ILogger logger, string subject, string error);
}
