using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Locktera.Core.Content;
using Locktera.Core.Drm;
using Locktera.Core.Metering;
using Locktera.Core.Operations;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The purge removes deleted orgs' data, the remains of failed encodes and ended viewing sessions, and finishes what a failed run left.</summary>
public class PurgeTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private StorageAccount Storage => fixture.Services.GetRequiredService<StorageAccount>();

    private OrgPurge Purge => fixture.Services.GetRequiredService<OrgPurge>();

    private async Task<BlobContainerClient> PlatformBlobsAsync() => await Storage.ContainerAsync(fixture.StoragePrefix + "content", CancellationToken.None);

    private async Task<int> RowsAsync(string table, string partition) =>
        await (await Storage.TableAsync(table, CancellationToken.None)).QueryAsync<TableEntity>(e => e.PartitionKey == partition).CountAsync();

    /// <summary>Every table of the service, as <see cref="TableNames"/> names them.</summary>
    private IEnumerable<string> AllTables => typeof(TableNames).GetProperties().Select(p => (string)p.GetValue(Storage.Names)!);

    private async Task<int> BlobsAsync(string prefix) => await (await PlatformBlobsAsync()).GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = prefix }).CountAsync();

    [Fact]
    public async Task A_deleted_groups_rows_and_blobs_go_and_a_failed_run_is_finished_by_the_next()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var keyId = (await fixture.Api.GetAsync("me", group.Key)).AssertStatus(200).Json!["key_id"]!.GetValue<string>();
        var encoded = (await fixture.Api.EncodeAsync(group, "{}", ("a.txt", "hello"u8.ToArray(), "text/plain"))).AssertStatus(201).Json!;
        var containerId = encoded["container"]!["uuid"]!.GetValue<string>();
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{group.Id}/addresses/ann@example.com", group.Key,
            new JsonObject { ["first_name"] = "Ann", ["last_name"] = "Lee" })).AssertStatus(201);
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{group.Id}/errors", group.Key, new JsonObject { ["message"] = "Upload failed" })).AssertStatus(201);
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{group.Id}/customizations", group.Key, new JsonObject { ["theme"] = "dark" })).AssertStatus(200);
        var token = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{group.Id}/containers/{containerId}/viewer_tokens", group.Key,
            new JsonObject { ["email"] = "ann@example.com" })).AssertStatus(201).Json!["token"]!.GetValue<string>();
        (await fixture.Api.SendAsync(HttpMethod.Put, "viewers/ann@example.com/consents/gdpr", token, new JsonObject { ["status"] = "granted" })).AssertStatus(200);
        // What a crashed encode may leave: an object without a record.
        await (await PlatformBlobsAsync()).UploadBlobAsync($"{group.Id}/{Guid.CreateVersion7()}.tera", BinaryData.FromString("partial"));
        Assert.Equal(2, await BlobsAsync(group.Id + "/"));
        var names = Storage.Names;
        Assert.NotEqual(0, await RowsAsync(names.Events, group.Id));

        // Its metered figures: exact storage, and raw counters the roll-up reads.
        await fixture.Services.GetRequiredService<CounterBuffer>().FlushAsync(CancellationToken.None);
        var usage = await Storage.TableAsync(names.Usage, CancellationToken.None);
        var today = UsageMeter.DayPartition(DateTime.UtcNow.Date);
        Task<int> MeteredRowsAsync() => usage.QueryAsync<TableEntity>(e => e.PartitionKey == today || e.PartitionKey == UsageMeter.StoragePartition)
            .CountAsync(e => e.RowKey == group.Id || e.RowKey.StartsWith(Guid.Parse(group.Id).ToString("N"), StringComparison.Ordinal)).AsTask();
        Assert.NotEqual(0, await MeteredRowsAsync());

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{group.Id}", org.Key)).AssertStatus(204);

        // A row the purge cannot read makes its first run fail after the container's bytes went.
        var containers = await Storage.TableAsync(names.Containers, CancellationToken.None);
        await containers.AddEntityAsync(new TableEntity(group.Id, "c:zzzz"));
        var failed = await Purge.RunAsync(CancellationToken.None);
        Assert.Equal(1, failed.DeletedOrgs.Failed);
        Assert.False(await (await PlatformBlobsAsync()).GetBlobClient($"{group.Id}/{containerId}.tera").ExistsAsync());
        Assert.NotEqual(0, await RowsAsync(names.Events, group.Id));

        await containers.DeleteEntityAsync(group.Id, "c:zzzz");
        var finished = await Purge.RunAsync(CancellationToken.None);
        Assert.Equal(1, finished.DeletedOrgs.Done);
        foreach (var table in AllTables)
        {
            Assert.True(await RowsAsync(table, group.Id) == 0, $"{table} still has rows of the deleted group");
        }
        Assert.Equal(0, await BlobsAsync(group.Id + "/"));
        Assert.Equal(0, await RowsAsync(names.Containers, "id:" + containerId));
        Assert.Equal(0, await RowsAsync(names.RateLimits, keyId));
        Assert.Equal(0, await MeteredRowsAsync());
        Assert.Equal(0, await RowsAsync(names.Consents, "e:" + Uri.EscapeDataString("ann@example.com")));
        Assert.Equal(0, (await Purge.RunAsync(CancellationToken.None)).DeletedOrgs.Done);

        // The rest of the tree keeps its data, its audit of the deletion included.
        (await fixture.Api.GetAsync($"orgs/{org.Id}", org.Key)).AssertStatus(200);
        Assert.NotEqual(0, await RowsAsync(names.OrgAudit, org.Id));

        // A root takes its tree's audit and access log with it.
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}", org.Key)).AssertStatus(204);
        await fixture.Services.GetRequiredService<CounterBuffer>().FlushAsync(CancellationToken.None);
        Assert.NotEqual(0, await RowsAsync(names.AccessLog, org.Id));
        Assert.Equal(1, (await Purge.RunAsync(CancellationToken.None)).DeletedOrgs.Done);
        foreach (var table in AllTables)
        {
            Assert.True(await RowsAsync(table, org.Id) == 0, $"{table} still has rows of the deleted root");
        }
    }

    [Fact]
    public async Task A_node_whose_delete_is_still_under_way_is_looked_at_again_later()
    {
        var org = await fixture.CreateRootOrgAsync();
        var due = fixture.Services.GetRequiredService<DueIndex>();
        await due.AddAsync(DueIndex.DeletedOrgs, DateTimeOffset.UtcNow.AddMinutes(-1), org.Id, CancellationToken.None,
            new Dictionary<string, object> { [OrgPurge.RootProperty] = org.Id });

        await Purge.RunAsync(CancellationToken.None);

        (await fixture.Api.GetAsync($"orgs/{org.Id}", org.Key)).AssertStatus(200);
        Assert.DoesNotContain(await due.DueAsync(DueIndex.DeletedOrgs, DateTimeOffset.UtcNow, 100, CancellationToken.None), r => r.Subject == org.Id);
        var later = Assert.Single(await due.DueAsync(DueIndex.DeletedOrgs, DateTimeOffset.UtcNow + DueIndex.Postponement + TimeSpan.FromMinutes(1), 100, CancellationToken.None), r => r.Subject == org.Id);
        Assert.Equal(org.Id, later.Entity.GetString(OrgPurge.RootProperty));
    }

    [Fact]
    public async Task The_remains_of_a_crashed_encode_and_ended_sessions_go_while_completed_encodes_stay()
    {
        var org = await fixture.CreateRootOrgAsync();
        var orgId = Guid.Parse(org.Id);
        var kept = (await fixture.Api.EncodeAsync(org, "{}", ("a.txt", "hello"u8.ToArray(), "text/plain"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();
        var store = fixture.Services.GetRequiredService<ContainerStore>();
        var due = fixture.Services.GetRequiredService<DueIndex>();
        var longAgo = DateTimeOffset.UtcNow.AddDays(-2);

        // An encode that died after committing its object: a pending record and the object, noted two days ago.
        var crashed = new ContainerRecord
        {
            Id = Guid.CreateVersion7(), OrgId = orgId, Name = "crashed", Status = ContainerStatus.Pending, CreatedAt = longAgo,
            CreatedBy = "test", StorageId = IContentStores.Platform, ObjectKey = $"{orgId}/crashed.tera",
        };
        await store.AddAsync(crashed, CancellationToken.None);
        await (await PlatformBlobsAsync()).UploadBlobAsync(crashed.ObjectKey, BinaryData.FromString("partial"));
        await due.AddAsync(DueIndex.Encodes, longAgo, ContainerService.Subject(crashed), CancellationToken.None,
            new Dictionary<string, object> { ["StorageId"] = crashed.StorageId, ["ObjectKey"] = crashed.ObjectKey });
        // The completed encode's note, as if its day had passed.
        var keptRecord = (await store.FindAsync(orgId, Guid.Parse(kept), CancellationToken.None))!;
        await due.AddAsync(DueIndex.Encodes, longAgo, ContainerService.Subject(keptRecord), CancellationToken.None,
            new Dictionary<string, object> { ["StorageId"] = keptRecord.StorageId, ["ObjectKey"] = keptRecord.ObjectKey });

        var viewers = fixture.Services.GetRequiredService<ViewerStates>();
        var now = DateTimeOffset.UtcNow;
        await viewers.AddSessionAsync(orgId, keptRecord.Id, "ann@example.com", "ended", now.AddMinutes(-1), CancellationToken.None);
        await viewers.AddSessionAsync(orgId, keptRecord.Id, "ann@example.com", "current", now.AddMinutes(30), CancellationToken.None);
        var containers = await Storage.TableAsync(Storage.Names.Containers, CancellationToken.None);
        var sessions = () => containers.WithPrefix(org.Id, $"s:{keptRecord.Id:N}:", null, CancellationToken.None).Select(r => r.RowKey).ToListAsync();
        Assert.Equal(2, (await sessions()).Count);

        var outcome = await Purge.RunAsync(CancellationToken.None);
        Assert.Equal(0, outcome.FailedEncodes.Failed);
        Assert.Equal(0, outcome.Sessions.Failed);

        Assert.Null(await store.FindAsync(orgId, crashed.Id, CancellationToken.None));
        Assert.False(await (await PlatformBlobsAsync()).GetBlobClient(crashed.ObjectKey).ExistsAsync());
        Assert.Equal(ContainerStatus.Active, (await store.FindAsync(orgId, keptRecord.Id, CancellationToken.None))!.Status);
        Assert.True(await (await PlatformBlobsAsync()).GetBlobClient(keptRecord.ObjectKey).ExistsAsync());
        (await fixture.Api.GetAsync($"containers/{kept}/decode/a.txt", org.Key)).AssertStatus(200);
        Assert.Equal([$"s:{keptRecord.Id:N}:current"], await sessions());
        Assert.Empty(await due.DueAsync(DueIndex.Encodes, DateTimeOffset.UtcNow, 100, CancellationToken.None));
    }
}
