namespace Locktera.Core.Operations;

/// <summary>
/// What one run of a timer did with its due rows: counts for the log and the timer's outcome row, and
/// whether it stopped because its time budget was spent (the rest waits for the next run).
/// </summary>
public sealed record SweepOutcome(int Done, int Skipped, int Failed, bool BudgetSpent = false)
{
    public override string ToString() => $"done {Done}, skipped {Skipped}, failed {Failed}" + (BudgetSpent ? ", budget spent (the rest is left to the next run)" : "");
}

/// <summary>One row of a <see cref="DueIndex"/>: its key (to remove it), when it is due, what it names and its properties.</summary>
public sealed record DueRow(string RowKey, DateTimeOffset Due, string Subject, TableEntity Entity);

/// <summary>
/// Work the timers find by time, without scanning what is not due: one partition per kind of work in
/// the table <c>{prefix}operations</c>, rows keyed "{due ticks, 19 digits}:{subject}" so that what is
/// due by now is one range read, oldest first. Writers add a row when they create work that may need
/// doing later (an expiry, a deleted org, an encode until it commits, a viewing session); the timer
/// removes it once done, so a run that stops part-way leaves the rest to the next one. A row may
/// outlive its subject's change (a container whose end moved): the timer checks the subject itself
/// before acting.
/// </summary>
public sealed class DueIndex(StorageAccount storage, TimeProvider time)
{
    public const string Expiries = "expiry";
    public const string DeletedOrgs = "purge";
    public const string Encodes = "encodes";
    public const string Sessions = "sessions";
    public const string Uploads = "uploads";

    /// <summary>
    /// Rows read per request while draining. A row's work costs two or more round trips, so a page's
    /// read is a small share of the run however small the page.
    /// </summary>
    public const int PageSize = 100;

    /// <summary>Rows worked on at once: their work is independent and mostly waiting on storage.</summary>
    public const int Parallelism = 8;

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
    public async Task<IReadOnlyList<DueRow>> DueAsync(string kind, DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        await (await QueryAsync(kind, now, limit, cancellationToken)).Take(limit).Select(ToRow).ToListAsync(cancellationToken);

    /// <summary>
    /// Does the work of the rows of <paramref name="kind"/> due by <paramref name="now"/>, oldest first,
    /// until none is left or <paramref name="budget"/> is spent: then no further row is started, and the
    /// rows not reached stay for the next run. <paramref name="work"/> answers true (done) or false
    /// (nothing to do: the row is stale), and the row goes; null (not yet): the row moves
    /// <see cref="Postponement"/> on, so that rows waiting for something never crowd out the rest. A
    /// row whose work throws stays for the next run and is reported to <paramref name="failed"/>; the
    /// others go on. Each row is removed only after its work, so a stop at any point loses nothing.
    /// </summary>
    public async Task<SweepOutcome> DrainAsync(
        string kind, DateTimeOffset now, TimeSpan budget, Func<DueRow, CancellationToken, Task<bool?>> work, Action<DueRow, Exception> failed, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var (done, skipped, failures, spent) = (0, 0, 0, false);
        // One range read, page by page as the work goes on: a failed row, which stays, is behind the read and not met again.
        var rows = await QueryAsync(kind, now, PageSize, cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            // Stopping takes no new row; the rows under way finish (their work is given the caller's token, not stop's).
            await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stop.Token }, async (entity, _) =>
            {
                if (time.GetElapsedTime(started) >= budget)
                {
                    spent = true;
                    await stop.CancelAsync();
                    return;
                }
                var row = ToRow(entity);
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
                        Interlocked.Increment(ref done);
                    }
                    else
                    {
                        Interlocked.Increment(ref skipped);
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failures);
                    failed(row, e);
                }
            });
        }
        catch (OperationCanceledException) when (spent && !cancellationToken.IsCancellationRequested)
        {
            // The budget is spent: what was not reached waits for the next run.
        }
        return new SweepOutcome(done, skipped, failures, spent);
    }

    /// <summary>Removes a row that is done with; removing one that is gone is no failure.</summary>
    public Task RemoveAsync(string kind, DueRow row, CancellationToken cancellationToken) => RemoveAsync(kind, row.RowKey, cancellationToken);

    /// <summary>Removes the row <see cref="AddAsync"/> wrote for <paramref name="subject"/> due at <paramref name="due"/>, once its work turned out to need none.</summary>
    public Task RemoveAsync(string kind, DateTimeOffset due, string subject, CancellationToken cancellationToken) => RemoveAsync(kind, Key(due, subject), cancellationToken);

    private async Task RemoveAsync(string kind, string rowKey, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.DeleteEntityAsync(kind, rowKey, Azure.ETag.All, cancellationToken);
    }

    private async Task<Azure.AsyncPageable<TableEntity>> QueryAsync(string kind, DateTimeOffset now, int pageSize, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var upper = Ticks(now) + ";";
        return table.QueryAsync<TableEntity>(e => e.PartitionKey == kind && e.RowKey.CompareTo(upper) < 0, maxPerPage: pageSize, cancellationToken: cancellationToken);
    }

    private static DueRow ToRow(TableEntity e) =>
        new(e.RowKey, new DateTimeOffset(long.Parse(e.RowKey.AsSpan(0, 19), CultureInfo.InvariantCulture), TimeSpan.Zero), e.GetString("Subject") ?? "", e);

    private static string Key(DateTimeOffset due, string subject) => $"{Ticks(due)}:{subject}";

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Operations, cancellationToken);
}
