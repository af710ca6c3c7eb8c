using Locktera.Core.Operations;

namespace Locktera.Functions.Timers;

/// <summary>
/// Timers that keep the data in order: the expiry sweep and the purge. Each runs once per period
/// across all instances (<see cref="TimerRuns"/>), logs and records what it did, and leaves what it
/// could not do to its next run. Schedules are six-field CRON (seconds first) and must match the
/// periods claimed.
/// </summary>
public sealed class Maintenance(TimerRuns runs, ExpirySweep expiry, OrgPurge purge)
{
    private const string ExpirySchedule = "0 */5 * * * *";
    private static readonly TimeSpan ExpiryPeriod = TimeSpan.FromMinutes(5);
    private const string PurgeSchedule = "0 30 * * * *";
    private static readonly TimeSpan PurgePeriod = TimeSpan.FromHours(1);

    [Function("ExpirySweep")]
    public Task Expire([TimerTrigger(ExpirySchedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        runs.RunAsync("ExpirySweep", ExpiryPeriod, async ct => (await expiry.RunAsync(ct)).ToString(), cancellationToken);

    [Function("Purge")]
    public Task Purge([TimerTrigger(PurgeSchedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        runs.RunAsync("Purge", PurgePeriod, async ct => (await purge.RunAsync(ct)).ToString(), cancellationToken);
}
