using System.Text.Json;
using Locktera.Core.Health;
using Locktera.Functions.Http;

namespace Locktera.Functions.Tests.Unit;

/// <summary>The status body carries upstream's two shapes; the short one says down only in a major outage.</summary>
public class ServiceStatusViewTests
{
    private static JsonElement View(ServiceState authentication, ServiceState storage, ServiceState tables)
    {
        var services = new Dictionary<string, ServiceState>
        {
            ["api"] = ServiceState.Operational, ["authentication"] = authentication, ["storage"] = storage, ["tables"] = tables,
        };
        var report = new HealthReport(services.Values.Max(), services, new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        return JsonSerializer.SerializeToElement(new ServiceStatusView(report), ApiJson.Options);
    }

    [Theory]
    [InlineData(ServiceState.Operational, ServiceState.Operational, ServiceState.Operational, "up", "up", "Operational")]
    [InlineData(ServiceState.DegradedPerformance, ServiceState.DegradedPerformance, ServiceState.Operational, "up", "up", "Degraded Performance")]
    [InlineData(ServiceState.Operational, ServiceState.MajorOutage, ServiceState.Operational, "up", "down", "Major Outage")]
    [InlineData(ServiceState.MajorOutage, ServiceState.Operational, ServiceState.MajorOutage, "down", "down", "Major Outage")]
    public void Both_shapes_agree(ServiceState authentication, ServiceState storage, ServiceState tables, string auth, string storageShort, string status)
    {
        var body = View(authentication, storage, tables);
        Assert.Equal(status, body.GetProperty("status").GetString());
        Assert.Equal("up", body.GetProperty("api").GetString());
        Assert.Equal(auth, body.GetProperty("auth").GetString());
        Assert.Equal(storageShort, body.GetProperty("storage").GetString());
        Assert.Equal("2026-03-01T12:00:00.000Z", body.GetProperty("timestamp").GetString());
        Assert.Equal(["api", "authentication", "storage", "tables"], body.GetProperty("services").EnumerateObject().Select(p => p.Name));
    }
}
