using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Locktera.Core.Operations;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// What happens to upload sessions when their time is up: they answer 404, stop taking the org's
/// places at once, and the purge removes everything they wrote (a committed one's container stays).
/// A class of its own: it moves its fixture's clock a day on.
/// </summary>
public class UploadSessionExpiryTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly (string Name, byte[] Content)[] Files = [("a.bin", new byte[(UploadClient.PartBytes * 2) + 10]), ("b.txt", Encoding.UTF8.GetBytes("the end"))];

    private async Task<int> UploadRowsAsync(TestOrg org)
    {
        var table = await fixture.Services.GetRequiredService<StorageAccount>().TableAsync(fixture.Services.GetRequiredService<StorageAccount>().Names.Uploads, CancellationToken.None);
        return await table.QueryAsync<TableEntity>(e => e.PartitionKey == org.Id && e.RowKey != "open").CountAsync();
    }

    [Fact]
    public async Task Sessions_whose_time_is_up_are_gone_and_the_purge_removes_what_they_wrote()
    {
        var api = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?>(UploadClient.SmallParts) { ["Locktera:MaxOpenUploadSessions"] = "2" });
        var org = await fixture.CreateRootOrgAsync();
        var client = new UploadClient(api, org);
        var committed = await client.StartAsync(Files);
        var id = (await committed.UploadAllAsync()).AsObject()["container"]!["uuid"]!.GetValue<string>();
        var open = await client.StartAsync(Files);
        (await open.PutPartAsync(1)).AssertStatus(200);
        (await open.PutPartAsync(3)).AssertStatus(200);
        var untouched = await client.StartAsync(Files);
        (await client.StartRawAsync(UploadClient.Manifest(Files))).AssertProblem(429, 42902);
        var content = new BlobServiceClient(ApiFixture.StorageConnection).GetBlobContainerClient(fixture.StoragePrefix + "content");
        var openBlob = content.GetBlockBlobClient($"{org.Id}/{open.Session["container_id"]!.GetValue<string>()}.tera");
        Assert.Equal(2, (await openBlob.GetBlockListAsync()).Value.UncommittedBlocks.Count());

        fixture.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        foreach (var session in new[] { open, untouched })
        {
            (await session.StatusAsync()).AssertProblem(404, 40407);
            (await session.PutPartAsync(2)).AssertProblem(404, 40407);
            (await session.CommitAsync()).AssertProblem(404, 40407);
        }
        // Lapsed sessions take no place: a new session starts before any purge ran.
        var fresh = await client.StartAsync(Files);
        Assert.False(await openBlob.ExistsAsync());

        fixture.Clock.Advance(TimeSpan.FromHours(25));
        var outcome = await fixture.Services.GetRequiredService<OrgPurge>().RunAsync(CancellationToken.None);
        Assert.True(outcome.UploadSessions.Done >= 2, outcome.ToString());
        Assert.Equal(0, await UploadRowsAsync(org));
        (await fresh.StatusAsync()).AssertProblem(404, 40407);
        (await client.Api.GetAsync($"containers/{fresh.Session["container_id"]!.GetValue<string>()}", org.Key)).AssertProblem(404, 40404);
        // The committed session's container is an ordinary container, and stays.
        (await client.Api.GetAsync($"containers/{id}/decode/b.txt", org.Key)).AssertStatus(200);
        // The places are free again.
        await client.StartAsync(Files);
        await client.StartAsync(Files);
    }
}
