using System.Text.Json.Nodes;

namespace Locktera.Functions.Tests.Integration;

/// <summary>An admin of one organization can do nothing to another, by any route, and learns nothing of it.</summary>
public class CrossTenantTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task An_admin_of_org_a_can_do_nothing_to_org_b()
    {
        var a = await fixture.CreateRootOrgAsync("A");
        var b = await fixture.CreateRootOrgAsync("B");
        var bUser = await fixture.CreateChildAsync(b, "user", "read");
        Assert.True(Locktera.Core.Keys.ApiKeyToken.TryParse(b.Key, out var bKey));
        var before = (await fixture.Api.GetAsync($"orgs/{b.Id}", b.Key)).Text;

        foreach (var family in new[] { "orgs", "users" })
        {
            foreach (var target in new[] { b.Id, bUser.Id })
            {
                var attempts = new (HttpMethod Method, string Path, JsonNode? Body)[]
                {
                    (HttpMethod.Get, $"{family}/{target}", null),
                    (HttpMethod.Patch, $"{family}/{target}", new JsonObject { ["org_name"] = "pwned" }),
                    (HttpMethod.Delete, $"{family}/{target}", null),
                    (HttpMethod.Get, $"{family}/{target}/children", null),
                    (HttpMethod.Post, $"{family}/{target}/children", new JsonObject { ["role"] = "user", ["email"] = "evil@a.example.com" }),
                    (HttpMethod.Get, $"{family}/{target}/api_keys", null),
                    (HttpMethod.Post, $"{family}/{target}/api_keys", new JsonObject { ["name"] = "evil", ["permissions"] = new JsonArray("read") }),
                    (HttpMethod.Delete, $"{family}/{target}/api_keys/{bKey.KeyId}", null),
                };
                foreach (var (method, path, body) in attempts)
                {
                    var response = await fixture.Api.SendAsync(method, path, a.Key, body);
                    // Exactly what an id that does not exist answers: B's existence does not leak.
                    response.AssertProblem(404, 40402);
                }
            }
        }

        Assert.Equal(before, (await fixture.Api.GetAsync($"orgs/{b.Id}", b.Key)).AssertStatus(200).Text);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{b.Id}/children", b.Key)).Json!.AsArray());
        Assert.Single((await fixture.Api.GetAsync($"orgs/{b.Id}/api_keys", b.Key)).Json!.AsArray());
        (await fixture.Api.GetAsync("me", bUser.Key)).AssertStatus(200);
    }
}
