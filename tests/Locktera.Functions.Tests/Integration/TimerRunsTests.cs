using Locktera.Core.Operations;

namespace Locktera.Functions.Tests.Integration;

/// <summary>Timers run once per period however many instances fire.</summary>
public class TimerRunsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Exactly_one_of_many_instances_claims_a_period()
    {
        var second = await fixture.StartInstanceAsync();
        var runs = new[] { fixture.Services, fixture.ServicesOf(second) }.Select(s => s.GetRequiredService<TimerRuns>()).ToArray();
        var timer = "test-" + Guid.NewGuid().ToString("N");
        var claims = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => runs[i % 2].ClaimAsync(timer, TimeSpan.FromHours(1), CancellationToken.None)));
        Assert.Equal(1, claims.Count(c => c));
        Assert.False(await runs[0].ClaimAsync(timer, TimeSpan.FromHours(1), CancellationToken.None));
        // A shorter period is a new one as soon as the clock passes its boundary.
        Assert.True(await runs[1].ClaimAsync(timer + "-s", TimeSpan.FromMilliseconds(50), CancellationToken.None));
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(60));
        Assert.True(await runs[0].ClaimAsync(timer + "-s", TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }
}
