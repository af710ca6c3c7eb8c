namespace Locktera.Functions.Tests.Integration;

public class DeletionTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Deleting_a_group_removes_its_subtree_and_revokes_its_keys_at_once()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var member = await fixture.CreateChildAsync(group, "user", "read");
        var bystander = await fixture.CreateChildAsync(org, "user", "read");
        (await fixture.Api.GetAsync("me", member.Key)).AssertStatus(200);

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{group.Id}", org.Key)).AssertStatus(204);

        (await fixture.Api.GetAsync("me", group.Key)).AssertProblem(401, 40103);
        (await fixture.Api.GetAsync("me", member.Key)).AssertProblem(401, 40103);
        (await fixture.Api.GetAsync($"orgs/{group.Id}", org.Key)).AssertProblem(404, 40402);
        (await fixture.Api.GetAsync($"orgs/{member.Id}", org.Key)).AssertProblem(404, 40402);
        var children = (await fixture.Api.GetAsync($"orgs/{org.Id}/children", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(bystander.Id, Assert.Single(children)!["id"]!.GetValue<string>());
        (await fixture.Api.GetAsync("me", bystander.Key)).AssertStatus(200);

        // Deleting again finds nothing.
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{group.Id}", org.Key)).AssertProblem(404, 40402);
    }

    [Fact]
    public async Task A_root_org_is_deleted_by_its_own_admin()
    {
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read");
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}", org.Key)).AssertStatus(204);
        (await fixture.Api.GetAsync("me", org.Key)).AssertProblem(401, 40103);
        (await fixture.Api.GetAsync("me", user.Key)).AssertProblem(401, 40103);
        (await fixture.Api.GetAsync($"orgs/{org.Id}", ApiFixture.OperatorKey)).AssertProblem(404, 40402);
    }

    [Fact]
    public async Task The_operator_deletes_any_root_org()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}", ApiFixture.OperatorKey)).AssertStatus(204);
        (await fixture.Api.GetAsync("me", org.Key)).AssertProblem(401, 40103);
    }

    [Fact]
    public async Task Nodes_are_not_deleted_by_their_own_keys_or_from_below()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var user = await fixture.CreateChildAsync(group, "user", "read", "write");
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{group.Id}", group.Key)).AssertProblem(403, 40302);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}", group.Key)).AssertProblem(403, 40302);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{user.Id}", user.Key)).AssertProblem(403, 40301);
        (await fixture.Api.GetAsync($"orgs/{group.Id}", org.Key)).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{user.Id}", group.Key)).AssertStatus(204);
    }
}
