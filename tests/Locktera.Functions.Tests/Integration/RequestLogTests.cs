using Locktera.Core.Keys;

namespace Locktera.Functions.Tests.Integration;

/// <summary>Every request leaves one log line: what ran, for whom, how it ended, how long it took; never a secret.</summary>
public class RequestLogTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Each_request_is_logged_once_with_its_request_id_org_and_key_and_no_secret()
    {
        using var logs = new CapturedLogs();
        var api = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?> { ["Logging:LogLevel:Locktera"] = "Information" }, logs: logs);
        var org = await fixture.CreateRootOrgAsync();
        Assert.True(ApiKeyToken.TryParse(org.Key, out var key));

        var ok = (await api.GetAsync("me", org.Key)).AssertStatus(200);
        var refused = (await api.GetAsync($"orgs/{Guid.NewGuid()}", org.Key)).AssertStatus(404);
        await fixture.StopInstanceAsync(api);

        var okLine = Assert.Single(logs.Lines, l => l.Contains(ok.Header("X-Request-Id")!, StringComparison.Ordinal) && l.Contains("answered", StringComparison.Ordinal));
        Assert.Contains("GetMe GET answered 200", okLine, StringComparison.Ordinal);
        Assert.Contains(org.Id, okLine, StringComparison.Ordinal);
        Assert.Contains(key.KeyId.ToString(), okLine, StringComparison.Ordinal);
        var refusedLine = Assert.Single(logs.Lines, l => l.Contains(refused.Header("X-Request-Id")!, StringComparison.Ordinal) && l.Contains("answered", StringComparison.Ordinal));
        Assert.Contains("answered 404", refusedLine, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(org.Key, StringComparison.Ordinal) || l.Contains(ApiFixture.OperatorKey, StringComparison.Ordinal));
    }

    /// <summary>ASP.NET Core's own request lines quote the decoded path: a CR/LF in it must not start a line of its own.</summary>
    [Fact]
    public async Task Request_controlled_text_cannot_forge_a_log_line()
    {
        using var logs = new CapturedLogs();
        var api = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Locktera"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        }, logs: logs);
        (await api.GetAsync("viewers/x%0D%0Ainfo:%20FORGED%E2%80%AE%0Aline/consents", null)).AssertProblem(401, 40101);
        (await api.GetAsync("no/such%0D%0Aroute%E2%80%A8FORGED", null)).AssertProblem(404, 40401);
        await fixture.StopInstanceAsync(api);

        var quoting = logs.Lines.Where(l => l.Contains("FORGED", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(quoting);
        Assert.All(quoting, line =>
        {
            Assert.DoesNotContain('\r', line);
            Assert.DoesNotContain('\n', line);
            Assert.DoesNotContain('\u202E', line);
            Assert.DoesNotContain('\u2028', line);
        });
        Assert.Contains(quoting, l => l.Contains("x\\u000D\\u000Ainfo: FORGED", StringComparison.Ordinal));
    }
}
