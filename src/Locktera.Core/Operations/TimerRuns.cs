using Microsoft.Extensions.Logging;

namespace Locktera.Core.Operations;

/// <summary>
/// Makes each timer run once per period across all instances (table <c>{prefix}timerruns</c>, one row
/// per timer). A run claims its period — now rounded down to the period — by moving the row's
/// <c>Period</c> forward under its ETag; every other instance that fires for the same period finds it
/// claimed and skips. A run that fails part-way leaves the rest to the next period's run, which is why
/// every timer's work is written to be resumable.
/// </summary>
public sealed partial class TimerRuns(StorageAccount storage, TimeProvider time, ILogger<TimerRuns> logger)
{
    /// <summary>
    /// A timer's run: claims the period, does <paramref name="work"/> if this caller won it, then logs and
    /// records the outcome <paramref name="work"/> describes. Null when another instance has the period.
    /// </summary>
    public async Task<string?> RunAsync(string timer, TimeSpan period, Func<CancellationToken, Task<string>> work, CancellationToken cancellationToken)
    {
        if (!await ClaimAsync(timer, period, cancellationToken))
        {
            return null;
        }
        var outcome = await work(cancellationToken);
        LogRan(logger, timer, outcome);
        await CompleteAsync(timer, outcome, cancellationToken);
        return outcome;
    }

    /// <summary>True when this caller won the current period of <paramref name="timer"/> and should run it.</summary>
    public async Task<bool> ClaimAsync(string timer, TimeSpan period, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = Periods.Floor(now, period);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {Timer} ran: {Outcome}")]
    private static partial void LogRan(ILogger logger, string timer, string outcome);
}
