using Locktera.Client;
using EncodeFile = Locktera.Client.EncodeFile;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The client library's event sub-client against the DevHost over real HTTP: listings that follow the next page, filters, recorded events.</summary>
public class ClientEventsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Event_listings_yield_every_page_and_filter_as_asked()
    {
        var counter = new RequestCounter();
        using var client = TestClients.For(fixture, await fixture.CreateRootOrgAsync(), counter);
        var first = (await client.Containers.EncodeAsync([EncodeFile.FromBytes("a.txt", [1])])).Container.Id;
        var second = (await client.Containers.EncodeAsync([EncodeFile.FromBytes("b.txt", [2])])).Container.Id;
        for (var i = 0; i < 4; i++)
        {
            var recorded = await client.Events.RecordAsync(first, new NewContainerEvent("client.page_view", new Dictionary<string, string> { ["page"] = $"{i + 1}" }));
            Assert.Equal("client.page_view", recorded.Action);
            Assert.Equal(first, recorded.ContainerId);
            Assert.Equal($"{i + 1}", recorded.Detail["page"]);
        }
        await client.Containers.BlockAsync(second);

        // Seven events, two to a page: four requests, the listing whole and newest first.
        var before = counter.Count(HttpMethod.Get, "/events");
        var all = await client.Events.ListAsync(new EventFilter(PageSize: 2)).ToListAsync();
        Assert.Equal(4, counter.Count(HttpMethod.Get, "/events") - before);
        Assert.Equal(["container.block", "client.page_view", "client.page_view", "client.page_view", "client.page_view", "container.create", "container.create"], all.Select(e => e.Action));
        Assert.Equal(all.Count, all.Select(e => e.Id).Distinct().Count());
        Assert.Equal(["4", "3", "2", "1"], all.Where(e => e.Action == "client.page_view").Select(e => e.Detail["page"]));

        Assert.Equal(4, await client.Events.ListAsync(new EventFilter(Action: "client.page_view", PageSize: 3)).CountAsync());
        Assert.Equal([second], await client.Events.ListAsync(new EventFilter(Action: "container.create", ContainerId: second)).Select(e => e.ContainerId!.Value).ToListAsync());
        Assert.Empty(await client.Events.ListAsync(new EventFilter(End: DateTimeOffset.UtcNow.AddDays(-1))).ToListAsync());
        Assert.Equal(7, await client.Events.ListAsync(new EventFilter(Start: DateTimeOffset.UtcNow.AddHours(-1))).CountAsync());

        var ofFirst = await client.Events.ListForContainerAsync(first, new EventFilter(PageSize: 2)).ToListAsync();
        Assert.Equal(5, ofFirst.Count);
        Assert.All(ofFirst, e => Assert.Equal(first, e.ContainerId));
        Assert.Single(await client.Events.ListForContainerAsync(first, new EventFilter(Action: "container.create")).ToListAsync());

        Assert.Equal([second, first], await client.Events.ListByKindAsync("by_create", new EventFilter(PageSize: 1)).Select(e => e.ContainerId!.Value).ToListAsync());
        Assert.Equal([second], await client.Events.ListByKindAsync("by_block").Select(e => e.ContainerId!.Value).ToListAsync());
        Assert.Empty(await client.Events.ListByKindAsync("by_create", new EventFilter(ContainerId: Guid.NewGuid())).ToListAsync());

        var bad = await Assert.ThrowsAsync<LockteraException>(() => client.Events.RecordAsync(first, new NewContainerEvent("container.create")));
        Assert.Equal(400, bad.Status);
        Assert.Contains("action", bad.Fields.Keys);
        Assert.Equal(404, (await Assert.ThrowsAsync<LockteraException>(() => client.Events.ListByKindAsync("by_nothing").ToListAsync().AsTask())).Status);
    }
}
