using Locktera.Core.Content;
using Locktera.Core.Health;
using Locktera.Core.Operations;
using Microsoft.Extensions.Logging;

namespace Locktera.Functions.Timers;

/// <summary>
/// Every minute (<see cref="StorageHealth.ProbePeriod"/>): each instance probes the platform's tables,
/// blobs and key material and keeps the result for its own status answers; the one instance that
/// claims the minute writes the snapshot for all and checks every org's own storage.
/// </summary>
public sealed partial class HealthChecks(TimerRuns runs, StorageHealth health, StorageConfigChecks storageChecks, ILogger<HealthChecks> logger)
{
    private const string Name = "HealthChecks";

    [Function(Name)]
    public async Task Run([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await health.SnapshotAsync(cancellationToken);
        if (report.Services["tables"] == ServiceState.MajorOutage)
        {
            // No table to claim the minute in or to write to: this instance's snapshot says it.
            LogTablesDown(logger, report.Overall);
            return;
        }
        await runs.RunAsync(Name, StorageHealth.ProbePeriod, async ct =>
        {
            await health.WriteAsync(report, ct);
            var (healthy, unhealthy) = await storageChecks.RunAsync(ct);
            return $"{report.Overall}; customer storage healthy {healthy}, unhealthy {unhealthy}";
        }, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check: tables unreachable, status {Overall} kept in this instance only")]
    private static partial void LogTablesDown(ILogger logger, ServiceState overall);
}
