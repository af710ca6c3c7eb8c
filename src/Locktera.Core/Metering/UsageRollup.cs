using Locktera.Core.Containers;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Metering;

/// <summary>One org's figures for one month, as of the roll-up that computed them.</summary>
public sealed record MonthlyUsage(
    Guid OrgId, string Month, long ApiCalls, long Encodes, long Decodes, long BytesIn, long BytesOut, long Events, long StorageBytes, long Containers, DateTimeOffset? AsOf)
{
    private const double BytesPerGb = 1_000_000_000;

    public static MonthlyUsage Empty(Guid orgId, string month) => new(orgId, month, 0, 0, 0, 0, 0, 0, 0, 0, null);

    /// <summary>Stored bytes in GB (10^9), to the byte: upstream's <c>storage_used</c>.</summary>
    public double StorageUsedGb => Math.Round(StorageBytes / BytesPerGb, 6);

    public MonthlyUsage Plus(MonthlyUsage other) => this with
    {
        ApiCalls = ApiCalls + other.ApiCalls,
        Encodes = Encodes + other.Encodes,
        Decodes = Decodes + other.Decodes,
        BytesIn = BytesIn + other.BytesIn,
        BytesOut = BytesOut + other.BytesOut,
        Events = Events + other.Events,
        StorageBytes = StorageBytes + other.StorageBytes,
        Containers = Containers + other.Containers,
        // Combined figures are as fresh as the stalest of them.
        AsOf = (AsOf, other.AsOf) switch
        {
            (null, var o) => o,
            (var a, null) => a,
            var (a, o) => a < o ? a : o,
        },
    };
}

/// <summary>
/// Turns the raw daily counters into monthly figures per org ("{org}" / "m:{yyyy-MM}" in the usage
/// table). Each run recomputes the months it touches from the raw rows and replaces their figures, so
/// it is idempotent: running twice, late, or on two instances gives the same exact result. A month is
/// recomputed until an hour after it ended (every instance has flushed by then), then marked final.
/// The storage figures are checked against the container records once a day.
/// </summary>
public sealed partial class UsageRollup(StorageAccount storage, UsageMeter meter, ContainerStore containers, TimeProvider time, ILogger<UsageRollup> logger)
{
    public static readonly TimeSpan FinalAfter = TimeSpan.FromHours(1);
    private const string FinalPartition = "rollup";
    private const string MonthPrefix = "m:";

    /// <summary>Recomputes the current month, and the previous one until it is final; returns the month rows written.</summary>
    public async Task<int> RollUpAsync(CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var current = Periods.MonthStart(now);
        var written = 0;
        foreach (var month in new[] { current.AddMonths(-1), current })
        {
            var name = MonthName(month);
            if ((await table.GetEntityIfExistsAsync<TableEntity>(FinalPartition, name, cancellationToken: cancellationToken)).HasValue)
            {
                continue;
            }
            written += await RollUpMonthAsync(table, month, now, cancellationToken);
            if (now >= month.AddMonths(1) + FinalAfter)
            {
                await table.UpsertEntityAsync(new TableEntity(FinalPartition, name) { ["FinalAt"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
            }
        }
        return written;
    }

    /// <summary>The org's rolled-up months from <paramref name="from"/> to <paramref name="to"/> (inclusive, "yyyy-MM"), missing months omitted.</summary>
    public async Task<IReadOnlyList<MonthlyUsage>> MonthsAsync(Guid orgId, string from, string to, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = orgId.ToString();
        var (low, high) = (MonthPrefix + from, MonthPrefix + to);
        return await table.QueryAsync<TableEntity>(e => e.PartitionKey == partition && e.RowKey.CompareTo(low) >= 0 && e.RowKey.CompareTo(high) <= 0, cancellationToken: cancellationToken)
            .Select(row => ToMonthly(orgId, row)).ToListAsync(cancellationToken);
    }

    /// <summary>Sets every org's storage figures to what its container records say; returns how many were off.</summary>
    public async Task<int> VerifyStorageAsync(CancellationToken cancellationToken)
    {
        var corrected = 0;
        foreach (var orgId in (await meter.AllStorageAsync(cancellationToken)).Keys)
        {
            if (await meter.CorrectStorageAsync(orgId, ct => CountStoredAsync(orgId, ct), cancellationToken) is var (kept, actual) && kept != actual)
            {
                corrected++;
                LogStorageCorrected(logger, orgId, kept.Bytes, actual.Bytes);
            }
        }
        return corrected;
    }

    /// <summary>What an org's container records say it stores.</summary>
    private async Task<StorageUse> CountStoredAsync(Guid orgId, CancellationToken cancellationToken)
    {
        long bytes = 0, count = 0;
        await foreach (var record in containers.ListAsync(orgId, null, cancellationToken))
        {
            if (record.Status != ContainerStatus.Pending)
            {
                bytes += record.Size;
                count++;
            }
        }
        return new StorageUse(bytes, count);
    }

    private async Task<int> RollUpMonthAsync(TableClient table, DateTime month, DateTime now, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<Guid, long[]>();
        for (var day = month; day < month.AddMonths(1) && day <= now; day = day.AddDays(1))
        {
            var partition = UsageMeter.DayPartition(day);
            await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
            {
                var orgId = Guid.Parse(row.GetString("OrgId"));
                var sums = totals.TryGetValue(orgId, out var s) ? s : totals[orgId] = new long[Counters.All.Count];
                for (var i = 0; i < Counters.All.Count; i++)
                {
                    sums[i] += row.GetInt64(Counters.All[i]) ?? 0;
                }
            }
        }
        var asOf = time.GetUtcNow();
        var storage = await meter.AllStorageAsync(cancellationToken);
        foreach (var (orgId, sums) in totals)
        {
            var stored = storage.GetValueOrDefault(orgId) ?? new StorageUse(0, 0);
            var entity = new TableEntity(orgId.ToString(), MonthPrefix + MonthName(month))
            {
                ["StorageBytes"] = stored.Bytes,
                ["Containers"] = stored.Containers,
                ["AsOf"] = asOf,
            };
            for (var i = 0; i < Counters.All.Count; i++)
            {
                entity[Counters.All[i]] = sums[i];
            }
            await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        }
        return totals.Count;
    }

    public static string MonthName(DateTime month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static MonthlyUsage ToMonthly(Guid orgId, TableEntity e) => new(
        orgId,
        e.RowKey[MonthPrefix.Length..],
        e.GetInt64(Counters.ApiCalls) ?? 0,
        e.GetInt64(Counters.Encodes) ?? 0,
        e.GetInt64(Counters.Decodes) ?? 0,
        e.GetInt64(Counters.BytesIn) ?? 0,
        e.GetInt64(Counters.BytesOut) ?? 0,
        e.GetInt64(Counters.Events) ?? 0,
        e.GetInt64("StorageBytes") ?? 0,
        e.GetInt64("Containers") ?? 0,
        e.GetDateTimeOffset("AsOf"));

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Usage, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage figures of org {OrgId} were {Kept} bytes; its containers hold {Actual}: corrected")]
    private static partial void LogStorageCorrected(ILogger logger, Guid orgId, long kept, long actual);
}
