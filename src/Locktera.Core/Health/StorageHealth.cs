using System.Diagnostics;
using Locktera.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Health;

public enum ServiceState
{
    Operational,
    DegradedPerformance,
    MajorOutage,
}

public sealed record HealthReport(ServiceState Overall, IReadOnlyDictionary<string, ServiceState> Services, DateTimeOffset Timestamp);

/// <summary>Live probes of the platform's storage, for the service status route.</summary>
public sealed partial class StorageHealth(StorageAccount storage, TimeProvider time, ILogger<StorageHealth> logger)
{
    /// <summary>A probe slower than this reports degraded performance rather than operational.</summary>
    public static readonly TimeSpan SlowProbe = TimeSpan.FromSeconds(2);

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var tables = Probe("tables", () => storage.TableService.GetPropertiesAsync(cancellationToken), cancellationToken);
        var blobs = Probe("storage", () => storage.BlobService.GetPropertiesAsync(cancellationToken), cancellationToken);
        var tableState = await tables;
        var blobState = await blobs;
        var services = new Dictionary<string, ServiceState>
        {
            ["api"] = ServiceState.Operational,
            // Authentication reads keys from table storage, so it is exactly as healthy as tables.
            ["authentication"] = tableState,
            ["storage"] = blobState,
            ["tables"] = tableState,
        };
        return new HealthReport(services.Values.Max(), services, time.GetUtcNow());
    }

    private async Task<ServiceState> Probe(string name, Func<Task> probe, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await probe();
            return watch.Elapsed > SlowProbe ? ServiceState.DegradedPerformance : ServiceState.Operational;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogProbeFailed(logger, name, e.GetType().Name);
            return ServiceState.MajorOutage;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health probe of {Service} failed: {Error}")]
    private static partial void LogProbeFailed(ILogger logger, string service, string error);
}
