using System.Collections.Concurrent;
using System.Diagnostics;
using Locktera.Core.RateLimiting;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// What a request costs in storage once its key, its org and a lease of its key's quota are in memory
/// (issue 15): a container's GET reads the container's row and nothing else, and GET /me reads
/// nothing, lease after lease. The storage requests are the API's own outgoing HTTP requests, told apart from every other
/// test's by the trace the request carried (its W3C traceparent, which the host continues).
/// </summary>
public class StorageRoundTripTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    // Named by a constant: the source's constructor asks every listener, this class's too, whether it listens.
    private const string TestsSource = "Locktera.Tests.StorageRoundTrips";

    private static readonly ActivitySource Tests = new(TestsSource);

    [Fact]
    public async Task Once_warm_a_container_read_costs_one_storage_request_and_me_none()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = (await fixture.Api.EncodeAsync(org, "{}", ("a.txt", [1, 2, 3], "text/plain"))).AssertStatus(201).Json!["container"]!["id"]!.GetValue<string>();
        // A new rate-limit window, and rows older than the cache keeps: the first request reads them again.
        fixture.Clock.Advance(RateLimiter.Window);

        var cold = await StorageRequestsOfAsync(() => fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}", org.Key));
        Assert.Contains("GET apikeys", cold);
        Assert.Contains("PUT ratelimits", cold);

        // The lease of the first request (MaxLease of the window's quota) serves the next ones, and the
        // leases after it are taken ahead, by no request: none pays a rate-limit round trip.
        for (var i = 0; i < 2 * RateLimiter.MaxLease; i++)
        {
            Assert.Equal(["GET containers"], await StorageRequestsOfAsync(() => fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}", org.Key)));
            Assert.Empty(await StorageRequestsOfAsync(() => fixture.Api.GetAsync("me", org.Key)));
        }
    }

    /// <summary>The storage requests made while <paramref name="request"/> was served, as "METHOD table", in order.</summary>
    private async Task<List<string>> StorageRequestsOfAsync(Func<Task<ApiResponse>> request)
    {
        var seen = new ConcurrentQueue<(DateTime Start, string Request)>();
        ActivityTraceId? trace = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "System.Net.Http" or "Microsoft.AspNetCore" || source.Name == TestsSource,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == trace && activity.Source.Name == "System.Net.Http" && StorageRequest(activity) is { } storage)
                {
                    seen.Enqueue((activity.StartTimeUtc, storage));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using (var root = Tests.StartActivity("request") ?? throw new InvalidOperationException("The test's activity was not sampled."))
        {
            trace = root.TraceId;
            (await request()).AssertStatus(200);
        }
        return [.. seen.OrderBy(s => s.Start).Select(s => s.Request)];
    }

    /// <summary>"GET containers" for a request to the storage's table of that name (this fixture's prefix dropped); null for one to the API.</summary>
    private string? StorageRequest(Activity activity)
    {
        if (activity.GetTagItem("url.full") is not string url || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || uri.Segments is not [_, "devstoreaccount1/", var resource, ..])
        {
            return null;
        }
        var table = resource.Split('(', '?')[0];
        return $"{activity.GetTagItem("http.request.method")} {(table.StartsWith(fixture.StoragePrefix, StringComparison.Ordinal) ? table[fixture.StoragePrefix.Length..] : table)}";
    }
}
