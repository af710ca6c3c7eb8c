namespace Locktera.Functions.Tests.Integration;

public class ApiKeyTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Keys_are_created_listed_without_secrets_and_revoked()
    {
        var org = await fixture.CreateRootOrgAsync();
        var created = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", org.Key,
            new JsonObject { ["name"] = "reporting", ["permissions"] = new JsonArray("read") });
        var key = created.AssertStatus(201).Json!;
        Assert.Equal("reporting", key["name"]!.GetValue<string>());
        Assert.Equal(org.Id, key["org_id"]!.GetValue<string>());
        Assert.Equal(key["key_id"]!.GetValue<string>(), key["id"]!.GetValue<string>());
        Assert.Null(key["last_used_at"]);
        var secret = key["secret"]!.GetValue<string>();

        (await fixture.Api.GetAsync("me", secret)).AssertStatus(200);
        var listed = (await fixture.Api.GetAsync($"orgs/{org.Id}/api_keys", org.Key)).AssertStatus(200);
        var entries = listed.Json!.AsArray();
        Assert.Equal(2, entries.Count);
        var reporting = entries.Single(e => e!["name"]!.GetValue<string>() == "reporting")!.AsObject();
        Assert.NotNull(reporting["last_used_at"]);
        Assert.Equal(["key_id", "id", "name", "org_id", "permissions", "created_at", "last_used_at"], reporting.Select(p => p.Key));
        Assert.DoesNotContain(secret, listed.Text, StringComparison.Ordinal);

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/api_keys/{key["key_id"]}", org.Key)).AssertStatus(204);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/api_keys", org.Key)).Json!.AsArray());
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/api_keys/{key["key_id"]}", org.Key)).AssertProblem(404, 40403);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/api_keys/not-a-key", org.Key)).AssertProblem(404, 40403);
    }

    [Fact]
    public async Task An_admin_manages_keys_of_nodes_below_it_but_not_of_other_nodes_keys_by_path()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var user = await fixture.CreateChildAsync(group, "user", "read");
        Assert.True(Locktera.Core.Keys.ApiKeyToken.TryParse(user.Key, out var userKey));

        Assert.Single((await fixture.Api.GetAsync($"orgs/{user.Id}/api_keys", group.Key)).AssertStatus(200).Json!.AsArray());
        // A key is addressed through its own node only.
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{group.Id}/api_keys/{userKey.KeyId}", group.Key)).AssertProblem(404, 40403);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{user.Id}/api_keys/{userKey.KeyId}", group.Key)).AssertStatus(204);
        (await fixture.Api.GetAsync("me", user.Key)).AssertProblem(401, 40103);
    }
}
