namespace Locktera.Functions.Tests.Integration;

public class OrgTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Provisioning_returns_the_org_and_its_first_admin_key_once()
    {
        var response = await fixture.Api.SendAsync(HttpMethod.Post, "orgs", ApiFixture.OperatorKey, new JsonObject
        {
            ["org_name"] = "Initech",
            ["email"] = "boss@initech.example.com",
            ["first_name"] = "Bill",
            ["last_name"] = "Lumbergh",
            ["mobile_phone"] = "+1 555 010 9999",
        });
        var body = response.AssertStatus(201).Json!;
        var org = body["org"]!;
        Assert.Equal(org["id"]!.GetValue<string>(), org["root_org_id"]!.GetValue<string>());
        Assert.Null(org["parent_org_id"]);
        Assert.Equal("org", org["role"]!.GetValue<string>());
        Assert.Equal("+15550109999", org["mobile_phone"]!.GetValue<string>());
        var key = body["api_key"]!;
        Assert.Equal(["read", "write", "admin"], key["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        var secret = key["secret"]!.GetValue<string>();

        var listed = (await fixture.Api.GetAsync($"orgs/{org["id"]}/api_keys", secret)).AssertStatus(200);
        Assert.DoesNotContain(secret, listed.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", listed.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", listed.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Patch_merges_the_given_fields_and_keeps_the_rest()
    {
        var org = await fixture.CreateRootOrgAsync("Before");
        var patched = await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}", org.Key,
            new JsonObject { ["org_name"] = "After", ["first_name"] = "Ann" });
        var body = patched.AssertStatus(200).Json!;
        Assert.Equal("After", body["org_name"]!.GetValue<string>());
        Assert.Equal("Ann", body["first_name"]!.GetValue<string>());
        Assert.Equal("admin@acme.example.com", body["email"]!.GetValue<string>());
        Assert.NotNull(body["updated_at"]);

        var cleared = await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}", org.Key, new JsonObject { ["first_name"] = null });
        Assert.Null(cleared.AssertStatus(200).Json!["first_name"]);
        Assert.Equal("After", (await fixture.Api.GetAsync($"orgs/{org.Id}", org.Key)).Json!["org_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Concurrent_patches_of_different_fields_are_all_kept()
    {
        var org = await fixture.CreateRootOrgAsync();
        var fields = new[] { "first_name", "last_name", "org_name" };
        await Task.WhenAll(fields.Select(f =>
            fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}", org.Key, new JsonObject { [f] = "set-" + f })));
        var body = (await fixture.Api.GetAsync($"orgs/{org.Id}", org.Key)).Json!;
        Assert.All(fields, f => Assert.Equal("set-" + f, body[f]!.GetValue<string>()));
    }

    [Fact]
    public async Task Identity_fields_cannot_be_patched()
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}", org.Key,
            new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["root_org_id"] = Guid.NewGuid().ToString(), ["parent_org_id"] = null });
        var fields = response.AssertProblem(400, 40001).Json!["fields"]!;
        Assert.NotNull(fields["id"]);
        Assert.NotNull(fields["root_org_id"]);
        Assert.NotNull(fields["parent_org_id"]);
    }

    [Fact]
    public async Task Required_details_cannot_be_cleared()
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}", org.Key, new JsonObject { ["org_name"] = "", ["email"] = null });
        Assert.NotNull(response.AssertProblem(400, 40001).Json!["fields"]!["org_name"]);
        var user = await fixture.CreateChildAsync(org, "user", "read");
        var cleared = await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{user.Id}", org.Key, new JsonObject { ["email"] = null });
        Assert.NotNull(cleared.AssertProblem(400, 40001).Json!["fields"]!["email"]);
    }

    [Fact]
    public async Task An_organization_is_provisioned_by_its_name_alone_as_upstreams_Org_allows()
    {
        var response = await fixture.Api.SendAsync(HttpMethod.Post, "orgs", ApiFixture.OperatorKey, new JsonObject { ["org_name"] = "Globex" });
        var body = response.AssertStatus(201).Json!;
        var org = new TestOrg(body["org"]!["id"]!.GetValue<string>(), body["api_key"]!["secret"]!.GetValue<string>());
        Assert.Equal("Globex", (await fixture.Api.GetAsync($"orgs/{org.Id}", org.Key)).AssertStatus(200).Json!["org_name"]!.GetValue<string>());

        // Its email is optional from then on too: it can be given and cleared again.
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}", org.Key, new JsonObject { ["email"] = "it@globex.example.com" })).AssertStatus(200);
        var cleared = (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}", org.Key, new JsonObject { ["email"] = null })).AssertStatus(200).Json!;
        Assert.False(cleared.AsObject().ContainsKey("email"));

        (await fixture.Api.SendAsync(HttpMethod.Post, "orgs", ApiFixture.OperatorKey, new JsonObject { ["email"] = "x@globex.example.com" }))
            .AssertProblem(400, 40001);
    }

    [Fact]
    public async Task Details_a_node_has_no_value_for_are_left_out_never_null()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "group", ["org_name"] = "Sales" }))
            .AssertStatus(201).Json!["id"]!.GetValue<string>();
        var user = await fixture.CreateChildAsync(org, "user", "read");
        string[] upstreamTyped = ["parent_org_id", "org_name", "first_name", "last_name", "email", "mobile_phone"];

        var answers = new List<JsonObject>
        {
            (await fixture.Api.GetAsync($"orgs/{org.Id}", org.Key)).AssertStatus(200).Json!.AsObject(),
            (await fixture.Api.GetAsync("org", user.Key)).AssertStatus(200).Json!.AsObject(),
            (await fixture.Api.GetAsync("me", user.Key)).AssertStatus(200).Json!.AsObject(),
            (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{group}", org.Key, new JsonObject { ["first_name"] = "Ann" })).AssertStatus(200).Json!.AsObject(),
        };
        answers.AddRange((await fixture.Api.GetAsync($"orgs/{org.Id}/children", org.Key)).AssertStatus(200).Json!.AsArray().Select(c => c!.AsObject()));
        foreach (var answer in answers)
        {
            Assert.All(upstreamTyped, field => Assert.False(answer.TryGetPropertyValue(field, out var value) && value is null, $"{field} is null in {answer.ToJsonString()}"));
        }
        // A root has no parent, a group no email, a user no org name: each left out.
        Assert.False(answers[0].ContainsKey("parent_org_id"));
        Assert.Equal(org.Id, answers[1]["id"]!.GetValue<string>());
        Assert.False(answers[2].ContainsKey("org_name"));
        Assert.False(answers[3].ContainsKey("email"));
        Assert.Equal(org.Id, answers[2]["parent_org_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Children_are_created_listed_and_paged()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key,
            new JsonObject { ["role"] = "group", ["org_name"] = "Sales" });
        var groupBody = group.AssertStatus(201).Json!;
        Assert.Equal(org.Id, groupBody["parent_org_id"]!.GetValue<string>());
        Assert.Equal(org.Id, groupBody["root_org_id"]!.GetValue<string>());
        for (var i = 0; i < 4; i++)
        {
            (await fixture.Api.SendAsync(HttpMethod.Post, $"users/{org.Id}/children", org.Key,
                new JsonObject { ["role"] = "user", ["email"] = $"u{i}@acme.example.com", ["first_name"] = $"U{i}" })).AssertStatus(201);
        }

        var all = (await fixture.Api.GetAsync($"orgs/{org.Id}/children", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(5, all.Count);
        Assert.Equal("Sales", all[0]!["org_name"]!.GetValue<string>());

        var first = (await fixture.Api.GetAsync($"orgs/{org.Id}/children?limit=2", org.Key)).AssertStatus(200);
        Assert.Equal(2, first.Json!.AsArray().Count);
        var cursor = first.Header("X-Next-Cursor");
        Assert.NotNull(cursor);
        Assert.Contains("rel=\"next\"", first.Header("Link"), StringComparison.Ordinal);
        var second = (await fixture.Api.GetAsync($"orgs/{org.Id}/children?limit=2&cursor={cursor}", org.Key)).AssertStatus(200).Json!.AsArray();
        var third = (await fixture.Api.GetAsync($"orgs/{org.Id}/children?limit=2&page=3", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(all[2]!["id"]!.GetValue<string>(), second[0]!["id"]!.GetValue<string>());
        Assert.Equal(all[4]!["id"]!.GetValue<string>(), Assert.Single(third)!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1000")]
    [InlineData("page=-1")]
    [InlineData("page=x")]
    [InlineData("cursor=garbage!")]
    [InlineData("page=2&cursor=AAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Bad_paging_is_400_naming_the_parameter(string query)
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.GetAsync($"orgs/{org.Id}/children?{query}", org.Key);
        Assert.NotEmpty(response.AssertProblem(400, 40004).Json!["fields"]!.AsObject());
    }

    [Theory]
    [InlineData("group", null, "org_name")]
    [InlineData("user", null, "email")]
    public async Task A_child_needs_the_details_of_its_role(string role, string? name, string missing)
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key,
            new JsonObject { ["role"] = role, ["org_name"] = name });
        Assert.NotNull(response.AssertProblem(400, 40001).Json!["fields"]![missing]);
    }

    [Fact]
    public async Task The_tree_keeps_its_shape()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read");
        var user = await fixture.CreateChildAsync(org, "user", "read");

        var nestedGroup = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{group.Id}/children", org.Key,
            new JsonObject { ["role"] = "group", ["org_name"] = "Nested" });
        nestedGroup.AssertProblem(409, 40901);
        var underUser = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{user.Id}/children", org.Key,
            new JsonObject { ["role"] = "user", ["email"] = "x@acme.example.com" });
        underUser.AssertProblem(409, 40901);
        var secondRoot = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key,
            new JsonObject { ["role"] = "org", ["org_name"] = "Another root" });
        secondRoot.AssertProblem(409, 40901);
    }

    [Fact]
    public async Task Unknown_and_malformed_org_ids_are_404()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await fixture.Api.GetAsync($"orgs/{Guid.NewGuid()}", org.Key)).AssertProblem(404, 40402);
        (await fixture.Api.GetAsync("orgs/not-a-uuid", org.Key)).AssertProblem(404, 40402);
        (await fixture.Api.GetAsync($"orgs/{Guid.NewGuid()}", ApiFixture.OperatorKey)).AssertProblem(404, 40402);
    }
}
