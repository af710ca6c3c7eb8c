using Azure.Data.Tables;
using Locktera.Core.Storage;

namespace Locktera.Core.Operations;

/// <summary>
/// Makes each timer run once per period across all instances (table <c>{prefix}timerruns</c>, one row
/// per timer). A run claims its period — now rounded down to the period — by moving the row's
/// <c>Period</c> forward under its ETag; every other instance that fires for the same period finds it
/// claimed and skips. A run that fails part-way leaves the rest to the next period's run, which is why
/// every timer's work is written to be resumable.
/// </summary>
public sealed class TimerRuns(StorageAccount storage, TimeProvider time)
{
    /// <summary>True when this caller won the current period of <paramref name="timer"/> and should run it.</summary>
    public async Task<bool> ClaimAsync(string timer, TimeSpan period, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % period.Ticks), TimeSpan.Zero);
        var table = await storage.TableAsync(storage.Names.TimerRuns, cancellationToken);
        return await table.UpdateAsync<bool>("timer", timer, row =>
        {
            if (row?.GetDateTimeOffset("Period") is { } claimed && claimed >= current)
            {
                return (null, false);
            }
            return (new TableEntity("timer", timer) { ["Period"] = current, ["StartedAt"] = now }, true);
        }, cancellationToken);
    }

    /// <summary>Notes what the run did, for operators reading the table (the logs say it too).</summary>
    public async Task CompleteAsync(string timer, string outcome, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(storage.Names.TimerRuns, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity("timer", timer) { ["FinishedAt"] = time.GetUtcNow(), ["Outcome"] = outcome }, TableUpdateMode.Merge, cancellationToken);
    }
}
