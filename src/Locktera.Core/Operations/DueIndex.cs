using System.Globalization;
using Azure.Data.Tables;
using Locktera.Core.Storage;

namespace Locktera.Core.Operations;

/// <summary>What one run of a timer did with its due rows: counts for the log and the timer's outcome row.</summary>
public sealed record SweepOutcome(int Done, int Skipped, int Failed)
{
    public override string ToString() => $"done {Done}, skipped {Skipped}, failed {Failed}";
}

/// <summary>One row of a <see cref="DueIndex"/>: its key (to remove it), when it is due, what it names and its properties.</summary>
public sealed record DueRow(string RowKey, DateTimeOffset Due, string Subject, TableEntity Entity);

/// <summary>
/// Work the timers find by time, without scanning what is not due: one partition per kind of work in
/// the table <c>{prefix}operations</c>, rows keyed "{due ticks, 19 digits}:{subject}" so that what is
/// due by now is one range read, oldest first. Writers add a row when they create the work (an
/// expiry, a deleted org, a started encode, a viewing session); the timer removes it once done, so a
/// run that stops part-way leaves the rest to the next one. A row may outlive its subject's change
/// (a container whose end moved): the timer checks the subject itself before acting.
/// </summary>
public sealed class DueIndex(StorageAccount storage)
{
    public const string Expiries = "expiry";
    public const string DeletedOrgs = "purge";
    public const string Encodes = "encodes";
    public const string Sessions = "sessions";

    /// <summary>How far a row whose work cannot be done yet moves, so that it does not keep its place at the front.</summary>
    public static readonly TimeSpan Postponement = TimeSpan.FromHours(1);

    /// <summary>What a read row holds beside the properties its writer gave (the table's own, and the subject).</summary>
    private static readonly HashSet<string> RowOwnProperties = ["PartitionKey", "RowKey", "Timestamp", "odata.etag", "Subject"];

    public async Task AddAsync(string kind, DateTimeOffset due, string subject, CancellationToken cancellationToken, IReadOnlyDictionary<string, object>? properties = null)
    {
        var table = await Table(cancellationToken);
        var row = new TableEntity(kind, Key(due, subject)) { ["Subject"] = subject };
        foreach (var (name, value) in properties ?? new Dictionary<string, object>())
        {
            row[name] = value;
        }
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The rows of <paramref name="kind"/> due at or before <paramref name="now"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<DueRow>> DueAsync(string kind, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var upper = Ticks(now) + ";";
        return await table.QueryAsync<TableEntity>(e => e.PartitionKey == kind && e.RowKey.CompareTo(upper) < 0, maxPerPage: limit, cancellationToken: cancellationToken)
            .Take(limit)
            .Select(e => new DueRow(e.RowKey, new DateTimeOffset(long.Parse(e.RowKey.AsSpan(0, 19), CultureInfo.InvariantCulture), TimeSpan.Zero), e.GetString("Subject") ?? "", e))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Does the work of each row of <paramref name="kind"/> due by <paramref name="now"/> (at most
    /// <paramref name="limit"/>). <paramref name="work"/> answers true (done) or false (nothing to do:
    /// the row is stale), and the row goes; null (not yet): the row moves <see cref="Postponement"/> on,
    /// so that rows waiting for something never crowd out the rest. A row whose work throws stays for
    /// the next run and is reported to <paramref name="failed"/>; the others go on.
    /// </summary>
    public async Task<SweepOutcome> DrainAsync(
        string kind, DateTimeOffset now, int limit, Func<DueRow, CancellationToken, Task<bool?>> work, Action<DueRow, Exception> failed, CancellationToken cancellationToken)
    {
        var (done, skipped, failures) = (0, 0, 0);
        foreach (var row in await DueAsync(kind, now, limit, cancellationToken))
        {
            try
            {
                var result = await work(row, cancellationToken);
                if (result is null)
                {
                    // The copy first: a crash between the two leaves the row twice, never not at all.
                    await AddAsync(kind, now + Postponement, row.Subject, cancellationToken,
                        row.Entity.Where(p => !RowOwnProperties.Contains(p.Key)).ToDictionary());
                }
                await RemoveAsync(kind, row, cancellationToken);
                if (result == true)
                {
                    done++;
                }
                else
                {
                    skipped++;
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                failed(row, e);
            }
        }
        return new SweepOutcome(done, skipped, failures);
    }

    /// <summary>Removes a row that is done with; removing one that is gone is no failure.</summary>
    public async Task RemoveAsync(string kind, DueRow row, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.DeleteEntityAsync(kind, row.RowKey, Azure.ETag.All, cancellationToken);
    }

    private static string Key(DateTimeOffset due, string subject) => $"{Ticks(due)}:{subject}";

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Operations, cancellationToken);
}
