using System.Globalization;
using Locktera.Core.RateLimiting;

namespace Locktera.Functions.Tests.Integration;

/// <summary>Limits are per key and shared by every instance through storage.</summary>
public class RateLimitTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_burst_on_one_instance_gets_exactly_the_limit_and_exact_headers()
    {
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read", "write");
        fixture.Clock.AdvanceToNextWindow(RateLimiter.Window);

        using var gate = new SemaphoreSlim(16);
        var responses = await Task.WhenAll(Enumerable.Range(0, 110).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                return await fixture.Api.GetAsync("me", user.Key);
            }
            finally
            {
                gate.Release();
            }
        }));
        Assert.Equal(100, responses.Count(r => r.Status == 200));
        Assert.Equal(Enumerable.Range(0, 100), responses.Where(r => r.Status == 200).Select(r => int.Parse(r.Header("RateLimit-Remaining")!, CultureInfo.InvariantCulture)).Order());
        Assert.All(responses.Where(r => r.Status != 200), r => r.AssertProblem(429, 42901));
    }

    [Fact]
    public async Task Spread_over_two_instances_a_key_gets_at_most_its_limit_and_little_less()
    {
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read", "write");
        var second = await fixture.StartInstanceAsync();
        var instances = new[] { fixture.Api, second };

        // All 150 requests must land in one window: start at the beginning of one.
        fixture.Clock.AdvanceToNextWindow(RateLimiter.Window);

        using var gate = new SemaphoreSlim(16);
        var responses = await Task.WhenAll(Enumerable.Range(0, 150).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await instances[i % 2].GetAsync("me", user.Key);
            }
            finally
            {
                gate.Release();
            }
        }));

        // Instances lease quota a few requests at a time: what a lease holds when its instance gets
        // no more requests is not spent, so a little less than the limit may pass, never more.
        Assert.InRange(responses.Count(r => r.Status == 200), 95, 100);
        foreach (var response in responses.Where(r => r.Status == 429))
        {
            response.AssertProblem(429, 42901);
            var retryAfter = int.Parse(response.Header("Retry-After")!, CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 60);
            Assert.Equal("0", response.Header("RateLimit-Remaining"));
        }
        Assert.All(responses.Where(r => r.Status == 200), r => Assert.InRange(int.Parse(r.Header("RateLimit-Remaining")!, CultureInfo.InvariantCulture), 0, 99));
        Assert.All(responses, r => Assert.Equal("100", r.Header("RateLimit-Limit")));

        // Other keys have their own budget.
        (await fixture.Api.GetAsync("me", org.Key)).AssertStatus(200);
    }

    [Fact]
    public async Task An_instance_whose_clock_lags_never_turns_a_newer_window_back()
    {
        var storage = fixture.Services.GetRequiredService<StorageAccount>();
        var start = DateTimeOffset.UnixEpoch.AddDays(20_000);
        var ahead = new RateLimiter(storage, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(start + RateLimiter.Window));
        var behind = new RateLimiter(storage, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(start.AddSeconds(59)));
        var subject = "clock-skew-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < 10; i++)
        {
            Assert.True((await ahead.AcquireAsync(subject, 10, CancellationToken.None)).Allowed);
        }
        // The lagging instance takes the newer window as the row has it: spent.
        Assert.False((await behind.AcquireAsync(subject, 10, CancellationToken.None)).Allowed);
        Assert.False((await ahead.AcquireAsync(subject, 10, CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task Admin_keys_get_500_a_minute_and_the_headers_on_success()
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = (await fixture.Api.GetAsync("me", org.Key)).AssertStatus(200);
        Assert.Equal("500", response.Header("RateLimit-Limit"));
        Assert.Equal("499", response.Header("RateLimit-Remaining"));
        Assert.InRange(int.Parse(response.Header("RateLimit-Reset")!, CultureInfo.InvariantCulture), 1, 60);
    }
}
