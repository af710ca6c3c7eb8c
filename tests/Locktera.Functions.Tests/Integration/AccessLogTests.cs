using Azure.Data.Tables;
using Locktera.Core.Keys;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The access log: refusals recorded one by one, sign-ins counted per key and hour without a write per request.</summary>
public class AccessLogTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private Task FlushAsync(ApiClient api) => fixture.ServicesOf(api).GetRequiredService<CounterBuffer>().FlushAsync(CancellationToken.None);

    private async Task<JsonArray> LogAsync(TestOrg org, string query = "") =>
        (await fixture.Api.GetAsync($"orgs/{org.Id}/access_log{query}", org.Key)).AssertStatus(200).Json!.AsArray();

    private static Guid KeyId(TestOrg org) => ApiKeyToken.TryParse(org.Key, out var token) ? token.KeyId : throw new InvalidOperationException();

    private async Task<int> StoredRowsAsync(TestOrg org)
    {
        var storage = fixture.Services.GetRequiredService<StorageAccount>();
        var table = await storage.TableAsync(storage.Names.AccessLog, CancellationToken.None);
        return await table.QueryAsync<TableEntity>(e => e.PartitionKey == org.Id).CountAsync();
    }

    [Fact]
    public async Task Sign_ins_are_counted_in_memory_and_summed_across_instances()
    {
        var org = await fixture.CreateRootOrgAsync();
        var second = await fixture.StartInstanceAsync();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => fixture.Api.GetAsync("me", org.Key)));
        await Task.WhenAll(Enumerable.Range(0, 7).Select(_ => second.GetAsync("me", org.Key)));
        // The flusher runs every 15 s; none of those requests wrote to the log.
        Assert.Equal(0, await StoredRowsAsync(org));

        await FlushAsync(fixture.Api);
        // A graceful stop flushes what the instance counted.
        await fixture.StopInstanceAsync(second);
        var entry = Assert.Single(await LogAsync(org));
        Assert.Equal(17, entry!["count"]!.GetValue<long>());
        Assert.Equal("authenticate", entry["action"]!.GetValue<string>());
        Assert.Equal("success", entry["status"]!.GetValue<string>());
        Assert.Equal(KeyId(org).ToString(), entry["key_id"]!.GetValue<string>());
        Assert.Equal(org.Id, entry["org_id"]!.GetValue<string>());
        Assert.Equal("admin@acme.example.com", entry["user"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", entry["ip"]!.GetValue<string>());
        // A counted line is dated by the start of its hour.
        Assert.Equal(TimeSpan.Zero, entry["timestamp"]!.GetValue<DateTimeOffset>().TimeOfDay - TimeSpan.FromHours(entry["timestamp"]!.GetValue<DateTimeOffset>().Hour));

        // Flushing again (or twice) never double counts; the log read above is counted in turn.
        await FlushAsync(fixture.Api);
        await FlushAsync(fixture.Api);
        Assert.Equal(18, Assert.Single(await LogAsync(org))!["count"]!.GetValue<long>());
    }

    [Fact]
    public async Task Failures_are_recorded_one_by_one_with_their_reason()
    {
        var org = await fixture.CreateRootOrgAsync();
        var keyId = KeyId(org);
        var wrongSecret = org.Key[..^2] + (org.Key[^2] == 'A' ? "BA" : "AA");
        var unknown = ApiKeyToken.Create(Guid.Parse(org.Id), Guid.NewGuid()).ToString();
        var reader = await fixture.CreateChildAsync(org, "user", "read");
        var revoked = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", org.Key, new JsonObject { ["name"] = "old", ["permissions"] = new JsonArray("read") })).Json!;
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/api_keys/{revoked["id"]}", org.Key)).AssertStatus(204);

        (await fixture.Api.GetAsync("me", wrongSecret)).AssertProblem(401, 40103);
        (await fixture.Api.GetAsync("me", unknown)).AssertProblem(401, 40103);
        (await fixture.Api.GetAsync("me", revoked["secret"]!.GetValue<string>())).AssertProblem(401, 40103);
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{reader.Id}/addresses/a@example.com", reader.Key, new JsonObject())).AssertProblem(403, 40301);
        var other = await fixture.CreateRootOrgAsync("Other");
        (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", other.Key)).AssertProblem(404, 40402);

        var failures = (await LogAsync(org)).Where(e => e!["status"]!.GetValue<string>() != "success").ToList();
        Assert.Equal(["missing_permission", "revoked_key", "unknown_key", "wrong_secret"], failures.Select(e => e!["reason"]!.GetValue<string>()));
        Assert.All(failures, e => Assert.Equal(1, e!["count"]!.GetValue<long>()));
        Assert.Equal(keyId.ToString(), failures[3]!["key_id"]!.GetValue<string>());
        Assert.Equal("authorize", failures[0]!["action"]!.GetValue<string>());
        Assert.Equal(reader.Id, failures[0]!["org_id"]!.GetValue<string>());
        Assert.Null(failures[2]!["user"]);

        // The refusal by another tenant is that tenant's record, not this org's.
        var otherLog = (await LogAsync(other)).Where(e => e!["status"]!.GetValue<string>() == "denied").ToList();
        Assert.Equal("forbidden_org", Assert.Single(otherLog)!["reason"]!.GetValue<string>());

        // A user's own log holds its own key's events only.
        var readerLog = (await fixture.Api.GetAsync($"orgs/{reader.Id}/access_log", reader.Key)).AssertStatus(200).Json!.AsArray();
        Assert.All(readerLog, e => Assert.Equal(reader.Id, e!["org_id"]!.GetValue<string>()));
        Assert.Contains(readerLog, e => e!["reason"]?.GetValue<string>() == "missing_permission");
    }

    [Fact]
    public async Task A_key_that_sees_a_node_but_may_not_manage_it_is_refused_and_recorded()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var userAdmin = await fixture.CreateChildAsync(group, "user_admin", "read", "write", "admin");
        foreach (var (method, path) in new[] { (HttpMethod.Get, "api_keys"), (HttpMethod.Get, "storage_config"), (HttpMethod.Post, "pq_keys") })
        {
            (await fixture.Api.SendAsync(method, $"orgs/{group.Id}/{path}", userAdmin.Key)).AssertProblem(403, 40302);
        }
        var refusals = (await LogAsync(org)).Where(e => e!["reason"]?.GetValue<string>() == "out_of_scope").ToList();
        Assert.Equal(3, refusals.Count);
        Assert.All(refusals, e => Assert.Equal(userAdmin.Id, e!["org_id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_flood_of_failures_is_counted_beyond_the_first_rows()
    {
        var org = await fixture.CreateRootOrgAsync();
        var unknown = ApiKeyToken.Create(Guid.Parse(org.Id), Guid.NewGuid()).ToString();
        for (var i = 0; i < Core.Access.AccessLog.FailuresWrittenPerMinute + 5; i++)
        {
            (await fixture.Api.GetAsync("me", unknown)).AssertStatus(401);
        }
        await FlushAsync(fixture.Api);
        var failures = (await LogAsync(org)).Where(e => e!["reason"]?.GetValue<string>() == "unknown_key").ToList();
        Assert.Equal(Core.Access.AccessLog.FailuresWrittenPerMinute + 5, failures.Sum(e => e!["count"]!.GetValue<long>()));
        Assert.True(failures.Count <= Core.Access.AccessLog.FailuresWrittenPerMinute + 2);
    }

    [Fact]
    public async Task The_log_is_filtered_by_time_and_guarded()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await fixture.Api.GetAsync("me", ApiKeyToken.Create(Guid.Parse(org.Id), Guid.NewGuid()).ToString())).AssertStatus(401);
        Assert.Single(await LogAsync(org, "?start=2000-01-01T00:00:00Z"));
        Assert.Empty(await LogAsync(org, "?end=2000-01-01T00:00:00Z"));
        Assert.Empty(await LogAsync(org, $"?start={DateTime.UtcNow.AddMinutes(5):yyyy-MM-ddTHH:mm:ssZ}"));
        (await fixture.Api.GetAsync($"orgs/{org.Id}/access_log?start=later", org.Key)).AssertProblem(400, 40004);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/access_log", null)).AssertProblem(401, 40101);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/access_log", ApiFixture.OperatorKey)).AssertStatus(403);
    }

    [Fact]
    public async Task Lines_leave_out_what_they_do_not_know()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await fixture.Api.GetAsync("me", org.Key)).AssertStatus(200);
        (await fixture.Api.GetAsync("me", ApiKeyToken.Create(Guid.Parse(org.Id), Guid.NewGuid()).ToString())).AssertStatus(401);
        await FlushAsync(fixture.Api);
        var log = await LogAsync(org);
        // A sign-in has no reason; a key the org does not have names no user.
        var signIn = log.Single(e => e!["status"]!.GetValue<string>() == "success")!.AsObject();
        Assert.False(signIn.ContainsKey("reason"));
        var unknown = log.Single(e => e!["reason"]?.GetValue<string>() == "unknown_key")!.AsObject();
        Assert.False(unknown.ContainsKey("user"));
        Assert.Equal("127.0.0.1", unknown["ip"]!.GetValue<string>());
    }
}
