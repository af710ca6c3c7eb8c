using System.Diagnostics;
using System.Text.Json;
using Locktera.Core.Security;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Health;

public enum ServiceState
{
    Operational,
    DegradedPerformance,
    MajorOutage,
}

public sealed record HealthReport(ServiceState Overall, IReadOnlyDictionary<string, ServiceState> Services, DateTimeOffset Timestamp);

/// <summary>
/// Health of the platform's parts: live probes of table storage, blob storage and the key material,
/// and the snapshots the health timer records of them (one row, <c>health/latest</c> in the
/// operations table, plus the newest in this instance's memory, which survives an outage of the
/// very tables the row lives in). The status route answers from the newest snapshot, and probes
/// live when there is none younger than <see cref="StaleAfter"/>.
/// </summary>
public sealed partial class StorageHealth(StorageAccount storage, MasterKey masterKey, TimeProvider time, ILogger<StorageHealth> logger)
{
    /// <summary>A probe slower than this reports degraded performance rather than operational.</summary>
    public static readonly TimeSpan SlowProbe = TimeSpan.FromSeconds(2);

    /// <summary>How often the health timer records a snapshot (its schedule says the same).</summary>
    public static readonly TimeSpan ProbePeriod = TimeSpan.FromMinutes(1);

    /// <summary>A snapshot older than two probe periods means the timer is not running: the route then probes itself.</summary>
    public static readonly TimeSpan StaleAfter = 2 * ProbePeriod;

    private const string SnapshotPartition = "health";
    private const string SnapshotRow = "latest";
    private const string KeyProbeBinding = "probe";
    private static readonly byte[] KeyProbe = "locktera health"u8.ToArray();

    private readonly SecretBox _keyProbe = new(masterKey, "health");
    private HealthReport? _recorded;

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var tables = Probe("tables", () => storage.TableService.GetPropertiesAsync(cancellationToken), cancellationToken);
        var blobs = Probe("storage", () => storage.BlobService.GetPropertiesAsync(cancellationToken), cancellationToken);
        // The keys derived from the master key seal org private keys and storage secrets, and sign viewer tokens.
        var keys = await Probe("keys", () => Task.FromResult(_keyProbe.Open(_keyProbe.Seal(KeyProbe, KeyProbeBinding), KeyProbeBinding)), cancellationToken);
        var tableState = await tables;
        var blobState = await blobs;
        var services = new Dictionary<string, ServiceState>
        {
            ["api"] = ServiceState.Operational,
            // Authentication reads keys from table storage and needs the key material for viewer tokens.
            ["authentication"] = (ServiceState)Math.Max((int)tableState, (int)keys),
            ["storage"] = blobState,
            ["tables"] = tableState,
        };
        return new HealthReport(services.Values.Max(), services, time.GetUtcNow());
    }

    /// <summary>Probes now and keeps the result as this instance's newest snapshot, which needs no storage to be kept.</summary>
    public async Task<HealthReport> SnapshotAsync(CancellationToken cancellationToken)
    {
        var report = await CheckAsync(cancellationToken);
        _recorded = report;
        return report;
    }

    /// <summary>Writes a snapshot for every instance to answer from.</summary>
    public async Task WriteAsync(HealthReport report, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(storage.Names.Operations, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(SnapshotPartition, SnapshotRow)
        {
            ["Overall"] = report.Overall.ToString(),
            ["Services"] = JsonSerializer.Serialize(report.Services.ToDictionary(s => s.Key, s => s.Value.ToString())),
            ["TakenAt"] = report.Timestamp,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// This instance's own snapshot while it is fresh (every instance probes each minute), else the stored
    /// one, else a live check. The public status route thus costs no storage read on an instance whose
    /// timer runs, however often it is called.
    /// </summary>
    public async Task<HealthReport> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_recorded is { } own && IsFresh(own))
        {
            return own;
        }
        return await StoredAsync(cancellationToken) is { } stored && IsFresh(stored) ? stored : await CheckAsync(cancellationToken);
    }

    private bool IsFresh(HealthReport report) => time.GetUtcNow() - report.Timestamp <= StaleAfter;

    private async Task<HealthReport?> StoredAsync(CancellationToken cancellationToken)
    {
        try
        {
            var table = await storage.TableAsync(storage.Names.Operations, cancellationToken);
            var row = await table.GetEntityIfExistsAsync<TableEntity>(SnapshotPartition, SnapshotRow, cancellationToken: cancellationToken);
            if (!row.HasValue)
            {
                return null;
            }
            var e = row.Value!;
            var services = JsonSerializer.Deserialize<Dictionary<string, string>>(e.GetString("Services") ?? "{}") ?? [];
            return new HealthReport(
                Enum.Parse<ServiceState>(e.GetString("Overall") ?? nameof(ServiceState.MajorOutage)),
                services.ToDictionary(s => s.Key, s => Enum.Parse<ServiceState>(s.Value)),
                e.GetDateTimeOffset("TakenAt") ?? DateTimeOffset.MinValue);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Tables unreachable: the live check that follows reports exactly that.
            LogSnapshotNotRead(logger, e.GetType().Name);
            return null;
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health snapshot could not be read: {Error}; checking live")]
    private static partial void LogSnapshotNotRead(ILogger logger, string error);
}
