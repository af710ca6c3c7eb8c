using Locktera.Core.Keys;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The children audit: every change to the nodes beneath a node, with before and after, who and from where.</summary>
public class ChildrenAuditTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static string Str(JsonNode? node, string name) => node![name]!.GetValue<string>();

    [Fact]
    public async Task Creates_updates_role_changes_and_deletes_beneath_a_node_are_audited()
    {
        var org = await fixture.CreateRootOrgAsync();
        Assert.True(ApiKeyToken.TryParse(org.Key, out var key));
        var group = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "group", ["org_name"] = "Sales" })).AssertStatus(201).Json!;
        var groupId = Str(group, "id");
        var user = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{groupId}/children", org.Key, new JsonObject { ["role"] = "user", ["email"] = "ann@acme.example.com" })).AssertStatus(201).Json!;
        var userId = Str(user, "id");
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"users/{userId}", org.Key, new JsonObject { ["first_name"] = "Ann" })).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"users/{userId}", org.Key, new JsonObject { ["role"] = "user_admin" })).AssertStatus(200);

        // The group's audit holds what happened beneath it, not the group's own creation.
        var ofGroup = (await fixture.Api.GetAsync($"orgs/{groupId}/children_audit", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["role_change", "update", "create"], ofGroup.Select(c => Str(c, "action")));
        Assert.Equal("user", Str(ofGroup[0]!["old_data"], "role"));
        Assert.Equal("user_admin", Str(ofGroup[0]!["new_data"], "role"));
        Assert.Null(ofGroup[1]!["old_data"]!["first_name"]);
        Assert.Equal("Ann", Str(ofGroup[1]!["new_data"], "first_name"));
        Assert.Null(ofGroup[2]!["old_data"]);
        Assert.Equal("ann@acme.example.com", Str(ofGroup[2]!["new_data"], "email"));

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{groupId}", org.Key)).AssertStatus(204);
        var ofOrg = (await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["delete", "delete", "role_change", "update", "create", "create"], ofOrg.Select(c => Str(c, "action")));
        // Deepest first: the user went before its group.
        Assert.Equal([groupId, userId], ofOrg.Take(2).Select(c => Str(c, "org_id")));
        Assert.Null(ofOrg[0]!["new_data"]);
        Assert.Equal("Sales", Str(ofOrg[0]!["old_data"], "org_name"));
        Assert.All(ofOrg, c =>
        {
            Assert.Equal(key.KeyId.ToString(), Str(c, "changed_by"));
            Assert.Equal("127.0.0.1", Str(c, "ip"));
        });
        Assert.Equal(2, (await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit?limit=2&page=3", org.Key)).Json!.AsArray().Count);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit?end=2000-01-01T00:00:00Z", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task A_create_has_no_old_data_and_a_delete_no_new_data_rather_than_null()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "group", ["org_name"] = "Sales" })).AssertStatus(201).Json!;
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{Str(group, "id")}", org.Key)).AssertStatus(204);

        var rows = (await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit", org.Key)).AssertStatus(200).Json!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(["delete", "create"], rows.Select(r => Str(r, "action")));
        // upstream's AuditLog types old_data as an object: a row without one leaves it out (and new_data alike).
        Assert.False(rows[0].ContainsKey("new_data"));
        Assert.Equal("Sales", Str(rows[0]["old_data"], "org_name"));
        Assert.False(rows[1].ContainsKey("old_data"));
        Assert.Equal("Sales", Str(rows[1]["new_data"], "org_name"));
        // The nodes inside are shown as GET /orgs/{id} shows them: a group's missing email is left out too.
        Assert.All(rows, r => Assert.False(r[r.ContainsKey("old_data") ? "old_data" : "new_data"]!.AsObject().ContainsKey("email")));
    }

    [Fact]
    public async Task The_audit_is_guarded_like_the_nodes_it_describes()
    {
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read", "write");
        (await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit", user.Key)).AssertProblem(403, 40302);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{user.Id}/children_audit", user.Key)).AssertStatus(200).Json!.AsArray());
        (await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit", null)).AssertProblem(401, 40101);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit?start=now", org.Key)).AssertProblem(400, 40004);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"users/{user.Id}", ApiFixture.OperatorKey, new JsonObject { ["last_name"] = "Lee" })).AssertStatus(200);
        var seenByOperator = (await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit", ApiFixture.OperatorKey)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["update", "create"], seenByOperator.Select(c => Str(c, "action")));
        Assert.Equal("operator", Str(seenByOperator[0], "changed_by"));
    }
}
