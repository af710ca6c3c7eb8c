namespace Locktera.Functions.Tests.Integration;

public class ErrorLogTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Errors_are_reported_and_listed_newest_first_by_severity_and_time()
    {
        var org = await fixture.CreateRootOrgAsync();
        var first = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/errors", org.Key, new JsonObject
        {
            ["message"] = "Upload failed", ["code"] = 1234, ["severity"] = "high",
            ["fields"] = new JsonObject { ["file"] = "a.pdf" }, ["timestamp"] = "2026-01-01T10:00:00Z",
        })).AssertStatus(201).Json!;
        Assert.True(Guid.TryParse(first["error_id"]!.GetValue<string>(), out _));
        Assert.Equal("2026-01-01T10:00:00.000Z", first["timestamp"]!.GetValue<string>());
        (await fixture.Api.SendAsync(HttpMethod.Post, $"users/{org.Id}/errors", org.Key, new JsonObject { ["message"] = "Slow viewer" })).AssertStatus(201);

        var all = (await fixture.Api.GetAsync($"orgs/{org.Id}/errors", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["Slow viewer", "Upload failed"], all.Select(e => e!["message"]!.GetValue<string>()));
        Assert.Equal("medium", all[0]!["severity"]!.GetValue<string>());
        Assert.Equal("a.pdf", all[1]!["fields"]!["file"]!.GetValue<string>());
        Assert.Equal("2026-01-01T10:00:00.000Z", all[1]!["timestamp"]!.GetValue<string>());
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/errors?severity=high", org.Key)).Json!.AsArray());
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/errors?end=2026-06-01T00:00:00Z", org.Key)).Json!.AsArray());
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/errors?start=2026-06-01T00:00:00Z", org.Key)).Json!.AsArray());
        (await fixture.Api.GetAsync($"orgs/{org.Id}/errors?severity=fatal", org.Key)).AssertProblem(400, 40004);
    }

    [Fact]
    public async Task Bad_reports_are_400_naming_each_field()
    {
        var org = await fixture.CreateRootOrgAsync();
        var fields = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/errors", org.Key, new JsonObject
        {
            ["severity"] = "fatal", ["code"] = "E1", ["fields"] = new JsonObject { ["n"] = 5 }, ["timestamp"] = "later",
        })).AssertProblem(400, 40001).Json!["fields"]!;
        foreach (var field in new[] { "message", "severity", "code", "fields.n", "timestamp" })
        {
            Assert.NotNull(fields[field]);
        }
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/errors", org.Key, new JsonObject { ["message"] = new string('x', 2001) })).AssertProblem(400, 40001);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/errors", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task Another_org_and_read_only_keys_cannot_write_the_log()
    {
        var org = await fixture.CreateRootOrgAsync();
        var other = await fixture.CreateRootOrgAsync("Other");
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/errors", other.Key, new JsonObject { ["message"] = "x" })).AssertProblem(404, 40402);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/errors", other.Key)).AssertProblem(404, 40402);
        var reader = await fixture.CreateChildAsync(org, "org_admin", "read");
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/errors", reader.Key, new JsonObject { ["message"] = "x" })).AssertProblem(403, 40301);
    }

    [Fact]
    public async Task A_report_without_a_code_leaves_it_out()
    {
        var org = await fixture.CreateRootOrgAsync();
        var reported = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/errors", org.Key, new JsonObject { ["message"] = "No code" })).AssertStatus(201).Json!.AsObject();
        Assert.False(reported.ContainsKey("code"));
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/errors", org.Key, new JsonObject { ["message"] = "Code zero", ["code"] = 0 })).AssertStatus(201);

        var listed = (await fixture.Api.GetAsync($"orgs/{org.Id}/errors", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(0, listed[0]!["code"]!.GetValue<int>());
        Assert.False(listed[1]!.AsObject().ContainsKey("code"));
    }
}
