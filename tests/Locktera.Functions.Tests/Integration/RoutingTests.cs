using Locktera.Functions.Pipeline;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The DevHost serves every HTTP function of the app, under the route prefix of host.json.</summary>
public class RoutingTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    public static TheoryData<string> HttpFunctions => [.. FunctionCatalog.Locktera.Entries.Where(e => e.Http is not null).Select(e => e.Name)];

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public async Task Every_http_function_is_reachable(string name)
    {
        var entry = FunctionCatalog.Locktera.Entries.Single(e => e.Name == name);
        var path = Fill(entry.Http!.Route!, Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        Assert.DoesNotContain("{", path, StringComparison.Ordinal);

        foreach (var method in entry.Http.Methods!)
        {
            var response = await fixture.Api.SendAsync(new HttpMethod(method.ToUpperInvariant()), path);
            // Reaching the function means its access rule answered (or, when public, the function itself).
            Assert.NotEqual(40401, response.Code);
            Assert.NotEqual(40501, response.Code);
            Assert.Equal(entry.Access is PublicEndpointAttribute ? 200 : 401, response.Status);
        }
    }

    /// <summary>A request path for a route template: the given org and container, plausible values for the rest.</summary>
    public static string Fill(string route, string orgId, string containerId) => route
        .Replace("{family:regex(^(orgs|users)$)}", "orgs", StringComparison.Ordinal)
        .Replace("{org_id}", orgId, StringComparison.Ordinal)
        .Replace("{key_id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{container_id}", containerId, StringComparison.Ordinal)
        .Replace("{file_name}", "file.txt", StringComparison.Ordinal)
        .Replace("{email}", "ann@example.com", StringComparison.Ordinal)
        .Replace("{consent_id}", "gdpr", StringComparison.Ordinal)
        .Replace("{session_id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{webhook_id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{delivery_id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{asset}", "swagger-ui.css", StringComparison.Ordinal)
        .Replace("{kind:regex(^by_(access|block|create|expire|fail)$)}", "by_access", StringComparison.Ordinal);

    [Fact]
    public void Every_http_function_declares_its_access_rule() =>
        Assert.All(FunctionCatalog.Locktera.Entries.Where(e => e.Http is not null), e => Assert.NotNull(e.Access));

    [Fact]
    public async Task Unknown_routes_and_methods_answer_in_the_error_shape()
    {
        (await fixture.Api.GetAsync("no_such_route", null)).AssertProblem(404, 40401);
        (await fixture.Api.SendAsync(HttpMethod.Put, "me")).AssertProblem(405, 40501);
    }

    [Fact]
    public async Task Both_path_families_address_the_same_node()
    {
        var org = await fixture.CreateRootOrgAsync();
        var viaOrgs = await fixture.Api.GetAsync($"orgs/{org.Id}", org.Key);
        var viaUsers = await fixture.Api.GetAsync($"users/{org.Id}", org.Key);
        Assert.Equal(viaOrgs.AssertStatus(200).Text, viaUsers.AssertStatus(200).Text);
    }
}
