using Locktera.Core.Health;
using Locktera.Core.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The status answers from a fresh snapshot, whichever instance wrote it, and checks live once it is stale.</summary>
public class HealthSnapshotTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private StorageHealth HealthAt(ManualTime time) => new(
        fixture.Services.GetRequiredService<StorageAccount>(), fixture.Services.GetRequiredService<MasterKey>(), time, NullLogger<StorageHealth>.Instance);

    [Fact]
    public async Task Another_instances_snapshot_is_used_until_it_is_stale()
    {
        var start = DateTimeOffset.UtcNow.AddYears(1);
        var writer = HealthAt(new ManualTime(start));
        var written = await writer.SnapshotAsync(CancellationToken.None);
        await writer.WriteAsync(written, CancellationToken.None);

        var reader = new ManualTime(start + StorageHealth.ProbePeriod);
        var fresh = await HealthAt(reader).CurrentAsync(CancellationToken.None);
        Assert.Equal(written.Timestamp, fresh.Timestamp);
        Assert.Equal(written.Services, fresh.Services);

        reader.Now = start + StorageHealth.StaleAfter + TimeSpan.FromSeconds(1);
        var live = await HealthAt(reader).CurrentAsync(CancellationToken.None);
        Assert.Equal(reader.Now, live.Timestamp);
        Assert.Equal(ServiceState.Operational, live.Overall);
    }
}
