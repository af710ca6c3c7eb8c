using Locktera.Core.Metering;
using Locktera.Core.Operations;

namespace Locktera.Functions.Timers;

/// <summary>
/// The usage figures behind consumption and stats: every five minutes the monthly figures are
/// recomputed from the raw counters, and once a day the storage figures are checked against the
/// container records. Each runs once per period across all instances (<see cref="TimerRuns"/>).
/// </summary>
public sealed class Metering(TimerRuns runs, UsageRollup rollup)
{
    private const string Schedule = "0 */5 * * * *";
    private static readonly TimeSpan RollUpPeriod = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StorageCheckPeriod = TimeSpan.FromDays(1);

    [Function("RollUpUsage")]
    public async Task RollUp([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        await runs.RunAsync("usage-rollup", RollUpPeriod,
            async ct => $"{await rollup.RollUpAsync(ct)} org-months rolled up", cancellationToken);
        await runs.RunAsync("storage-check", StorageCheckPeriod,
            async ct => $"{await rollup.VerifyStorageAsync(ct)} orgs' storage figures corrected", cancellationToken);
    }
}
