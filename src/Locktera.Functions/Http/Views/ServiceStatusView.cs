using Locktera.Core.Health;

namespace Locktera.Functions.Http;

/// <summary>
/// The status in the shape of upstream's status page (<c>status</c>, <c>services</c>, <c>timestamp</c>)
/// and, in the same body, its SPEC's short form: <c>api</c>, <c>auth</c>, <c>storage</c> as
/// <c>up</c> or <c>down</c> (down only in a major outage; storage counts tables and blobs).
/// </summary>
public sealed class ServiceStatusView(HealthReport report)
{
    public string Status { get; } = Name(report.Overall);
    public IReadOnlyDictionary<string, string> Services { get; } = report.Services.ToDictionary(s => s.Key, s => Name(s.Value));
    public DateTimeOffset Timestamp { get; } = report.Timestamp;
    public string Api { get; } = UpOrDown(report, "api");
    public string Auth { get; } = UpOrDown(report, "authentication");
    public string Storage { get; } = UpOrDown(report, "storage", "tables");

    private static string UpOrDown(HealthReport report, params string[] services) =>
        services.Any(s => report.Services.GetValueOrDefault(s) == ServiceState.MajorOutage) ? "down" : "up";

    private static string Name(ServiceState state) => state switch
    {
        ServiceState.Operational => "Operational",
        ServiceState.DegradedPerformance => "Degraded Performance",
        _ => "Major Outage",
    };
}
