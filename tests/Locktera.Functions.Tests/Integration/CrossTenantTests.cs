using System.Runtime.CompilerServices;
using Locktera.Functions.Pipeline;

namespace Locktera.Functions.Tests.Integration;

/// <summary>An admin of one organization can do nothing to another, by any route, and learns nothing of it.</summary>
public class CrossTenantTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    /// <summary>Org B and one of its containers, made once per fixture for every route's case.</summary>
    private static readonly ConditionalWeakTable<ApiFixture, Task<(TestOrg A, TestOrg B, string Container)>> Tenants = [];

    public static TheoryData<string> RoutesOfAnOrg =>
        [.. FunctionCatalog.Locktera.Entries.Where(e => e.Http?.Route is { } r && (r.Contains("{org_id}", StringComparison.Ordinal) || r.Contains("{container_id}", StringComparison.Ordinal))).Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(RoutesOfAnOrg))]
    public async Task Every_route_of_another_org_answers_as_if_it_did_not_exist(string name)
    {
        var (a, b, container) = await Tenants.GetValue(fixture, async f =>
        {
            var b = await f.CreateRootOrgAsync("B");
            var encoded = (await f.Api.EncodeAsync(b, """{"container":{"name":"c"}}""", ("a.txt", [1], "text/plain"))).AssertStatus(201);
            return (await f.CreateRootOrgAsync("A"), b, encoded.Json!["container"]!["uuid"]!.GetValue<string>());
        });
        var entry = FunctionCatalog.Locktera.Entries.Single(e => e.Name == name);
        var path = RoutingTests.Fill(entry.Http!.Route!, b.Id, container);
        foreach (var method in entry.Http.Methods!.Select(m => new HttpMethod(m.ToUpperInvariant())))
        {
            var body = method == HttpMethod.Get || method == HttpMethod.Delete ? null : new JsonObject();
            var response = await fixture.Api.SendAsync(method, path, a.Key, body);
            response.AssertProblem(404, path.Contains(b.Id, StringComparison.Ordinal) ? 40402 : 40404);
        }
    }

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
