using Locktera.Core.Health;
using Locktera.Core.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The status answers from a fresh snapshot, whichever instance wrote it, and checks live once it is stale.</summary>
public class HealthSnapshotTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private StorageHealth HealthAt(TimeProvider time) => new(
        fixture.Services.GetRequiredService<StorageAccount>(), fixture.Services.GetRequiredService<MasterKey>(), time, NullLogger<StorageHealth>.Instance);

    [Fact]
    public async Task Another_instances_snapshot_is_used_until_it_is_stale()
    {
        var start = DateTimeOffset.UtcNow.AddYears(1);
        var writer = HealthAt(new FakeTimeProvider(start));
        var written = await writer.SnapshotAsync(CancellationToken.None);
        await writer.WriteAsync(written, CancellationToken.None);

        var reader = new FakeTimeProvider(start + StorageHealth.ProbePeriod);
        var fresh = await HealthAt(reader).CurrentAsync(CancellationToken.None);
        Assert.Equal(written.Timestamp, fresh.Timestamp);
        Assert.Equal(written.Services, fresh.Services);

        reader.SetUtcNow(start + StorageHealth.StaleAfter + TimeSpan.FromSeconds(1));
        var live = await HealthAt(reader).CurrentAsync(CancellationToken.None);
        Assert.Equal(reader.GetUtcNow(), live.Timestamp);
        Assert.Equal(ServiceState.Operational, live.Overall);
    }
}
