namespace Locktera.Functions.Tests.Integration;

/// <summary>The event log's routes over real HTTP: listing, filters, paging, client events, and who may do what.</summary>
public class EventTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<string> EncodeAsync(TestOrg org) =>
        (await fixture.Api.EncodeAsync(org, "{}", ("f", [1], "text/plain"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();

    private async Task<JsonArray> ListAsync(string path, TestOrg org) => (await fixture.Api.GetAsync(path, org.Key)).AssertStatus(200).Json!.AsArray();

    private static List<string> Actions(JsonArray events) => [.. events.Select(e => $"{e!["action"]} {e["container_id"]}")];

    private Task<ApiResponse> PostAsync(TestOrg org, string containerId, JsonNode body) =>
        fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{containerId}/events", org.Key, body);

    [Fact]
    public async Task Container_events_are_listed_newest_first_and_filtered_by_action_and_container()
    {
        var org = await fixture.CreateRootOrgAsync();
        var a = await EncodeAsync(org);
        var b = await EncodeAsync(org);
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{a}/block", org.Key)).AssertStatus(204);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{b}", org.Key)).AssertStatus(204);

        var all = await ListAsync($"orgs/{org.Id}/events", org);
        Assert.Equal([$"container.delete {b}", $"container.block {a}", $"container.create {b}", $"container.create {a}"], Actions(all));
        var keyId = (await fixture.Api.GetAsync("me", org.Key)).Json!["key_id"]!.GetValue<string>();
        foreach (var e in all)
        {
            Assert.True(Guid.TryParse(e!["id"]!.GetValue<string>(), out _));
            Assert.Equal(org.Id, e["org_id"]!.GetValue<string>());
            Assert.Equal(keyId, e["user"]!.GetValue<string>());
            Assert.Equal("127.0.0.1", e["creator_ip"]!.GetValue<string>());
            Assert.IsType<JsonObject>(e["detail"]);
            Assert.EndsWith("Z", e["created_date"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        Assert.Equal(all.ToJsonString(), (await ListAsync($"users/{org.Id}/events", org)).ToJsonString());

        Assert.Equal([$"container.create {b}", $"container.create {a}"], Actions(await ListAsync($"orgs/{org.Id}/events?action=container.create", org)));
        Assert.Equal([$"container.block {a}", $"container.create {a}"], Actions(await ListAsync($"orgs/{org.Id}/events?container_id={a}", org)));
        Assert.Equal([$"container.block {a}"], Actions(await ListAsync($"orgs/{org.Id}/events?container_id={a}&action=container.block", org)));
        Assert.Equal([$"container.block {a}", $"container.create {a}"], Actions(await ListAsync($"orgs/{org.Id}/containers/{a}/events", org)));
        // A deleted container's events stay in the log; the container's own route is gone with it.
        Assert.Equal([$"container.delete {b}", $"container.create {b}"], Actions(await ListAsync($"orgs/{org.Id}/events?container_id={b}", org)));
        (await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{b}/events", org.Key)).AssertProblem(404, 40404);

        Assert.Equal([$"container.create {b}", $"container.create {a}"], Actions(await ListAsync($"orgs/{org.Id}/container_events/by_create", org)));
        Assert.Equal([$"container.block {a}"], Actions(await ListAsync($"users/{org.Id}/container_events/by_block", org)));
        foreach (var kind in new[] { "by_access", "by_expire", "by_fail" })
        {
            Assert.Empty(await ListAsync($"orgs/{org.Id}/container_events/{kind}", org));
        }
        Assert.Equal([$"container.create {a}"], Actions(await ListAsync($"orgs/{org.Id}/container_events/by_create?container_id={a}", org)));
        (await fixture.Api.GetAsync($"orgs/{org.Id}/container_events/by_unblock", org.Key)).AssertProblem(404, 40401);
    }

    [Fact]
    public async Task Start_and_end_select_an_inclusive_window()
    {
        var org = await fixture.CreateRootOrgAsync();
        var container = await EncodeAsync(org);
        for (var i = 0; i < 5; i++)
        {
            (await PostAsync(org, container, new JsonObject { ["action"] = "client.page_view", ["detail"] = new JsonObject { ["page"] = $"{i}" } })).AssertStatus(201);
            // Distinct milliseconds, the resolution the API shows.
            fixture.Clock.Advance(TimeSpan.FromMilliseconds(5));
        }
        var views = await ListAsync($"orgs/{org.Id}/events?action=client.page_view", org);
        Assert.Equal(["4", "3", "2", "1", "0"], views.Select(e => e!["detail"]!["page"]!.GetValue<string>()));

        var start = views[3]!["created_date"]!.GetValue<string>();
        var end = views[1]!["created_date"]!.GetValue<string>();
        var window = await ListAsync($"orgs/{org.Id}/events?start={start}&end={end}", org);
        Assert.Equal(["3", "2", "1"], window.Select(e => e!["detail"]!["page"]!.GetValue<string>()));
        Assert.Equal(3, (await ListAsync($"orgs/{org.Id}/containers/{container}/events?start={start}&end={end}", org)).Count);
        Assert.Equal(2, (await ListAsync($"orgs/{org.Id}/events?action=client.page_view&start={end}", org)).Count);
        // The container's creation came before the first view.
        Assert.Equal(["container.create"], (await ListAsync($"orgs/{org.Id}/events?end={views[4]!["created_date"]}", org))
            .Where(e => e!["action"]!.GetValue<string>() != "client.page_view").Select(e => e!["action"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Limit_and_cursor_page_through_every_event_exactly_once()
    {
        var org = await fixture.CreateRootOrgAsync();
        var container = await EncodeAsync(org);
        for (var i = 0; i < 7; i++)
        {
            (await PostAsync(org, container, new JsonObject { ["action"] = "client.tick" })).AssertStatus(201);
        }
        var expected = (await ListAsync($"orgs/{org.Id}/events?action=client.tick", org)).Select(e => e!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(7, expected.Count);

        var seen = new List<string>();
        var path = $"orgs/{org.Id}/events?action=client.tick&limit=3";
        string? cursor = null;
        while (path is not null)
        {
            var page = (await fixture.Api.GetAsync(path, org.Key)).AssertStatus(200);
            seen.AddRange(page.Json!.AsArray().Select(e => e!["id"]!.GetValue<string>()));
            cursor ??= page.Header("X-Next-Cursor");
            // The Link keeps the filter: following it continues this listing.
            path = page.Header("Link") is { } link ? link[(link.IndexOf('<') + 1)..link.IndexOf('>')] : null;
        }
        Assert.Equal(expected, seen);

        var second = await ListAsync($"orgs/{org.Id}/events?action=client.tick&limit=3&page=2", org);
        Assert.Equal(expected.Skip(3).Take(3), second.Select(e => e!["id"]!.GetValue<string>()));
        Assert.Equal(expected.Skip(3).Take(3), (await ListAsync($"orgs/{org.Id}/events?action=client.tick&limit=3&cursor={cursor}", org)).Select(e => e!["id"]!.GetValue<string>()));

        // A cursor continues only the listing it came from.
        foreach (var query in new[] { $"container_id={container}&cursor={cursor}", $"cursor={cursor}", "cursor=garbage!", $"action=client.tick&page=2&cursor={cursor}" })
        {
            Assert.NotNull((await fixture.Api.GetAsync($"orgs/{org.Id}/events?{query}", org.Key)).AssertProblem(400, 40004).Json!["fields"]!["cursor"]);
        }
    }

    [Theory]
    [InlineData("start=yesterday", "start")]
    [InlineData("end=2026-13-01", "end")]
    [InlineData("start=2026-02-01T00:00:00Z&end=2026-01-01T00:00:00Z", "start")]
    [InlineData("container_id=not-a-uuid", "container_id")]
    [InlineData("action=a%20b", "action")]
    [InlineData("limit=0", "limit")]
    public async Task Bad_list_parameters_are_400_naming_the_parameter(string query, string field)
    {
        var org = await fixture.CreateRootOrgAsync();
        Assert.NotNull((await fixture.Api.GetAsync($"orgs/{org.Id}/events?{query}", org.Key)).AssertProblem(400, 40004).Json!["fields"]![field]);
        Assert.NotNull((await fixture.Api.GetAsync($"orgs/{org.Id}/container_events/by_access?action=container.block", org.Key)).AssertProblem(400, 40004).Json!["fields"]!["action"]);
    }

    [Fact]
    public async Task Clients_record_their_own_events_as_the_caller()
    {
        var org = await fixture.CreateRootOrgAsync();
        var container = await EncodeAsync(org);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var created = (await PostAsync(org, container, new JsonObject
        {
            ["action"] = "client.page_view",
            ["detail"] = new JsonObject { ["page"] = "3", ["viewer"] = "ann@example.com" },
            ["timestamp"] = "2020-01-01T00:00:00Z",
        })).AssertStatus(201).Json!;
        Assert.Equal("client.page_view", created["action"]!.GetValue<string>());
        Assert.Equal(org.Id, created["org_id"]!.GetValue<string>());
        Assert.Equal(container, created["container_id"]!.GetValue<string>());
        Assert.Equal((await fixture.Api.GetAsync("me", org.Key)).Json!["key_id"]!.GetValue<string>(), created["user"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", created["creator_ip"]!.GetValue<string>());
        Assert.Equal("""{"page":"3","viewer":"ann@example.com","client_timestamp":"2020-01-01T00:00:00Z"}""", created["detail"]!.ToJsonString());
        Assert.InRange(DateTimeOffset.Parse(created["created_date"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), before, DateTimeOffset.UtcNow.AddSeconds(1));

        // upstream's github.io shape.
        var access = (await PostAsync(org, container, new JsonObject { ["event_type"] = "ACCESS", ["timestamp"] = "2020-01-01T00:00:01Z", ["status"] = "SUCCESS" }))
            .AssertStatus(201).Json!;
        Assert.Equal("client.access", access["action"]!.GetValue<string>());
        Assert.Equal("SUCCESS", access["detail"]!["status"]!.GetValue<string>());

        var listed = await ListAsync($"orgs/{org.Id}/containers/{container}/events", org);
        Assert.Equal([access["id"]!.GetValue<string>(), created["id"]!.GetValue<string>()], listed.Take(2).Select(e => e!["id"]!.GetValue<string>()));
        Assert.Equal(created.ToJsonString(), listed[1]!.ToJsonString());

        var tooMany = new JsonObject();
        for (var i = 0; i < 21; i++)
        {
            tooMany[$"k{i}"] = "v";
        }
        foreach (var (body, field) in new (JsonObject, string)[]
        {
            (new JsonObject { ["action"] = "container.access" }, "action"),
            (new JsonObject { ["action"] = "access" }, "action"),
            (new JsonObject { ["action"] = "client." }, "action"),
            (new JsonObject { ["action"] = "client.page view" }, "action"),
            (new JsonObject { ["action"] = "client." + new string('a', 94) }, "action"),
            (new JsonObject { ["action"] = "" }, "action"),
            (new JsonObject(), "action"),
            (new JsonObject { ["action"] = "client.x", ["event_type"] = "ACCESS" }, "event_type"),
            (new JsonObject { ["event_type"] = "ACC/ESS" }, "event_type"),
            (new JsonObject { ["action"] = "client.x", ["detail"] = tooMany }, "detail"),
            (new JsonObject { ["action"] = "client.x", ["detail"] = new JsonObject { [new string('k', 65)] = "v" } }, "detail"),
            (new JsonObject { ["action"] = "client.x", ["detail"] = new JsonObject { ["k"] = new string('v', 1001) } }, "detail.k"),
            (new JsonObject { ["action"] = "client.x", ["detail"] = new JsonObject { ["n"] = 1 } }, "detail.n"),
            (new JsonObject { ["action"] = "client.x", ["detail"] = "text" }, "detail"),
            (new JsonObject { ["action"] = "client.x", ["timestamp"] = "soon" }, "timestamp"),
            (new JsonObject { ["action"] = "client.x", ["timestamp"] = "2020-01-01T00:00:00Z", ["detail"] = new JsonObject { ["client_timestamp"] = "x" } }, "timestamp"),
            (new JsonObject { ["action"] = "client.x", ["user"] = "someone-else" }, "user"),
            (new JsonObject { ["action"] = "client.x", ["creator_ip"] = "10.0.0.1" }, "creator_ip"),
            (new JsonObject { ["action"] = "client.x", ["created_date"] = "2020-01-01T00:00:00Z" }, "created_date"),
            (new JsonObject { ["action"] = "client.x", ["extra"] = "?" }, "extra"),
        })
        {
            var problem = (await PostAsync(org, container, body)).AssertProblem(400, 40001).Json!;
            Assert.True(problem["fields"]![field] is not null, $"{body.ToJsonString()}: {problem.ToJsonString()}");
        }
        Assert.Equal(3, (await ListAsync($"orgs/{org.Id}/containers/{container}/events", org)).Count);
        (await PostAsync(org, Guid.NewGuid().ToString(), new JsonObject { ["action"] = "client.x" })).AssertProblem(404, 40404);
    }

    [Fact]
    public async Task Another_org_reaches_no_events_and_a_read_key_cannot_record()
    {
        var a = await fixture.CreateRootOrgAsync("A");
        var b = await fixture.CreateRootOrgAsync("B");
        var bContainer = await EncodeAsync(b);
        foreach (var family in new[] { "orgs", "users" })
        {
            foreach (var path in new[] { "events", $"events?container_id={bContainer}", "container_events/by_create", $"containers/{bContainer}/events" })
            {
                (await fixture.Api.GetAsync($"{family}/{b.Id}/{path}", a.Key)).AssertProblem(404, 40402);
            }
            (await fixture.Api.SendAsync(HttpMethod.Post, $"{family}/{b.Id}/containers/{bContainer}/events", a.Key, new JsonObject { ["action"] = "client.x" }))
                .AssertProblem(404, 40402);
        }
        // Through its own org, A finds neither B's container nor its events.
        (await PostAsync(a, bContainer, new JsonObject { ["action"] = "client.x" })).AssertProblem(404, 40404);
        (await fixture.Api.GetAsync($"orgs/{a.Id}/containers/{bContainer}/events", a.Key)).AssertProblem(404, 40404);
        Assert.Empty(await ListAsync($"orgs/{a.Id}/events?container_id={bContainer}", a));
        Assert.Equal(["container.create"], (await ListAsync($"orgs/{b.Id}/events", b)).Select(e => e!["action"]!.GetValue<string>()));

        var readKey = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{b.Id}/api_keys", b.Key,
            new JsonObject { ["name"] = "reporting", ["permissions"] = new JsonArray("read") })).AssertStatus(201).Json!["secret"]!.GetValue<string>();
        var reader = new TestOrg(b.Id, readKey);
        Assert.Single(await ListAsync($"orgs/{b.Id}/containers/{bContainer}/events", reader));
        (await PostAsync(reader, bContainer, new JsonObject { ["action"] = "client.x" })).AssertProblem(403, 40301);
        Assert.Single(await ListAsync($"orgs/{b.Id}/events", b));
    }
}
