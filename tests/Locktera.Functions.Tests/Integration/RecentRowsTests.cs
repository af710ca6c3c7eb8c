namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Keys and org nodes are read from memory on most requests (RecentRows): a revoked key, a deleted
/// node and a changed role take effect at once on the instance that made the change, and on every
/// other instance within <see cref="RecentRows.Staleness"/> of it (docs/authorization.md).
/// </summary>
public class RecentRowsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private void PastTheBound() => fixture.Clock.Advance(RecentRows.Staleness + TimeSpan.FromSeconds(1));

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_where_revoked_and_within_the_bound_elsewhere()
    {
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read");
        var other = await fixture.StartInstanceAsync();
        var keyId = (await other.GetAsync("me", user.Key)).AssertStatus(200).Json!["key_id"]!.GetValue<string>();
        (await fixture.Api.GetAsync("me", user.Key)).AssertStatus(200);

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{user.Id}/api_keys/{keyId}", org.Key)).AssertStatus(204);
        (await fixture.Api.GetAsync("me", user.Key)).AssertProblem(401, 40103);
        PastTheBound();
        (await other.GetAsync("me", user.Key)).AssertProblem(401, 40103);
    }

    [Fact]
    public async Task A_deleted_node_and_a_changed_role_take_effect_everywhere_within_the_bound()
    {
        var org = await fixture.CreateRootOrgAsync();
        var admin = await fixture.CreateChildAsync(org, "org_admin", "read", "write", "admin");
        var doomed = await fixture.CreateChildAsync(org, "group", "read");
        var other = await fixture.StartInstanceAsync();
        JsonObject NewUser() => new() { ["role"] = "user", ["email"] = $"u-{Guid.NewGuid():N}@acme.example.com" };
        (await other.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", admin.Key, NewUser())).AssertStatus(201);
        (await other.GetAsync($"orgs/{doomed.Id}", doomed.Key)).AssertStatus(200);
        // Both instances have read the rows.
        (await fixture.Api.GetAsync("me", admin.Key)).AssertStatus(200);
        (await fixture.Api.GetAsync($"orgs/{doomed.Id}", doomed.Key)).AssertStatus(200);

        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{admin.Id}", org.Key, new JsonObject { ["role"] = "user" })).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{doomed.Id}", org.Key)).AssertStatus(204);
        // At once where the change was made.
        Assert.Equal(403, (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", admin.Key, NewUser())).Status);
        (await fixture.Api.GetAsync($"orgs/{doomed.Id}", doomed.Key)).AssertProblem(401, 40103);
        (await fixture.Api.GetAsync($"orgs/{doomed.Id}", org.Key)).AssertProblem(404, 40402);

        PastTheBound();
        Assert.Equal(403, (await other.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", admin.Key, NewUser())).Status);
        (await other.GetAsync($"orgs/{doomed.Id}", doomed.Key)).AssertProblem(401, 40103);
        (await other.GetAsync($"orgs/{doomed.Id}", org.Key)).AssertProblem(404, 40402);
    }

    [Fact]
    public async Task A_key_or_node_created_on_one_instance_works_on_another_at_once()
    {
        var org = await fixture.CreateRootOrgAsync();
        var other = await fixture.StartInstanceAsync();
        // Nothing absent is remembered: a lookup that found nothing does not hide what is created next.
        (await other.GetAsync("me", "lt_" + org.Id.Replace("-", "", StringComparison.Ordinal) + "_nosuchkey")).AssertStatus(401);
        var user = await fixture.CreateChildAsync(org, "user", "read");
        (await other.GetAsync("me", user.Key)).AssertStatus(200);
        (await other.GetAsync($"orgs/{user.Id}", org.Key)).AssertStatus(200);
    }
}
