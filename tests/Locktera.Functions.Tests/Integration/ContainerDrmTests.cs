using System.Net.Http.Headers;

namespace Locktera.Functions.Tests.Integration;

/// <summary>Reading and changing a container's rules through every documented path.</summary>
public class ContainerDrmTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<(TestOrg Org, string Id)> EncodeAsync(bool dynamic)
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = new JsonObject
        {
            ["container"] = new JsonObject
            {
                ["recipients"] = new JsonArray("*@example.com"),
                ["drm"] = new JsonObject { ["dynamic"] = dynamic, ["opens"] = 2 },
            },
        };
        using var form = new MultipartFormDataContent
        {
            { new StringContent(manifest.ToJsonString(), Encoding.UTF8, "application/json"), "manifest" },
            { new ByteArrayContent([1, 2, 3]), "files", "f.bin" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"orgs/{org.Id}/containers/encode") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", org.Key);
        using var response = await fixture.Api.Http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (org, body["container"]!["uuid"]!.GetValue<string>());
    }

    private Task<ApiResponse> Patch(TestOrg org, string path, JsonObject body, string? ifMatch = null) =>
        fixture.Api.SendRawAsync(HttpMethod.Patch, path, org.Key, body.ToJsonString(), "application/json",
            r => { if (ifMatch is not null) { r.Headers.TryAddWithoutValidation("If-Match", ifMatch); } });

    [Fact]
    public async Task Static_rules_are_returned_intact_and_cannot_change()
    {
        var (org, id) = await EncodeAsync(dynamic: false);
        foreach (var path in new[] { $"orgs/{org.Id}/containers/{id}/drm", $"users/{org.Id}/containers/{id}/drm", $"containers/{id}/drm", $"orgs/{org.Id}/containers/{id}/drm_rules" })
        {
            var rules = (await fixture.Api.GetAsync(path, org.Key)).AssertStatus(200).Json!;
            Assert.False(rules["dynamic"]!.GetValue<bool>());
            Assert.Equal("*@example.com", rules["recipients"]![0]!.GetValue<string>());
            Assert.Equal(2, rules["opens"]!.GetValue<int>());
        }
        (await Patch(org, $"containers/{id}/drm", new JsonObject { ["opens"] = 5 })).AssertProblem(409, 40903);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{id}/drm_rules", org.Key)).AssertProblem(409, 40903);
        (await Patch(org, $"containers/{id}/drm", new JsonObject { ["dynamic"] = true })).AssertProblem(400, 40001);
    }

    [Fact]
    public async Task Patch_merges_put_replaces_and_delete_clears()
    {
        var (org, id) = await EncodeAsync(dynamic: true);
        var merged = (await Patch(org, $"users/{org.Id}/containers/{id}/drm", new JsonObject { ["opens"] = 7, ["ip"] = new JsonObject { ["allow"] = new JsonArray("10.0.0.0/8") } })).AssertStatus(200).Json!;
        Assert.Equal(7, merged["opens"]!.GetValue<int>());
        Assert.Equal("*@example.com", merged["recipients"]![0]!.GetValue<string>());
        Assert.Equal("10.0.0.0/8", merged["ip"]!["allow"]![0]!.GetValue<string>());

        var cleared = (await Patch(org, $"containers/{id}/drm", new JsonObject { ["recipients"] = null })).AssertStatus(200).Json!;
        Assert.Null(cleared["recipients"]);
        Assert.Equal(7, cleared["opens"]!.GetValue<int>());

        var replaced = (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/drm", org.Key,
            new JsonObject { ["downloadable"] = true, ["time"] = new JsonObject { ["end"] = "2030-01-01T00:00:00Z" } })).AssertStatus(200).Json!;
        Assert.True(replaced["downloadable"]!.GetValue<bool>());
        Assert.Null(replaced["opens"]);
        Assert.Null(replaced["ip"]);
        Assert.True((await fixture.Api.GetAsync($"containers/{id}", org.Key)).Json!["downloadable"]!.GetValue<bool>());

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{id}/drm_rules", org.Key)).AssertStatus(204);
        var empty = (await fixture.Api.GetAsync($"containers/{id}/drm", org.Key)).Json!;
        Assert.Null(empty["time"]);
        Assert.False(empty["downloadable"]!.GetValue<bool>());
        Assert.True(empty["dynamic"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_rules_are_400_by_path_and_change_nothing()
    {
        var (org, id) = await EncodeAsync(dynamic: true);
        var before = (await fixture.Api.GetAsync($"containers/{id}/drm", org.Key)).Text;
        var response = await Patch(org, $"containers/{id}/drm", new JsonObject { ["ip"] = new JsonObject { ["block"] = new JsonArray("1.2.3.4", "nope") }, ["opens"] = 0 });
        var fields = response.AssertProblem(400, 40001).Json!["fields"]!;
        Assert.NotNull(fields["ip.block[1]"]);
        Assert.NotNull(fields["opens"]);
        Assert.Equal(before, (await fixture.Api.GetAsync($"containers/{id}/drm", org.Key)).Text);
        (await Patch(org, $"containers/{id}/drm", new JsonObject { ["id"] = Guid.NewGuid().ToString() })).AssertProblem(400, 40001);
    }

    [Fact]
    public async Task Malformed_rules_are_refused_before_the_containers_state_is_looked_at()
    {
        // The body is read into rules before the change goes to the container: a malformed one is a
        // 400 by its path whether the container's rules are static (else 409) or If-Match is stale (else 412).
        var (org, staticId) = await EncodeAsync(dynamic: false);
        Assert.NotNull((await Patch(org, $"containers/{staticId}/drm", new JsonObject { ["opens"] = 0 })).AssertProblem(400, 40001).Json!["fields"]!["opens"]);
        var (other, dynamicId) = await EncodeAsync(dynamic: true);
        Assert.NotNull((await Patch(other, $"containers/{dynamicId}/drm", new JsonObject { ["ip"] = new JsonObject { ["allow"] = new JsonArray("nope") } }, "\"stale\""))
            .AssertProblem(400, 40001).Json!["fields"]!["ip.allow[0]"]);
        (await Patch(other, $"containers/{dynamicId}/drm", new JsonObject { ["opens"] = 4 }, "\"stale\"")).AssertProblem(412, 41201);
    }

    [Fact]
    public async Task If_match_refuses_a_stale_write_and_concurrent_patches_all_land()
    {
        var (org, id) = await EncodeAsync(dynamic: true);
        var read = (await fixture.Api.GetAsync($"containers/{id}/drm", org.Key)).AssertStatus(200);
        var etag = read.Header("ETag")!;
        (await Patch(org, $"containers/{id}/drm", new JsonObject { ["opens"] = 3 }, etag)).AssertStatus(200);
        (await Patch(org, $"containers/{id}/drm", new JsonObject { ["opens"] = 4 }, etag)).AssertProblem(412, 41201);

        var changes = new JsonObject[]
        {
            new() { ["opens"] = 9 },
            new() { ["downloadable"] = true },
            new() { ["ip"] = new JsonObject { ["allow"] = new JsonArray("10.0.0.0/8") } },
            new() { ["geo"] = new JsonObject { ["block"] = new JsonArray(new JsonObject { ["country"] = "RU" }) } },
            new() { ["time"] = new JsonObject { ["end"] = "2031-01-01T00:00:00Z" } },
            new() { ["recipients"] = new JsonArray("ann@example.com") },
        };
        var results = await Task.WhenAll(changes.Select(c => Patch(org, $"containers/{id}/drm", c)));
        Assert.All(results, r => r.AssertStatus(200));
        var final = (await fixture.Api.GetAsync($"containers/{id}/drm", org.Key)).Json!;
        Assert.Equal(9, final["opens"]!.GetValue<int>());
        Assert.True(final["downloadable"]!.GetValue<bool>());
        Assert.NotNull(final["ip"]);
        Assert.Equal("RU", final["geo"]!["block"]![0]!["country"]!.GetValue<string>());
        Assert.NotNull(final["time"]);
        Assert.Equal("ann@example.com", final["recipients"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_change_is_recorded_with_who_and_the_old_and_new_rules()
    {
        var (org, id) = await EncodeAsync(dynamic: true);
        (await Patch(org, $"containers/{id}/drm", new JsonObject { ["opens"] = 5 })).AssertStatus(200);
        var changes = (await fixture.Api.GetAsync($"orgs/{org.Id}/events?action=drm.update", org.Key)).AssertStatus(200).Json!.AsArray();
        var change = Assert.Single(changes)!;
        Assert.Equal(id, change["container_id"]!.GetValue<string>());
        Assert.Equal(2, JsonNode.Parse(change["detail"]!["old"]!.GetValue<string>())!["opens"]!.GetValue<int>());
        Assert.Equal(5, JsonNode.Parse(change["detail"]!["new"]!.GetValue<string>())!["opens"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(change["user"]!.GetValue<string>()));
    }

    [Fact]
    public async Task What_if_evaluation_traces_every_rule_and_changes_nothing()
    {
        var (org, id) = await EncodeAsync(dynamic: true);
        (await Patch(org, $"containers/{id}/drm", new JsonObject
        {
            ["ip"] = new JsonObject { ["block"] = new JsonArray("8.8.8.0/24") },
            ["geo"] = new JsonObject { ["allow"] = new JsonArray(new JsonObject { ["continent"] = "Europe" }) },
        })).AssertStatus(200);
        var eventsBefore = (await fixture.Api.GetAsync($"orgs/{org.Id}/events", org.Key)).Json!.AsArray().Count;
        async Task<JsonNode> Evaluate(JsonObject body) =>
            (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/drm/evaluate", org.Key, body)).AssertStatus(200).Json!;

        var allowed = await Evaluate(new JsonObject { ["viewer"] = "Ann@Example.com", ["ip"] = "193.99.144.80" });
        Assert.True(allowed["allowed"]!.GetValue<bool>());
        Assert.Equal("DE", allowed["facts"]!["geo"]!["country"]!.GetValue<string>());
        Assert.Equal(["recipients", "time", "ip", "geo"], allowed["trace"]!.AsArray().Select(t => t!["rule"]!.GetValue<string>()));

        var blocked = await Evaluate(new JsonObject { ["viewer"] = "ann@example.com", ["ip"] = "8.8.8.8", ["geo"] = new JsonObject { ["country"] = "FR", ["continent"] = "EU" } });
        Assert.False(blocked["allowed"]!.GetValue<bool>());
        Assert.Equal("ip", blocked["denial"]!["rule"]!.GetValue<string>());
        Assert.True(blocked["trace"]![3]!["passed"]!.GetValue<bool>());

        var stranger = await Evaluate(new JsonObject { ["viewer"] = "eve@evil.example.org", ["time"] = "2040-01-01T00:00:00Z" });
        Assert.Equal("recipients", stranger["denial"]!["rule"]!.GetValue<string>());
        Assert.Equal("geo", stranger["trace"]!.AsArray().Last(t => !t!["passed"]!.GetValue<bool>())!["rule"]!.GetValue<string>());

        var bad = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/drm/evaluate", org.Key,
            new JsonObject { ["ip"] = "999.1.1.1", ["geo"] = new JsonObject { ["country"] = "Atlantis" }, ["time"] = "soon" });
        var fields = bad.AssertProblem(400, 40001).Json!["fields"]!;
        Assert.NotNull(fields["ip"]);
        Assert.NotNull(fields["geo.country"]);
        Assert.NotNull(fields["time"]);
        Assert.Equal(eventsBefore, (await fixture.Api.GetAsync($"orgs/{org.Id}/events", org.Key)).Json!.AsArray().Count);
    }

    [Fact]
    public async Task A_container_past_its_end_reads_as_expired()
    {
        var (org, id) = await EncodeAsync(dynamic: true);
        (await Patch(org, $"containers/{id}/drm", new JsonObject { ["time"] = new JsonObject { ["end"] = "2020-01-01T00:00:00Z" } })).AssertStatus(200);
        Assert.Equal("EXPIRED", (await fixture.Api.GetAsync($"containers/{id}", org.Key)).Json!["status"]!.GetValue<string>());
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers?status=expired", org.Key)).Json!.AsArray());
        (await Patch(org, $"containers/{id}/drm", new JsonObject { ["time"] = null })).AssertStatus(200);
        Assert.Equal("ACTIVE", (await fixture.Api.GetAsync($"containers/{id}", org.Key)).Json!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_org_can_neither_read_nor_change_the_rules()
    {
        var (owner, id) = await EncodeAsync(dynamic: true);
        var other = await fixture.CreateRootOrgAsync("Other");
        (await fixture.Api.GetAsync($"containers/{id}/drm", other.Key)).AssertProblem(404, 40404);
        (await Patch(other, $"containers/{id}/drm", new JsonObject { ["opens"] = 99 })).AssertProblem(404, 40404);
        (await fixture.Api.GetAsync($"orgs/{other.Id}/containers/{id}/drm_rules", other.Key)).AssertProblem(404, 40404);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{owner.Id}/containers/{id}/drm_rules", other.Key)).AssertProblem(404, 40402);
        var reader = await fixture.CreateChildAsync(owner, "user", "read");
        (await Patch(reader, $"containers/{id}/drm", new JsonObject { ["opens"] = 99 })).AssertProblem(403, 40301);
        Assert.Equal(2, (await fixture.Api.GetAsync($"containers/{id}/drm", owner.Key)).Json!["opens"]!.GetValue<int>());
    }
}
