using System.Collections.Concurrent;
using Locktera.Core.Orgs;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Access;

/// <summary>
/// One line of an access log: a single failure, or how often (<see cref="Count"/>) something happened
/// in the period starting at <see cref="Timestamp"/> (successful sign-ins per key per hour).
/// </summary>
public sealed record AccessEntry(
    Guid OrgId, DateTimeOffset Timestamp, string? User, Guid? KeyId, string Action, string Status, string? Reason, string? Ip, long Count, DateTimeOffset LastSeen);

/// <summary>
/// Authentication and authorization events of an organization's keys (table PK = root org id, so a
/// node's log is a filter of its tree's). Successful sign-ins are counted in memory per key, address
/// and hour and flushed by <see cref="CounterBuffer"/>: no storage write on a request's path. Failures
/// are written one row each — up to <see cref="FailuresWrittenPerMinute"/> per node and address a
/// minute, beyond which a flood is counted rather than written row by row.
/// </summary>
public sealed partial class AccessLog(StorageAccount storage, CounterBuffer counters, TimeProvider time, ILogger<AccessLog> logger)
{
    public const int FailuresWrittenPerMinute = 20;
    public static readonly TimeSpan SuccessPeriod = TimeSpan.FromHours(1);
    private static readonly TimeSpan FloodPeriod = TimeSpan.FromMinutes(1);
    private const string Prefix = "l:";

    private readonly ConcurrentDictionary<(Guid Org, string? Ip, long Minute), int> _recentFailures = new();

    public void RecordSuccess(Org keyOrg, Guid keyId, string? ip)
    {
        var now = time.GetUtcNow();
        var period = Periods.Floor(now, SuccessPeriod);
        var row = $"{Prefix}{RowKeys.NewestFirst(period)}:s:{keyId:N}:{Escape(ip)}";
        counters.Add(storage.Names.AccessLog, keyOrg.RootOrgId.ToString(), row, Once,
            Labels(keyOrg, period, User(keyOrg), keyId, "authenticate", "success", null, ip, now), period + SuccessPeriod);
    }

    /// <summary>Records a refused request of a key that names <paramref name="org"/> (its own node).</summary>
    public async Task RecordFailureAsync(Org org, Guid? keyId, string? user, string action, string status, string reason, string? ip, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var minute = Periods.Floor(now, FloodPeriod);
        var seen = _recentFailures.AddOrUpdate((org.Id, ip, minute.UtcTicks), 1, (_, n) => n + 1);
        if (seen == 1)
        {
            foreach (var old in _recentFailures.Keys.Where(k => k.Minute < minute.UtcTicks))
            {
                _recentFailures.TryRemove(old, out _);
            }
        }
        var labels = Labels(org, now, user, keyId, action, status, reason, ip, now);
        if (seen > FailuresWrittenPerMinute)
        {
            var row = $"{Prefix}{RowKeys.NewestFirst(minute)}:f:{org.Id:N}:{reason}:{Escape(ip)}";
            labels["At"] = minute;
            counters.Add(storage.Names.AccessLog, org.RootOrgId.ToString(), row, Once, labels, minute + FloodPeriod);
            return;
        }
        var entity = new TableEntity(org.RootOrgId.ToString(), $"{Prefix}{RowKeys.NewestFirst(now)}:x:{Guid.NewGuid():N}");
        foreach (var (name, value) in labels)
        {
            entity[name] = value;
        }
        entity["Count"] = 1L;
        try
        {
            var table = await Table(cancellationToken);
            await table.AddEntityAsync(entity, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The request is refused either way; an outage of the log must not turn a 401 into a 503.
            LogWriteFailed(logger, org.Id, reason, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record an access failure of org {OrgId} ({Reason}): {Error}")]
    private static partial void LogWriteFailed(ILogger logger, Guid orgId, string reason, string error);

    /// <summary>
    /// The log of <paramref name="node"/>'s subtree, newest first within [<paramref name="start"/>,
    /// <paramref name="end"/>]; the rows of one counted line written by several instances are summed.
    /// </summary>
    public async Task<IReadOnlyList<AccessEntry>> ListAsync(Org node, DateTimeOffset? start, DateTimeOffset? end, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        // A counted line is keyed by its hour's start, so the hour that holds start is read too.
        var rows = table.NewestFirstWithin(node.RootOrgId.ToString(), Prefix, start is { } from ? Periods.Floor(from, SuccessPeriod) : null, end, cancellationToken);
        var within = node.Id.ToString();
        var page = await Merged(rows, cancellationToken)
            .PageAsync(e => e.Path.Contains(within, StringComparison.Ordinal) && (start is null || e.Entry.LastSeen >= start), skip, take, cancellationToken);
        return [.. page.Select(e => e.Entry)];
    }

    /// <summary>Counted rows end in ":{instance}" and are adjacent in key order; each group becomes one entry.</summary>
    private static async IAsyncEnumerable<(AccessEntry Entry, string Path)> Merged(IAsyncEnumerable<TableEntity> rows, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        (AccessEntry Entry, string Path, string Group)? pending = null;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            // A failure written on its own (":x:{unique}") is its own group.
            var group = row.RowKey.Contains(":x:", StringComparison.Ordinal) ? row.RowKey : row.RowKey[..row.RowKey.LastIndexOf(':')];
            var entry = ToEntry(row);
            if (pending is { } p && p.Group == group)
            {
                pending = (p.Entry with { Count = p.Entry.Count + entry.Count, LastSeen = Max(p.Entry.LastSeen, entry.LastSeen) }, p.Path, group);
                continue;
            }
            if (pending is { } done)
            {
                yield return (done.Entry, done.Path);
            }
            pending = (entry, row.GetString("Path") ?? "", group);
        }
        if (pending is { } last)
        {
            yield return (last.Entry, last.Path);
        }
    }

    private static readonly IReadOnlyDictionary<string, long> Once = new Dictionary<string, long> { ["Count"] = 1 };

    private static Dictionary<string, object?> Labels(Org org, DateTimeOffset timestamp, string? user, Guid? keyId, string action, string status, string? reason, string? ip, DateTimeOffset lastSeen) => new()
    {
        ["OrgId"] = org.Id.ToString(),
        // The node and its ancestors, so a node's log is the rows whose path names it.
        ["Path"] = string.Join('/', [.. org.Ancestors, org.Id]),
        ["At"] = timestamp,
        ["User"] = user,
        ["KeyId"] = keyId?.ToString(),
        ["Action"] = action,
        ["Status"] = status,
        ["Reason"] = reason,
        ["Ip"] = ip,
        ["LastSeen"] = lastSeen,
    };

    private static AccessEntry ToEntry(TableEntity e) => new(
        Guid.Parse(e.GetString("OrgId")),
        e.GetDateTimeOffset("At") ?? DateTimeOffset.UnixEpoch,
        e.GetString("User"),
        e.GetString("KeyId") is { } key ? Guid.Parse(key) : null,
        e.GetString("Action") ?? "",
        e.GetString("Status") ?? "",
        e.GetString("Reason"),
        e.GetString("Ip"),
        e.GetInt64("Count") ?? 1,
        e.GetDateTimeOffset("LastSeen") ?? DateTimeOffset.UnixEpoch);

    /// <summary>Who a key acts for: its node's email, or the name of a group or organization.</summary>
    public static string? User(Org org) => org.Email ?? org.OrgName;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Escape(string? ip) => ip is null ? "-" : RowKeys.Segment(ip);

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.AccessLog, cancellationToken);
}
