using Azure.Data.Tables;
using Locktera.Core.Drm;
using Locktera.Core.Events;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The container rules that live in Core hold for every caller of its services, not only for the
/// functions that happen to call them: what a listing shows, what a container's tags are, whom
/// usage is metered for, and that a blocked container opens for no one.
/// </summary>
public class ContainerServiceTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly Actor Tester = new("test", null);

    private static EncodeManifest Manifest(string name) => new(name, false, null, DrmRules.None, ["t"], new Dictionary<string, ManifestFile>());

    [Fact]
    public async Task A_container_still_being_encoded_is_listed_by_no_query()
    {
        var org = await fixture.CreateRootOrgAsync();
        var orgId = Guid.Parse(org.Id);
        var service = fixture.Services.GetRequiredService<ContainerService>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async IAsyncEnumerable<EncodeFile> HeldFiles()
        {
            started.SetResult();
            await release.Task;
            yield return new EncodeFile("a.txt", "text/plain", new MemoryStream([1, 2, 3]));
        }

        var encode = service.EncodeAsync(orgId, Tester, Manifest("held"), HeldFiles(), CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var store = fixture.Services.GetRequiredService<ContainerStore>();
        var pending = await store.ListAsync(orgId, null, CancellationToken.None).SingleAsync();
        Assert.Equal(ContainerStatus.Pending, pending.Status);

        foreach (var status in new ContainerStatus?[] { null, ContainerStatus.Pending, ContainerStatus.Active })
        {
            Assert.Empty(await service.ListAsync(orgId, new ContainerQuery(status, null, null, null, null), null, 0, 50, CancellationToken.None));
        }
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).AssertStatus(200).Json!.AsArray());
        (await fixture.Api.GetAsync($"orgs/{org.Id}/containers?status=PENDING", org.Key)).AssertProblem(400, 40004);

        release.SetResult();
        var (record, _) = await encode;
        Assert.Equal(record.Id, Assert.Single(await service.ListAsync(orgId, new ContainerQuery(null, "t", null, null, null), null, 0, 50, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task A_tag_given_twice_is_kept_once_where_it_first_came()
    {
        var org = await fixture.CreateRootOrgAsync();
        var service = fixture.Services.GetRequiredService<ContainerService>();
        var (record, _) = await service.EncodeAsync(Guid.Parse(org.Id), Tester, Manifest("tagged"),
            new[] { new EncodeFile("a.txt", "text/plain", new MemoryStream([1])) }.ToAsyncEnumerable(), CancellationToken.None);

        var updated = await service.SetTagsAsync(record, ["b", "a", "b", "a"], Tester, CancellationToken.None);

        Assert.Equal(["b", "a"], updated.Tags);
        Assert.Equal(["b", "a"], Assert.Single(await service.TagChangesAsync(record, CancellationToken.None)).NewTags);
    }

    [Fact]
    public async Task A_viewers_decodes_are_metered_for_viewer_never_for_its_email()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = (await fixture.Api.EncodeAsync(org, """{"container":{"name":"c","downloadable":true}}""", ("a.bin", new byte[1000], "application/octet-stream")))
            .AssertStatus(201).Json!["container"]!["id"]!.GetValue<string>();
        var token = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/viewer_tokens", org.Key, new JsonObject { ["email"] = "ann@example.com" }))
            .AssertStatus(201).Json!["token"]!.GetValue<string>();
        (await fixture.Api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/a.bin", token, null, null, r => r.Headers.Range = new(0, 99))).AssertStatus(206);
        (await fixture.Api.GetAsync($"containers/{id}/decode", token)).AssertStatus(200);
        await fixture.Services.GetRequiredService<CounterBuffer>().FlushAsync(CancellationToken.None);

        var storage = fixture.Services.GetRequiredService<StorageAccount>();
        var usage = await storage.TableAsync(storage.Names.Usage, CancellationToken.None);
        var rows = await usage.QueryAsync<TableEntity>($"OrgId eq '{org.Id}'").Where(r => r.GetString("Subject") is not null).ToListAsync();
        var viewer = Assert.Single(rows, r => r.GetString("Subject") == "viewer");
        Assert.Equal(2, viewer.GetInt64("Decodes"));
        Assert.Equal(100, viewer.GetInt64("BytesOut"));
        Assert.DoesNotContain(rows, r => r.RowKey.Contains("ann", StringComparison.Ordinal) || r.GetString("Subject")!.Contains('@', StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_blocked_container_opens_for_no_one_and_a_viewers_attempt_is_recorded_once()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = (await fixture.Api.EncodeAsync(org, """{"container":{"name":"c"}}""", ("a.txt", [1], "text/plain"))).AssertStatus(201).Json!["container"]!["id"]!.GetValue<string>();
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/block", org.Key)).AssertStatus(204);
        var token = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/viewer_tokens", org.Key, new JsonObject { ["email"] = "ann@example.com" }))
            .AssertStatus(201).Json!["token"]!.GetValue<string>();

        (await fixture.Api.GetAsync($"containers/{id}/decode", org.Key)).AssertProblem(403, 40306);
        (await fixture.Api.GetAsync($"containers/{id}/decode/a.txt", org.Key)).AssertProblem(403, 40306);
        (await fixture.Api.GetAsync($"containers/{id}/decode", token)).AssertProblem(403, 40306);

        var blocks = (await fixture.Api.GetAsync($"orgs/{org.Id}/container_events/by_block", org.Key)).AssertStatus(200).Json!.AsArray();
        var attempt = Assert.Single(blocks, e => e!["detail"]!["attempt"] is not null)!;
        Assert.Equal("ann@example.com", attempt["detail"]!["viewer"]!.GetValue<string>());
        Assert.Equal(2, blocks.Count);
    }
}
