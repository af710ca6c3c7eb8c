using Locktera.Core.Metering;
using Locktera.Core.RateLimiting;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Every limit is reserved before the work it guards, on one row under its ETag: parallel requests
/// spread over two instances get exactly what the limit allows, all limits at once.
/// </summary>
public class ParallelLimitsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Opens_rate_limits_and_if_match_hold_exactly_across_two_instances_at_once()
    {
        var limits = new Dictionary<string, string?> { ["Locktera:StandardRequestsPerMinute"] = "30" };
        var instances = new[] { await fixture.StartInstanceAsync(overrides: limits), await fixture.StartInstanceAsync(overrides: limits) };
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read", "write");
        var manifest = new JsonObject { ["container"] = new JsonObject { ["drm"] = new JsonObject { ["dynamic"] = true, ["opens"] = 3 } } };
        var id = (await fixture.Api.EncodeAsync(org, manifest.ToJsonString(), ("f.txt", [1, 2, 3], "text/plain"))).AssertStatus(201)
            .Json!["container"]!["uuid"]!.GetValue<string>();
        var token = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/viewer_tokens", org.Key,
            new JsonObject { ["email"] = "ann@example.com" })).AssertStatus(201).Json!["token"]!.GetValue<string>();
        var etag = (await fixture.Api.GetAsync($"containers/{id}/drm", org.Key)).AssertStatus(200).Header("ETag")!;

        // All requests of the rate limit must land in one window: start at the beginning of one.
        fixture.Clock.AdvanceToNextWindow(RateLimiter.Window);
        ApiClient On(int i) => instances[i % 2];
        var calls = Enumerable.Range(0, 60).Select(i => On(i).GetAsync("me", user.Key)).ToList();
        var opens = Enumerable.Range(0, 20).Select(i => On(i).GetAsync($"containers/{id}/decode/f.txt", token)).ToList();
        var patches = Enumerable.Range(0, 20).Select(i => On(i).SendRawAsync(HttpMethod.Patch, $"containers/{id}/drm", org.Key,
            new JsonObject { ["recipients"] = new JsonArray("ann@example.com", $"colleague{i}@example.com") }.ToJsonString(), "application/json", r => r.Headers.TryAddWithoutValidation("If-Match", etag))).ToList();
        await Task.WhenAll([.. calls, .. opens, .. patches]);

        // Rate-limit quota is leased to instances a few requests at a time: never more than the limit, a little less at most.
        Assert.InRange(calls.Count(c => c.Result.Status == 200), 27, 30);
        Assert.All(calls.Where(c => c.Result.Status != 200), c => c.Result.AssertProblem(429, 42901));
        Assert.Equal(1, patches.Count(p => p.Result.Status == 200));
        Assert.All(patches.Where(p => p.Result.Status != 200), p => p.Result.AssertProblem(412, 41201));
        // Each decode without a session asks for an open, and the rules allow three (the patches leave ann a recipient).
        Assert.Equal(3, opens.Count(o => o.Result.Status == 200));
        Assert.All(opens.Where(o => o.Result.Status != 200), o => o.Result.AssertProblem(403, 40314));
        var state = Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/attempts", org.Key)).Json!.AsArray())!;
        Assert.Equal(3, state["opens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Parallel_deletes_of_one_container_count_it_once()
    {
        var second = await fixture.StartInstanceAsync();
        var org = await fixture.CreateRootOrgAsync();
        var id = (await fixture.Api.EncodeAsync(org, "{}", ("f.txt", new byte[5000], "text/plain"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();
        var other = (await fixture.Api.EncodeAsync(org, "{}", ("g.txt", new byte[100], "text/plain"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();
        var before = await fixture.Services.GetRequiredService<UsageMeter>().StorageAsync(Guid.Parse(org.Id), CancellationToken.None);

        var deletes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? fixture.Api : second).SendAsync(HttpMethod.Delete, $"containers/{id}", org.Key)));
        Assert.Single(deletes, d => d.Status == 204);
        Assert.All(deletes.Where(d => d.Status != 204), d => d.AssertProblem(404, 40404));
        var after = await fixture.Services.GetRequiredService<UsageMeter>().StorageAsync(Guid.Parse(org.Id), CancellationToken.None);
        Assert.Equal(before.Containers - 1, after.Containers);
        Assert.True(after.Bytes > 100, "the other container's bytes are still counted");
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/events?action=container.delete", org.Key)).Json!.AsArray());
        (await fixture.Api.GetAsync($"containers/{other}/decode/g.txt", org.Key)).AssertStatus(200);
    }

    [Fact]
    public async Task An_orgs_first_encodes_in_parallel_leave_one_active_key_pair_and_all_decode()
    {
        var second = await fixture.StartInstanceAsync();
        var org = await fixture.CreateRootOrgAsync();
        var encodes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? fixture.Api : second).EncodeAsync(org, "{}", ("f.txt", [(byte)i], "text/plain"))));
        Assert.All(encodes, e => e.AssertStatus(201));
        var keys = (await fixture.Api.GetAsync($"orgs/{org.Id}/pq_keys", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Single(keys, k => k!["status"]!.GetValue<string>() == "active");
        Assert.Equal("active", keys[0]!["status"]!.GetValue<string>());
        foreach (var (encoded, i) in encodes.Select((e, i) => (e, i)))
        {
            var id = encoded.Json!["container"]!["uuid"]!.GetValue<string>();
            var (status, body) = await BytesAsync(i % 2 == 0 ? second : fixture.Api, $"containers/{id}/decode/f.txt", org.Key);
            Assert.Equal(200, status);
            Assert.Equal([(byte)i], body);
        }
    }

    private static async Task<(int Status, byte[] Body)> BytesAsync(ApiClient api, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await api.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }
}
