namespace Locktera.Functions.Tests.Integration;

/// <summary>Consents of org nodes and of viewers: both upstream shapes, history, and who may see which.</summary>
public class ConsentTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private Task<ApiResponse> PutOrg(TestOrg org, string consentId, JsonObject body, string? key = null) =>
        fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/consents/{consentId}", key ?? org.Key, body);

    private Task<ApiResponse> PutViewer(string credential, string email, string consentId, JsonObject body) =>
        fixture.Api.SendAsync(HttpMethod.Put, $"viewers/{email}/consents/{consentId}", credential, body);

    private async Task<(TestOrg Org, string Token)> ViewerAsync(string email)
    {
        var org = await fixture.CreateRootOrgAsync();
        var encoded = (await fixture.Api.EncodeAsync(org, """{"container":{"name":"c"}}""", ("a.txt", [1, 2, 3], "text/plain"))).AssertStatus(201);
        var id = encoded.Json!["container"]!["uuid"]!.GetValue<string>();
        var issued = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/viewer_tokens", org.Key, new JsonObject { ["email"] = email })).AssertStatus(201);
        return (org, issued.Json!["token"]!.GetValue<string>());
    }

    private static string Str(JsonNode? node, string name) => node![name]!.GetValue<string>();

    [Fact]
    public async Task An_org_records_its_own_consent_in_either_shape_and_keeps_every_change()
    {
        var org = await fixture.CreateRootOrgAsync();
        var granted = (await PutOrg(org, "gdpr", new JsonObject { ["status"] = "granted", ["description"] = "GDPR Compliance" })).AssertStatus(200).Json!;
        Assert.Equal("granted", Str(granted, "status"));
        Assert.True(granted["is_checked"]!.GetValue<bool>());
        Assert.Equal("gdpr", Str(granted, "consent_id"));
        Assert.Equal(org.Id, Str(granted, "org_id"));
        Assert.Equal("org", Str(granted, "scope"));

        var revoked = (await PutOrg(org, "GDPR", new JsonObject { ["is_checked"] = false })).AssertStatus(200).Json!;
        Assert.Equal("revoked", Str(revoked, "status"));
        Assert.False(revoked["is_checked"]!.GetValue<bool>());
        Assert.Equal("GDPR Compliance", Str(revoked, "description"));
        Assert.Equal(Str(granted, "id"), Str(revoked, "id"));

        // Echoing a record back (as a client does after a GET) is accepted when it agrees with the path.
        var echoed = new JsonObject { ["consent_id"] = "gdpr", ["status"] = "granted", ["is_checked"] = true, ["consent_timestamp"] = "2026-01-02T03:04:05Z" };
        var regranted = (await PutOrg(org, "gdpr", echoed)).AssertStatus(200).Json!;
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), regranted["consent_timestamp"]!.GetValue<DateTimeOffset>());
        (await PutOrg(org, "terms_of_use", new JsonObject { ["status"] = "granted" })).AssertStatus(200);

        var current = (await fixture.Api.GetAsync($"orgs/{org.Id}/consents", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["gdpr", "terms_of_use"], current.Select(c => Str(c, "consent_id")));
        Assert.Equal("granted", Str(current[0], "status"));

        var history = (await fixture.Api.GetAsync($"orgs/{org.Id}/consents_history?consent_id=gdpr", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["granted", "revoked", "granted"], history.Select(c => Str(c, "status")));
        Assert.True(Locktera.Core.Keys.ApiKeyToken.TryParse(org.Key, out var key));
        Assert.All(history, c => Assert.Equal(key.KeyId.ToString(), Str(c, "changed_by")));
        Assert.Equal(4, (await fixture.Api.GetAsync($"orgs/{org.Id}/consents_history", org.Key)).Json!.AsArray().Count);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/consents_history?limit=1&page=2", org.Key)).Json!.AsArray());
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/consents_history?end=2000-01-01T00:00:00Z", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task Bad_consents_are_400_and_change_nothing()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await PutOrg(org, "gdpr!", new JsonObject { ["status"] = "granted" })).AssertProblem(400, 40001);
        (await PutOrg(org, new string('a', 65), new JsonObject { ["status"] = "granted" })).AssertProblem(400, 40001);
        foreach (var (body, field) in new (JsonObject, string)[]
        {
            (new JsonObject(), "status"),
            (new JsonObject { ["status"] = "yes" }, "status"),
            (new JsonObject { ["is_checked"] = "true" }, "is_checked"),
            (new JsonObject { ["status"] = "granted", ["is_checked"] = false }, "is_checked"),
            (new JsonObject { ["status"] = "granted", ["consent_timestamp"] = "2999-01-01T00:00:00Z" }, "consent_timestamp"),
            (new JsonObject { ["status"] = "granted", ["consent_timestamp"] = "yesterday" }, "consent_timestamp"),
            (new JsonObject { ["status"] = "granted", ["consent_id"] = "terms" }, "consent_id"),
            (new JsonObject { ["status"] = "granted", ["id"] = "x" }, "id"),
            (new JsonObject { ["status"] = "granted", ["description"] = new string('d', 201) }, "description"),
            (new JsonObject { ["status"] = "granted", ["colour"] = "red" }, "colour"),
        })
        {
            var fields = (await PutOrg(org, "gdpr", body)).AssertProblem(400, 40001).Json!["fields"]!;
            Assert.NotNull(fields[field]);
        }
        (await fixture.Api.SendRawAsync(HttpMethod.Put, $"orgs/{org.Id}/consents/gdpr", org.Key, "{\"status\":", "application/json")).AssertProblem(400, 40002);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consents?email=nope", org.Key)).AssertStatus(400);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consents_history?start=soon", org.Key)).AssertStatus(400);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/consents", org.Key)).Json!.AsArray());
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/consents_history", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task A_viewer_records_and_reads_its_own_consents_and_its_org_sees_them()
    {
        var (org, token) = await ViewerAsync("ann@example.com");
        var recorded = (await PutViewer(token, "Ann@Example.com", "terms_of_use", new JsonObject { ["status"] = "granted", ["description"] = "Terms of Use" })).AssertStatus(200).Json!;
        Assert.Equal("viewer", Str(recorded, "scope"));
        Assert.Equal("ann@example.com", Str(recorded, "email"));
        Assert.Equal(org.Id, Str(recorded, "org_id"));
        Assert.Equal("ann@example.com", Str(recorded, "changed_by"));
        (await PutViewer(token, "ann@example.com", "terms_of_use", new JsonObject { ["status"] = "revoked" })).AssertStatus(200);

        var own = (await fixture.Api.GetAsync("viewers/ann@example.com/consents", token)).AssertStatus(200).Json!.AsArray();
        Assert.Equal("revoked", Str(Assert.Single(own), "status"));
        var history = (await fixture.Api.GetAsync("viewers/ann@example.com/consents_history", token)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["revoked", "granted"], history.Select(c => Str(c, "status")));

        // What the org records for the viewer, the viewer sees without the org's key or address.
        (await fixture.Api.SendAsync(HttpMethod.Put, "viewers/ann@example.com/consents/newsletter", org.Key, new JsonObject { ["status"] = "revoked" })).AssertStatus(200);
        var byOrg = (await fixture.Api.GetAsync("viewers/ann@example.com/consents", token)).Json!.AsArray().Single(c => Str(c, "consent_id") == "newsletter");
        Assert.Equal("org", Str(byOrg, "changed_by"));
        Assert.Null(byOrg!["ip"]);
        Assert.Equal("127.0.0.1", Str(own[0], "ip"));

        // The org reads them through the viewer routes and in its own listing and history.
        Assert.Equal(2, (await fixture.Api.GetAsync("viewers/ann@example.com/consents", org.Key)).AssertStatus(200).Json!.AsArray().Count);
        var listed = (await fixture.Api.GetAsync($"orgs/{org.Id}/consents?email=ann@example.com&consent_id=terms_of_use", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal("terms_of_use", Str(Assert.Single(listed), "consent_id"));
        Assert.Equal(2, (await fixture.Api.GetAsync($"orgs/{org.Id}/consents_history?email=ANN@example.com&consent_id=terms_of_use", org.Key)).Json!.AsArray().Count);

        // A token speaks only for its own email and cannot reach org routes.
        (await PutViewer(token, "bob@example.com", "terms_of_use", new JsonObject { ["status"] = "granted" })).AssertProblem(403, 40308);
        (await fixture.Api.GetAsync("viewers/bob@example.com/consents", token)).AssertProblem(403, 40308);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consents", token)).AssertProblem(403, 40308);
        (await fixture.Api.GetAsync("viewers/not-an-email/consents", token)).AssertProblem(400, 40001);
    }

    [Fact]
    public async Task One_org_never_sees_another_orgs_consent_records()
    {
        var (org, token) = await ViewerAsync("cy@example.com");
        (await PutViewer(token, "cy@example.com", "gdpr", new JsonObject { ["status"] = "granted" })).AssertStatus(200);
        var other = await fixture.CreateRootOrgAsync("Other");
        var own = (await PutViewer(other.Key, "cy@example.com", "gdpr", new JsonObject { ["status"] = "revoked" })).AssertStatus(200).Json!;
        Assert.Equal(other.Id, Str(own, "org_id"));

        var seenByOther = (await fixture.Api.GetAsync("viewers/cy@example.com/consents", other.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal("revoked", Str(Assert.Single(seenByOther), "status"));
        var seenByFirst = (await fixture.Api.GetAsync("viewers/cy@example.com/consents", org.Key)).Json!.AsArray();
        Assert.Equal("granted", Str(Assert.Single(seenByFirst), "status"));
        Assert.Single((await fixture.Api.GetAsync("viewers/cy@example.com/consents_history", other.Key)).Json!.AsArray());
        var seenByToken = (await fixture.Api.GetAsync("viewers/cy@example.com/consents", token)).Json!.AsArray();
        Assert.Equal(org.Id, Str(Assert.Single(seenByToken), "org_id"));

        foreach (var path in new[] { $"orgs/{org.Id}/consents", $"orgs/{org.Id}/consents_history" })
        {
            (await fixture.Api.GetAsync(path, other.Key)).AssertProblem(404, 40402);
        }
        (await PutOrg(org, "gdpr", new JsonObject { ["status"] = "granted" }, other.Key)).AssertProblem(404, 40402);
    }

    [Fact]
    public async Task Consents_follow_the_key_permissions_and_the_tree()
    {
        var org = await fixture.CreateRootOrgAsync();
        var reader = await fixture.CreateChildAsync(org, "user", "read");
        var user = await fixture.CreateChildAsync(org, "user", "read", "write");
        (await PutOrg(org, "gdpr", new JsonObject { ["status"] = "granted" }, reader.Key)).AssertProblem(403, 40301);
        (await PutViewer(reader.Key, "dee@example.com", "gdpr", new JsonObject { ["status"] = "granted" })).AssertProblem(403, 40301);
        (await PutOrg(org, "gdpr", new JsonObject { ["status"] = "granted" }, null)).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/consents/gdpr", null, new JsonObject { ["status"] = "granted" })).AssertProblem(401, 40101);
        (await fixture.Api.GetAsync("viewers/dee@example.com/consents", null)).AssertProblem(401, 40101);
        (await fixture.Api.GetAsync("viewers/dee@example.com/consents", ApiFixture.OperatorKey)).AssertProblem(403, 40305);

        // A user records its own consent on its node; the org above sees it, a sibling user does not.
        var own = (await PutOrg(user, "gdpr", new JsonObject { ["is_checked"] = true })).AssertStatus(200).Json!;
        Assert.Equal(user.Id, Str(own, "org_id"));
        (await PutViewer(user.Key, "dee@example.com", "gdpr", new JsonObject { ["status"] = "granted" })).AssertStatus(200);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{user.Id}/consents?consent_id=gdpr&email=dee@example.com", org.Key)).AssertStatus(200).Json!.AsArray());
        Assert.Single((await fixture.Api.GetAsync("viewers/dee@example.com/consents", org.Key)).Json!.AsArray());
        Assert.Empty((await fixture.Api.GetAsync("viewers/dee@example.com/consents", reader.Key)).AssertStatus(200).Json!.AsArray());
        (await fixture.Api.GetAsync($"orgs/{user.Id}/consents", reader.Key)).AssertProblem(403, 40302);
    }

    [Fact]
    public async Task Parallel_changes_from_two_instances_are_each_kept()
    {
        var org = await fixture.CreateRootOrgAsync();
        var second = await fixture.StartInstanceAsync();
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            (i % 2 == 0 ? fixture.Api : second).SendAsync(HttpMethod.Put, $"orgs/{org.Id}/consents/gdpr", org.Key, new JsonObject { ["is_checked"] = i % 3 == 0 })));
        var history = (await fixture.Api.GetAsync($"orgs/{org.Id}/consents_history", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(12, history.Count);
        var current = Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/consents", org.Key)).Json!.AsArray());
        // The current state is the last change kept.
        Assert.Equal(Str(history[0], "status"), Str(current, "status"));
    }

    [Fact]
    public async Task Listings_page_with_cursors()
    {
        var org = await fixture.CreateRootOrgAsync();
        foreach (var id in new[] { "a", "b", "c" })
        {
            (await PutOrg(org, id, new JsonObject { ["status"] = "granted" })).AssertStatus(200);
        }
        var first = (await fixture.Api.GetAsync($"orgs/{org.Id}/consents?limit=2", org.Key)).AssertStatus(200);
        Assert.Equal(["a", "b"], first.Json!.AsArray().Select(c => Str(c, "consent_id")));
        var rest = (await fixture.Api.GetAsync($"orgs/{org.Id}/consents?limit=2&cursor={first.Header("X-Next-Cursor")}", org.Key)).Json!.AsArray();
        Assert.Equal("c", Str(Assert.Single(rest), "consent_id"));
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consents?cursor=bm9wZQ", org.Key)).AssertStatus(400);
        // A cursor shaped like a row key but holding what no key holds never reaches a query.
        var forged = System.Buffers.Text.Base64Url.EncodeToString("c:org\u0001'x:a"u8);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consents?cursor={forged}", org.Key)).AssertProblem(400, 40004);
    }

    [Fact]
    public async Task Records_leave_out_what_they_do_not_have()
    {
        var (org, token) = await ViewerAsync("eve@example.com");
        // A group has no email of its own, and nobody described this consent.
        var group = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "group", ["org_name"] = "Sales" })).AssertStatus(201).Json!;
        var own = (await PutOrg(new TestOrg(Str(group, "id"), org.Key), "gdpr", new JsonObject { ["status"] = "granted" })).AssertStatus(200).Json!.AsObject();
        Assert.False(own.ContainsKey("email"));
        Assert.False(own.ContainsKey("description"));
        Assert.Equal("127.0.0.1", Str(own, "ip"));

        // What the org recorded for the viewer, the viewer reads without the org's address.
        (await fixture.Api.SendAsync(HttpMethod.Put, "viewers/eve@example.com/consents/newsletter", org.Key, new JsonObject { ["status"] = "granted" })).AssertStatus(200);
        foreach (var path in new[] { "viewers/eve@example.com/consents", "viewers/eve@example.com/consents_history" })
        {
            var seen = Assert.Single((await fixture.Api.GetAsync(path, token)).AssertStatus(200).Json!.AsArray())!.AsObject();
            Assert.Equal("org", Str(seen, "changed_by"));
            Assert.False(seen.ContainsKey("ip"), path);
        }
    }
}
