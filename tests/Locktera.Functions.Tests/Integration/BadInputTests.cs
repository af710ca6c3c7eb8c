namespace Locktera.Functions.Tests.Integration;

/// <summary>Bad input of any kind is a 400 in the documented shape, never a 500, and changes nothing.</summary>
public class BadInputTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    public static TheoryData<string, string?, int, string> Bodies => new()
    {
        { "{\"org_name\":", "application/json", 40002, "body" },
        { "[1,2]", "application/json", 40002, "body" },
        { "\"text\"", "application/json", 40002, "body" },
        { "", "application/json", 40002, "body" },
        { "{\"org_name\":\"A\",\"email\":\"a@b.example.com\"}", "text/plain", 40001, "content-type" },
        { "{\"org_name\":5,\"email\":\"a@b.example.com\"}", "application/json", 40001, "org_name" },
        { "{\"org_name\":\"A\",\"email\":\"not an email\"}", "application/json", 40001, "email" },
        { "{\"org_name\":\"A\",\"email\":\"a@b.example.com\",\"mobile_phone\":\"call me\"}", "application/json", 40001, "mobile_phone" },
        { "{\"org_name\":\"A\",\"email\":\"a@b.example.com\",\"colour\":\"red\"}", "application/json", 40001, "colour" },
        { "{\"email\":\"a@b.example.com\"}", "application/json", 40001, "org_name" },
        { "{\"org_name\":\"" + new string('x', 201) + "\",\"email\":\"a@b.example.com\"}", "application/json", 40001, "org_name" },
        { "{\"org_name\":\"A\\u0007\",\"email\":\"a@b.example.com\"}", "application/json", 40001, "org_name" },
        { "{\"org_name\":\"A\",\"email\":\"a@b.example.com\",\"api_key_name\":[]}", "application/json", 40001, "api_key_name" },
        { "{\"a\":" + new string('[', 100) + new string(']', 100) + "}", "application/json", 40002, "body" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Bad_bodies_are_400_with_fields(string body, string? contentType, int code, string field)
    {
        var response = await fixture.Api.SendRawAsync(HttpMethod.Post, "orgs", ApiFixture.OperatorKey, body, contentType);
        Assert.NotNull(response.AssertProblem(400, code).Json!["fields"]![field]);
    }

    [Fact]
    public async Task An_oversized_body_is_400()
    {
        var body = "{\"org_name\":\"" + new string('x', 100_000) + "\"}";
        var response = await fixture.Api.SendRawAsync(HttpMethod.Post, "orgs", ApiFixture.OperatorKey, body, "application/json");
        Assert.NotNull(response.AssertProblem(400, 40003).Json!["fields"]!["body"]);
    }

    [Fact]
    public async Task Unknown_enum_values_and_wrong_types_are_named()
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key,
            new JsonObject { ["role"] = "superuser", ["email"] = 42 });
        var fields = response.AssertProblem(400, 40001).Json!["fields"]!;
        Assert.Contains("org_admin", fields["role"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(fields["email"]);

        var keys = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", org.Key,
            new JsonObject { ["name"] = "k", ["permissions"] = new JsonArray("read", "root", 3) });
        var keyFields = keys.AssertProblem(400, 40001).Json!["fields"]!;
        Assert.NotNull(keyFields["permissions[1]"]);
        Assert.NotNull(keyFields["permissions[2]"]);
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", org.Key,
            new JsonObject { ["name"] = "k", ["permissions"] = "read" })).AssertProblem(400, 40001);
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", org.Key,
            new JsonObject { ["name"] = "k", ["permissions"] = new JsonArray() })).AssertProblem(400, 40001);

        // Nothing was created by any of the rejected requests.
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/children", org.Key)).Json!.AsArray());
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/api_keys", org.Key)).Json!.AsArray());
    }
}
