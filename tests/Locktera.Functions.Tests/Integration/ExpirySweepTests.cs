using Locktera.Core.Operations;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The expiry sweep stores EXPIRED and records one container.expire event per expiry, however often and wherever it runs.</summary>
public class ExpirySweepTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<string> EncodeDynamicAsync(TestOrg org) =>
        (await fixture.Api.EncodeAsync(org, """{"container":{"drm":{"dynamic":true}}}""", ("f.bin", [1, 2, 3], "application/octet-stream")))
            .AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();

    private Task<ApiResponse> SetEndAsync(TestOrg org, string id, string? end) =>
        fixture.Api.SendAsync(HttpMethod.Patch, $"containers/{id}/drm", org.Key,
            new JsonObject { ["time"] = end is null ? null : new JsonObject { ["end"] = end } });

    private async Task<JsonArray> ExpireEventsAsync(TestOrg org, string id) =>
        (await fixture.Api.GetAsync($"orgs/{org.Id}/container_events/by_expire?container_id={id}", org.Key)).AssertStatus(200).Json!.AsArray();

    private async Task<ContainerStatus> StoredStatusAsync(TestOrg org, string id) =>
        (await fixture.Services.GetRequiredService<ContainerStore>().FindAsync(Guid.Parse(org.Id), Guid.Parse(id), CancellationToken.None))!.Status;

    [Fact]
    public async Task Two_instances_sweeping_at_once_and_again_record_one_event_per_expiry()
    {
        var org = await fixture.CreateRootOrgAsync();
        var expiring = await EncodeDynamicAsync(org);
        var lasting = await EncodeDynamicAsync(org);
        (await SetEndAsync(org, expiring, "2020-01-01T00:00:00Z")).AssertStatus(200);
        (await SetEndAsync(org, lasting, "2099-01-01T00:00:00Z")).AssertStatus(200);
        Assert.Equal(ContainerStatus.Active, await StoredStatusAsync(org, expiring));

        var second = await fixture.StartInstanceAsync();
        var sweeps = new[] { fixture.Services, fixture.ServicesOf(second) }.Select(s => s.GetRequiredService<ExpirySweep>()).ToArray();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => sweeps[i % 2].RunAsync(CancellationToken.None)));
        Assert.All(outcomes, o => Assert.Equal(0, o.Failed));

        Assert.Equal(ContainerStatus.Expired, await StoredStatusAsync(org, expiring));
        Assert.Equal(ContainerStatus.Active, await StoredStatusAsync(org, lasting));
        var expired = Assert.Single(await ExpireEventsAsync(org, expiring))!;
        Assert.Equal("container.expire", expired["action"]!.GetValue<string>());
        Assert.Equal("system", expired["user"]!.GetValue<string>());
        // The sweep acts from no address: creator_ip is left out (upstream types it as a string).
        Assert.False(expired.AsObject().ContainsKey("creator_ip"));
        Assert.Equal("2020-01-01T00:00:00Z", expired["detail"]!["end"]!.GetValue<string>());
        Assert.Empty(await ExpireEventsAsync(org, lasting));

        // A run that stopped after storing the status but before removing its row: the row is seen again.
        var record = (await fixture.Services.GetRequiredService<ContainerStore>().FindAsync(Guid.Parse(org.Id), Guid.Parse(expiring), CancellationToken.None))!;
        await fixture.Services.GetRequiredService<DueIndex>().AddAsync(DueIndex.Expiries, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), ContainerService.Subject(record), CancellationToken.None);
        await sweeps[1].RunAsync(CancellationToken.None);
        await sweeps[0].RunAsync(CancellationToken.None);
        Assert.Single(await ExpireEventsAsync(org, expiring));
    }

    [Fact]
    public async Task New_rules_reopen_an_expired_container_and_a_later_expiry_is_a_new_event()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = await EncodeDynamicAsync(org);
        var sweep = fixture.Services.GetRequiredService<ExpirySweep>();
        (await SetEndAsync(org, id, "2020-01-01T00:00:00Z")).AssertStatus(200);
        await sweep.RunAsync(CancellationToken.None);
        Assert.Equal(ContainerStatus.Expired, await StoredStatusAsync(org, id));

        (await SetEndAsync(org, id, null)).AssertStatus(200);
        Assert.Equal(ContainerStatus.Active, await StoredStatusAsync(org, id));
        Assert.Equal("ACTIVE", (await fixture.Api.GetAsync($"containers/{id}", org.Key)).Json!["status"]!.GetValue<string>());
        await sweep.RunAsync(CancellationToken.None);
        Assert.Equal(ContainerStatus.Active, await StoredStatusAsync(org, id));

        (await SetEndAsync(org, id, "2021-06-01T00:00:00Z")).AssertStatus(200);
        await sweep.RunAsync(CancellationToken.None);
        Assert.Equal(ContainerStatus.Expired, await StoredStatusAsync(org, id));
        // Both ends lie before the container was made, so both events carry its creation time.
        Assert.Equal(["2020-01-01T00:00:00Z", "2021-06-01T00:00:00Z"],
            (await ExpireEventsAsync(org, id)).Select(e => e!["detail"]!["end"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task A_blocked_container_expires_once_it_is_unblocked()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = await EncodeDynamicAsync(org);
        var sweep = fixture.Services.GetRequiredService<ExpirySweep>();
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/block", org.Key)).AssertStatus(204);
        (await SetEndAsync(org, id, "2020-01-01T00:00:00Z")).AssertStatus(200);
        await sweep.RunAsync(CancellationToken.None);
        Assert.Equal(ContainerStatus.Blocked, await StoredStatusAsync(org, id));
        Assert.Empty(await ExpireEventsAsync(org, id));

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{id}/block", org.Key)).AssertStatus(204);
        await sweep.RunAsync(CancellationToken.None);
        Assert.Equal(ContainerStatus.Expired, await StoredStatusAsync(org, id));
        Assert.Single(await ExpireEventsAsync(org, id));
    }
}
