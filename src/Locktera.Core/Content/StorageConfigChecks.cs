using Microsoft.Extensions.Logging;

namespace Locktera.Core.Content;

/// <summary>
/// Probes the storage each organization configured for itself (its Azure container or S3 bucket),
/// as a save does, and notes the finding on the configuration (<see cref="StorageConfig.LastCheck"/>,
/// shown by <c>GET …/storage_config</c>). A customer's storage failing is that org's problem, not the
/// platform's: it does not change the service status.
/// </summary>
public sealed partial class StorageConfigChecks(StorageConfigStore configs, ContentStores stores, TimeProvider time, ILogger<StorageConfigChecks> logger)
{
    /// <summary>Probes at once at most; each may wait on a slow endpoint.</summary>
    private const int Parallelism = 8;

    /// <summary>Checks every org's current configuration; answers how many were healthy and how many not.</summary>
    public async Task<(int Healthy, int Unhealthy)> RunAsync(CancellationToken cancellationToken)
    {
        var (healthy, unhealthy) = (0, 0);
        var own = configs.AllCurrentAsync(cancellationToken).Where(c => c.Settings.Type != StorageType.Default);
        await Parallel.ForEachAsync(own, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (config, ct) =>
        {
            try
            {
                var store = await stores.ForStoredAsync(config.OrgId, config.Id.ToString(), ct);
                var problem = await StorageConfigService.ProblemAsync(store, ct);
                await configs.RecordCheckAsync(config, new StorageCheck(time.GetUtcNow(), problem is null, problem), ct);
                if (problem is null)
                {
                    Interlocked.Increment(ref healthy);
                }
                else
                {
                    Interlocked.Increment(ref unhealthy);
                    LogUnhealthy(logger, config.OrgId, config.Settings.Type.ToName(), problem);
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Recording failed (the platform's tables, most likely): the next run checks again.
                LogCheckFailed(logger, config.OrgId, e.GetType().Name);
            }
        });
        return (healthy, unhealthy);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage of org {OrgId} ({Type}) failed its check: {Reason}")]
    private static partial void LogUnhealthy(ILogger logger, Guid orgId, string type, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage check of org {OrgId} could not be recorded: {Error}")]
    private static partial void LogCheckFailed(ILogger logger, Guid orgId, string error);
}
