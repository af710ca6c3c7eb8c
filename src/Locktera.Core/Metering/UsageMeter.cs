using Azure;

namespace Locktera.Core.Metering;

/// <summary>The counters metered per org.</summary>
public static class Counters
{
    public const string ApiCalls = "ApiCalls";
    public const string Encodes = "Encodes";
    public const string Decodes = "Decodes";
    public const string BytesIn = "BytesIn";
    public const string BytesOut = "BytesOut";
    public const string Events = "Events";

    public static readonly IReadOnlyList<string> All = [ApiCalls, Encodes, Decodes, BytesIn, BytesOut, Events];
}

/// <summary>
/// Meters what each org uses (table <c>{prefix}usage</c>). Per-request counts (API calls, decodes,
/// bytes, events) go through <see cref="CounterBuffer"/> into raw rows of one partition per day,
/// "d:{yyyy-MM-dd}" / "{org}:{who}:{instance}" (who is the key, or "viewer", or "-"), which the
/// roll-up sums into monthly figures; no request waits for a storage write. Storage in use changes
/// only on encode and delete, and is kept exactly in "storage" / "{org}" under ETags.
/// </summary>
public sealed class UsageMeter(StorageAccount storage, CounterBuffer counters, TimeProvider time)
{
    public const string StoragePartition = "storage";
    public const string NoSubject = "-";

    /// <summary>Adds to today's raw counters of <paramref name="orgId"/>, attributed to <paramref name="subject"/>.</summary>
    public void Count(Guid orgId, string subject, string counter, long amount = 1)
    {
        var now = time.GetUtcNow();
        var day = now.UtcDateTime.Date;
        counters.Add(storage.Names.Usage, DayPartition(day), $"{orgId:N}:{subject}", new Dictionary<string, long> { [counter] = amount },
            new Dictionary<string, object?> { ["OrgId"] = orgId.ToString(), ["Subject"] = subject }, new DateTimeOffset(day.AddDays(1), TimeSpan.Zero));
    }

    /// <summary>An encode stored <paramref name="storedBytes"/> from <paramref name="plainBytes"/> sent.</summary>
    public async Task EncodedAsync(Guid orgId, string subject, long plainBytes, long storedBytes, CancellationToken cancellationToken)
    {
        Count(orgId, subject, Counters.Encodes);
        Count(orgId, subject, Counters.BytesIn, plainBytes);
        await ChangeStorageAsync(orgId, storedBytes, 1, cancellationToken);
    }

    public Task DeletedAsync(Guid orgId, long storedBytes, CancellationToken cancellationToken) =>
        ChangeStorageAsync(orgId, -storedBytes, -1, cancellationToken);

    /// <summary>What the org stores now: bytes and containers.</summary>
    public async Task<StorageUse> StorageAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(StoragePartition, orgId.ToString(), cancellationToken: cancellationToken);
        return row.HasValue ? ToStorageUse(row.Value!) : new StorageUse(0, 0);
    }

    /// <summary>
    /// Sets the org's storage figures to what <paramref name="count"/> finds in its container records.
    /// The figures are read (with their ETag) before the count and written under that ETag: an encode
    /// or delete that changes them while the records are counted makes the count stale, and then
    /// nothing is written (the next check counts again). Returns the figures found and the count, or
    /// null when they changed meanwhile.
    /// </summary>
    public async Task<(StorageUse Kept, StorageUse Actual)?> CorrectStorageAsync(Guid orgId, Func<CancellationToken, Task<StorageUse>> count, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(StoragePartition, orgId.ToString(), cancellationToken: cancellationToken);
        var kept = row.HasValue ? ToStorageUse(row.Value!) : new StorageUse(0, 0);
        var actual = await count(cancellationToken);
        if (kept == actual)
        {
            return (kept, actual);
        }
        try
        {
            await (row.HasValue
                ? table.UpdateEntityAsync(StorageEntity(orgId, actual), row.Value!.ETag, TableUpdateMode.Replace, cancellationToken)
                : table.AddEntityAsync(StorageEntity(orgId, actual), cancellationToken));
            return (kept, actual);
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return null;
        }
    }

    /// <summary>The storage figures of every org that has them, in one partition read.</summary>
    public async Task<IReadOnlyDictionary<Guid, StorageUse>> AllStorageAsync(CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.QueryAsync<TableEntity>(e => e.PartitionKey == StoragePartition, cancellationToken: cancellationToken)
            .ToDictionaryAsync(row => Guid.Parse(row.RowKey), row => ToStorageUse(row), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Removes a deleted org's storage figures and the raw counters the roll-up still reads (this
    /// month's and last month's), so the roll-up does not bring its figures back. Its monthly rows go
    /// with its partition.
    /// </summary>
    public async Task<int> ForgetAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.DeleteEntityAsync(StoragePartition, orgId.ToString(), ETag.All, cancellationToken);
        var removed = 0;
        var today = time.GetUtcNow().UtcDateTime.Date;
        for (var day = new DateTime(today.Year, today.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1); day <= today; day = day.AddDays(1))
        {
            removed += await table.DeletePartitionAsync(DayPartition(day), cancellationToken, $"{orgId:N}:");
        }
        return removed;
    }

    public static string DayPartition(DateTime day) => "d:" + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task ChangeStorageAsync(Guid orgId, long bytes, int containers, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.UpdateAsync(StoragePartition, orgId.ToString(), row =>
        {
            var current = row is null ? new StorageUse(0, 0) : ToStorageUse(row);
            return (StorageEntity(orgId, new StorageUse(Math.Max(0, current.Bytes + bytes), Math.Max(0, current.Containers + containers))), true);
        }, cancellationToken);
    }

    private static TableEntity StorageEntity(Guid orgId, StorageUse use) => new(StoragePartition, orgId.ToString())
    {
        ["Bytes"] = use.Bytes,
        ["Containers"] = use.Containers,
    };

    private static StorageUse ToStorageUse(TableEntity e) => new(e.GetInt64("Bytes") ?? 0, e.GetInt64("Containers") ?? 0);

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Usage, cancellationToken);
}

/// <summary>Stored bytes and containers of an org.</summary>
public sealed record StorageUse(long Bytes, long Containers);
