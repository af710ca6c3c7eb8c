using Locktera.Core.Keys;

namespace Locktera.Functions.Tests.Integration;

public class AuthenticationTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_missing_key_is_401()
    {
        var response = await fixture.Api.GetAsync("me", null);
        response.AssertProblem(401, 40101);
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    [InlineData("Bearer not-a-locktera-key")]
    [InlineData("Bearer lt_AAAA")]
    public async Task A_malformed_key_is_401(string header)
    {
        var response = await fixture.Api.SendRawAsync(HttpMethod.Get, "me", null, null, null,
            r => r.Headers.TryAddWithoutValidation("Authorization", header));
        response.AssertProblem(401, 40102);
    }

    [Fact]
    public async Task An_unknown_key_is_401()
    {
        var org = await fixture.CreateRootOrgAsync();
        Assert.True(ApiKeyToken.TryParse(org.Key, out var real));
        // The real org and key id with another secret: the stored hash does not match.
        var forged = ApiKeyToken.Create(real.OrgId, real.KeyId).ToString();
        (await fixture.Api.GetAsync("me", forged)).AssertProblem(401, 40103);
        var unknownKey = ApiKeyToken.Create(real.OrgId, Guid.CreateVersion7()).ToString();
        (await fixture.Api.GetAsync("me", unknownKey)).AssertProblem(401, 40103);
    }

    [Fact]
    public async Task A_revoked_key_is_401_at_once()
    {
        var org = await fixture.CreateRootOrgAsync();
        var second = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", org.Key,
            new JsonObject { ["name"] = "ci", ["permissions"] = new JsonArray("read") });
        var secret = second.AssertStatus(201).Json!["secret"]!.GetValue<string>();
        (await fixture.Api.GetAsync("me", secret)).AssertStatus(200);

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/api_keys/{second.Json!["key_id"]}", org.Key)).AssertStatus(204);
        (await fixture.Api.GetAsync("me", secret)).AssertProblem(401, 40103);
    }

    [Fact]
    public async Task Me_describes_the_calling_key_and_its_node()
    {
        var org = await fixture.CreateRootOrgAsync("Me Corp");
        var user = await fixture.CreateChildAsync(org, "user", "read");
        var me = (await fixture.Api.GetAsync("me", user.Key)).AssertStatus(200).Json!;
        Assert.Equal(user.Id, me["id"]!.GetValue<string>());
        Assert.Equal(org.Id, me["root_org_id"]!.GetValue<string>());
        Assert.Equal(org.Id, me["parent_org_id"]!.GetValue<string>());
        Assert.Equal("user", me["role"]!.GetValue<string>());
        Assert.Equal(["read"], me["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.NotNull(me["key_id"]);
        Assert.NotNull(me["created_at"]);

        var root = (await fixture.Api.GetAsync("org", user.Key)).AssertStatus(200).Json!;
        Assert.Equal(org.Id, root["id"]!.GetValue<string>());
        Assert.Equal("Me Corp", root["org_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_operator_key_provisions_orgs_but_is_not_an_org_key()
    {
        (await fixture.Api.GetAsync("me", ApiFixture.OperatorKey)).AssertProblem(403, 40305);
        var org = await fixture.CreateRootOrgAsync();
        (await fixture.Api.SendAsync(HttpMethod.Post, "orgs", org.Key, new JsonObject { ["org_name"] = "X", ["email"] = "x@x.example.com" }))
            .AssertProblem(403, 40304);
    }

    [Fact]
    public async Task Every_response_carries_a_request_id_and_echoes_a_safe_one()
    {
        var own = await fixture.Api.SendRawAsync(HttpMethod.Get, "service_status", null, null, null, r => r.Headers.Add("X-Request-Id", "abc-123"));
        Assert.Equal("abc-123", own.Header("X-Request-Id"));
        var unsafeId = await fixture.Api.SendRawAsync(HttpMethod.Get, "service_status", null, null, null, r => r.Headers.Add("X-Request-Id", "a b<script>"));
        Assert.Matches("^[0-9a-f]{32}$", unsafeId.Header("X-Request-Id"));
    }

    [Fact]
    public async Task Service_status_needs_no_key_and_reports_every_service()
    {
        var status = (await fixture.Api.GetAsync("service_status", null)).AssertStatus(200).Json!;
        Assert.Equal("Operational", status["status"]!.GetValue<string>());
        foreach (var service in new[] { "api", "authentication", "storage", "tables" })
        {
            Assert.Equal("Operational", status["services"]![service]!.GetValue<string>());
        }
        Assert.EndsWith("Z", status["timestamp"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
