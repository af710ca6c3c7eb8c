using System.Net.Http.Headers;
using Locktera.Core.Drm;

namespace Locktera.Functions.Tests.Integration;

/// <summary>Viewers: tokens, DRM on decode, opens per session, password lockout, inline-only content, events.</summary>
public class ViewerTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly byte[] Content = [.. Enumerable.Range(0, 5000).Select(i => (byte)i)];

    private async Task<(TestOrg Org, string Id)> EncodeAsync(JsonObject container)
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = new JsonObject { ["container"] = container };
        var encoded = (await fixture.Api.EncodeAsync(org, manifest.ToJsonString(), ("doc.pdf", Content, "application/pdf"))).AssertStatus(201);
        return (org, encoded.Json!["container"]!["uuid"]!.GetValue<string>());
    }

    private async Task<string> TokenAsync(TestOrg org, string id, string email, int? ttl = null)
    {
        var body = new JsonObject { ["email"] = email };
        if (ttl is { } seconds)
        {
            body["ttl_seconds"] = seconds;
        }
        var issued = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/viewer_tokens", org.Key, body)).AssertStatus(201).Json!;
        Assert.NotNull(issued["expires_at"]);
        return issued["token"]!.GetValue<string>();
    }

    private static Task<ApiResponse> Decode(ApiClient api, string token, string id, string? password = null, string? session = null, string file = "doc.pdf", string query = "") =>
        api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/{file}{query}", token, null, null, r =>
        {
            if (password is not null)
            {
                r.Headers.Add("X-Locktera-Password", password);
            }
            if (session is not null)
            {
                r.Headers.Add("X-Locktera-Session", session);
            }
        });

    [Fact]
    public async Task A_recipient_with_a_token_reads_the_container_and_nothing_else()
    {
        var (org, id) = await EncodeAsync(new JsonObject { ["recipients"] = new JsonArray("*@example.com"), ["downloadable"] = true });
        var token = await TokenAsync(org, id, "Ann@Example.com");

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"containers/{id}/decode/doc.pdf"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await fixture.Api.Http.SendAsync(request);
            Assert.Equal(Content, await response.Content.ReadAsByteArrayAsync());
            Assert.NotNull(response.Headers.GetValues("X-Locktera-Session").Single());
        }
        (await fixture.Api.GetAsync($"containers/{id}/decode", token)).AssertStatus(200);
        var context = (await fixture.Api.GetAsync("drm_context", token)).AssertStatus(200).Json!;
        Assert.Equal("ann@example.com", context["viewer"]!.GetValue<string>());
        Assert.Equal("127.0.0.1", context["ip"]!.GetValue<string>());
        Assert.Null(context["geo"]);

        // The token opens nothing else: no org routes, no other container.
        (await fixture.Api.GetAsync($"containers/{id}", token)).AssertProblem(403, 40308);
        (await fixture.Api.GetAsync($"orgs/{org.Id}", token)).AssertProblem(403, 40308);
        (await fixture.Api.GetAsync("me", token)).AssertProblem(403, 40308);
        var (_, otherId) = await EncodeAsync(new JsonObject());
        (await Decode(fixture.Api, token, otherId)).AssertProblem(404, 40404);
    }

    [Fact]
    public async Task Forged_tampered_and_expired_tokens_are_401()
    {
        var (org, id) = await EncodeAsync(new JsonObject());
        var token = await TokenAsync(org, id, "ann@example.com", ttl: 1);
        var tampered = token[..^3] + (token[^3] == 'A' ? "BAA" : "AAA");
        (await Decode(fixture.Api, tampered, id)).AssertProblem(401, 40103);
        (await Decode(fixture.Api, "ltv_not-base64!", id)).AssertProblem(401, 40103);
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(2100));
        (await Decode(fixture.Api, token, id)).AssertProblem(401, 40103);
    }

    [Fact]
    public async Task Each_rule_type_refuses_with_its_own_code_and_is_recorded()
    {
        var (org, id) = await EncodeAsync(new JsonObject
        {
            ["recipients"] = new JsonArray("*@example.com"),
            ["drm"] = new JsonObject { ["dynamic"] = true },
        });
        var outsider = await TokenAsync(org, id, "eve@evil.example.org");
        var denied = (await Decode(fixture.Api, outsider, id)).AssertProblem(403, 40310);
        Assert.NotNull(denied.Json!["fields"]!["recipients"]);

        var ann = await TokenAsync(org, id, "ann@example.com");
        async Task Rules(JsonObject rules) =>
            (await fixture.Api.SendAsync(HttpMethod.Patch, $"containers/{id}/drm", org.Key, rules)).AssertStatus(200);
        await Rules(new JsonObject { ["ip"] = new JsonObject { ["allow"] = new JsonArray("203.0.113.0/24") } });
        (await Decode(fixture.Api, ann, id)).AssertProblem(403, 40312);
        await Rules(new JsonObject { ["ip"] = new JsonObject { ["block"] = new JsonArray("127.0.0.0/8") } });
        Assert.Contains("127.0.0.0/8", (await Decode(fixture.Api, ann, id)).AssertProblem(403, 40312).Json!["fields"]!["ip"]!.GetValue<string>(), StringComparison.Ordinal);
        await Rules(new JsonObject { ["ip"] = null, ["geo"] = new JsonObject { ["allow"] = new JsonArray(new JsonObject { ["country"] = "DE" }) } });
        (await Decode(fixture.Api, ann, id)).AssertProblem(403, 40313);
        await Rules(new JsonObject { ["geo"] = null, ["time"] = new JsonObject { ["end"] = "2020-01-01T00:00:00Z" } });
        (await Decode(fixture.Api, ann, id)).AssertProblem(403, 40311);
        await Rules(new JsonObject { ["time"] = new JsonObject { ["start"] = "2020-01-01T00:00:00Z" } });
        (await Decode(fixture.Api, ann, id)).AssertStatus(200);

        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/block", org.Key)).AssertStatus(204);
        (await Decode(fixture.Api, ann, id)).AssertProblem(403, 40306);

        var fails = (await fixture.Api.GetAsync($"orgs/{org.Id}/container_events/by_fail", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["time", "geo", "ip", "ip", "recipients"], fails.Select(e => e!["detail"]!["rule"]!.GetValue<string>()));
        Assert.Equal("eve@evil.example.org", fails[^1]!["user"]!.GetValue<string>());
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/container_events/by_access", org.Key)).Json!.AsArray());
        Assert.Contains((await fixture.Api.GetAsync($"orgs/{org.Id}/container_events/by_block", org.Key)).Json!.AsArray(), e => e!["detail"]!["attempt"] is not null);
    }

    [Fact]
    public async Task Opens_are_counted_per_session_exactly_across_two_instances()
    {
        var (org, id) = await EncodeAsync(new JsonObject { ["drm"] = new JsonObject { ["opens"] = 3 } });
        var second = await fixture.StartInstanceAsync();
        var token = await TokenAsync(org, id, "ann@example.com");

        var first = (await Decode(fixture.Api, token, id)).AssertStatus(200);
        var session = first.Header("X-Locktera-Session")!;
        for (var i = 0; i < 5; i++)
        {
            // Within the session, file and Range reads do not count again.
            Assert.Equal(session, (await Decode(i % 2 == 0 ? second : fixture.Api, token, id, session: session)).AssertStatus(200).Header("X-Locktera-Session"));
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Decode(i % 2 == 0 ? fixture.Api : second, token, id)));
        Assert.Equal(2, results.Count(r => r.Status == 200));
        Assert.All(results.Where(r => r.Status != 200), r => r.AssertProblem(403, 40314));
        var attempts = (await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/attempts", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(3, Assert.Single(attempts)!["opens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_a_viewer_out_until_the_org_unlocks()
    {
        var (org, id) = await EncodeAsync(new JsonObject { ["password"] = "open sesame" });
        var token = await TokenAsync(org, id, "ann@example.com");
        (await Decode(fixture.Api, token, id)).AssertProblem(401, 40104);
        for (var i = 0; i < 5; i++)
        {
            (await Decode(fixture.Api, token, id, password: "guess " + i)).AssertProblem(403, 40307);
        }
        (await Decode(fixture.Api, token, id, password: "open sesame")).AssertProblem(403, 40309);
        var attempts = (await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/attempts", org.Key)).Json!.AsArray();
        Assert.Equal("ann@example.com", attempts[0]!["viewer_email"]!.GetValue<string>());
        Assert.Equal(5, attempts[0]!["attempt_count"]!.GetValue<int>());
        Assert.True(attempts[0]!["locked"]!.GetValue<bool>());

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{id}/lockouts/ann@example.com", org.Key)).AssertStatus(204);
        (await Decode(fixture.Api, token, id, password: "open sesame")).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{id}/lockouts/ann@example.com", org.Key)).AssertProblem(404, 40401);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{id}/lockouts/{new string('x', 2000)}", org.Key)).AssertProblem(400, 40001);
        var actions = (await fixture.Api.GetAsync($"orgs/{org.Id}/events", org.Key)).Json!.AsArray().Select(e => e!["action"]!.GetValue<string>()).ToList();
        Assert.Contains("viewer.locked", actions);
        Assert.Contains("viewer.unlocked", actions);
    }

    [Fact]
    public async Task Twenty_parallel_wrong_passwords_on_two_instances_get_exactly_five_evaluations()
    {
        var (org, id) = await EncodeAsync(new JsonObject { ["password"] = "open sesame" });
        var second = await fixture.StartInstanceAsync();
        var token = await TokenAsync(org, id, "bob@example.com");
        var wrong = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Decode(i % 2 == 0 ? fixture.Api : second, token, id, password: "wrong " + i)));
        // An attempt is reserved before its password is derived: five are evaluated, every other one is refused as locked.
        Assert.Equal(5, wrong.Count(r => r.Code == 40307));
        Assert.Equal(15, wrong.Count(r => r.Code == 40309));
        var state = Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/attempts", org.Key)).Json!.AsArray())!;
        Assert.Equal(5, state["attempt_count"]!.GetValue<int>());
        Assert.True(state["locked"]!.GetValue<bool>());
        (await Decode(second, token, id, password: "open sesame")).AssertProblem(403, 40309);
        (await Decode(fixture.Api, token, id)).AssertProblem(403, 40309);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/events?action=viewer.locked", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task Right_passwords_sent_alongside_wrong_ones_never_open_a_locked_container()
    {
        var (org, id) = await EncodeAsync(new JsonObject { ["password"] = "open sesame" });
        var second = await fixture.StartInstanceAsync();
        var token = await TokenAsync(org, id, "eve@example.com");
        var results = await Task.WhenAll(Enumerable.Range(0, 25).Select(i =>
            Decode(i % 2 == 0 ? fixture.Api : second, token, id, password: i % 5 == 4 ? "open sesame" : "wrong " + i)));
        Assert.All(results, r => Assert.True(r.Status == 200 || r.Code is 40307 or 40309, $"{r.Status}: {r.Text}"));
        // A right password clears the count; between clearings at most five wrong ones are evaluated.
        Assert.True(results.Count(r => r.Code == 40307) <= 5 * (1 + results.Count(r => r.Status == 200)));
        var locked = Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/attempts", org.Key)).Json!.AsArray())!["locked"]!.GetValue<bool>();
        var after = await Decode(fixture.Api, token, id, password: "open sesame");
        Assert.Equal(locked ? 403 : 200, after.Status);
    }

    [Fact]
    public async Task A_right_password_in_flight_when_the_viewer_is_locked_is_refused()
    {
        var (org, id) = await EncodeAsync(new JsonObject { ["password"] = "open sesame" });
        var token = await TokenAsync(org, id, "ann@example.com");
        var states = fixture.Services.GetRequiredService<ViewerStates>();
        var (orgId, containerId) = (Guid.Parse(org.Id), Guid.Parse(id));
        // Four wrong attempts already; the right password takes the fifth and is being derived when
        // another request's wrong password locks the viewer (written here, while the attempt is still
        // reserved). A trial whose request got in first proves nothing and is tried again.
        for (var trial = 0; ; trial++)
        {
            Assert.True(trial < 50, "the lock never landed while the right password was being checked");
            await states.ChangeAsync(orgId, containerId, "ann@example.com", s => s with { FailedAttempts = 4, Locked = false }, CancellationToken.None);
            var inFlight = Decode(fixture.Api, token, id, password: "open sesame");
            ViewerState? locked = null;
            while (!inFlight.IsCompleted && locked is null)
            {
                locked = await states.ChangeAsync(orgId, containerId, "ann@example.com",
                    s => s is { FailedAttempts: 5, Locked: false } ? s with { Locked = true } : null, CancellationToken.None);
            }
            var response = await inFlight;
            if (locked is not null)
            {
                response.AssertProblem(403, 40309);
                break;
            }
            response.AssertStatus(200);
        }
    }

    [Theory]
    [InlineData("page.html", "text/html")]
    [InlineData("image.svg", "image/svg+xml")]
    [InlineData("feed.xml", "application/atom+xml")]
    [InlineData("data.xml", "text/xml; charset=utf-8")]
    [InlineData("script.js", "text/javascript")]
    [InlineData("page.xhtml", "application/xhtml+xml")]
    public async Task Active_content_is_never_served_inline_and_every_file_is_sandboxed(string name, string type)
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = new JsonObject { ["container"] = new JsonObject { ["downloadable"] = false } };
        var id = (await fixture.Api.EncodeAsync(org, manifest.ToJsonString(),
            (name, "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(document.domain)'/>"u8.ToArray(), type), ("doc.pdf", Content, "application/pdf"))).AssertStatus(201)
            .Json!["container"]!["uuid"]!.GetValue<string>();
        var token = await TokenAsync(org, id, "ann@example.com");
        foreach (var (file, disposition) in new[] { (name, "attachment"), ("doc.pdf", "inline") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"containers/{id}/decode/{file}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await fixture.Api.Http.SendAsync(request);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(disposition, response.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("sandbox", policy, StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_org_key_decodes_on_behalf_of_a_viewer()
    {
        var (org, id) = await EncodeAsync(new JsonObject { ["recipients"] = new JsonArray("ann@example.com") });
        (await fixture.Api.GetAsync($"containers/{id}/decode/doc.pdf?viewer=ann@example.com", org.Key)).AssertStatus(200);
        (await fixture.Api.GetAsync($"containers/{id}/decode/doc.pdf?viewer=bob@example.com", org.Key)).AssertProblem(403, 40310);
        (await fixture.Api.GetAsync($"containers/{id}/decode/doc.pdf?viewer=not-an-email", org.Key)).AssertProblem(400, 40001);
        (await fixture.Api.GetAsync($"containers/{id}/decode/doc.pdf", org.Key)).AssertStatus(200);
        Assert.Equal("bob@example.com", (await fixture.Api.GetAsync("drm_context?viewer=bob@example.com", org.Key)).Json!["viewer"]!.GetValue<string>());
    }

    [Fact]
    public async Task Geo_rules_use_the_geolocation_database_and_only_trusted_proxies_are_believed()
    {
        var behindProxy = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?> { ["Locktera:TrustedProxies"] = "127.0.0.1" });
        var (org, id) = await EncodeAsync(new JsonObject
        {
            ["drm"] = new JsonObject { ["dynamic"] = true, ["geo"] = new JsonObject { ["allow"] = new JsonArray(new JsonObject { ["country"] = "Germany" }) } },
        });
        var token = await TokenAsync(org, id, "ann@example.com");
        Task<ApiResponse> From(ApiClient api, string forwardedFor, string path) =>
            api.SendRawAsync(HttpMethod.Get, path, token, null, null, r => r.Headers.Add("X-Forwarded-For", forwardedFor));

        var context = (await From(behindProxy, "198.51.100.1, 193.99.144.80", "drm_context")).AssertStatus(200).Json!;
        Assert.Equal("193.99.144.80", context["ip"]!.GetValue<string>());
        Assert.Equal("DE", context["geo"]!["country"]!.GetValue<string>());
        Assert.Equal("EU", context["geo"]!["continent"]!.GetValue<string>());
        (await From(behindProxy, "193.99.144.80", $"containers/{id}/decode/doc.pdf")).AssertStatus(200);
        (await From(behindProxy, "8.8.8.8", $"containers/{id}/decode/doc.pdf")).AssertProblem(403, 40313);

        // Without a trusted proxy the header is the client's own claim, and ignored.
        Assert.Equal("127.0.0.1", (await From(fixture.Api, "193.99.144.80", "drm_context")).Json!["ip"]!.GetValue<string>());
        (await From(fixture.Api, "193.99.144.80", $"containers/{id}/decode/doc.pdf")).AssertProblem(403, 40313);
    }

    [Fact]
    public async Task Another_org_cannot_issue_tokens_or_read_attempts()
    {
        var (_, id) = await EncodeAsync(new JsonObject());
        var other = await fixture.CreateRootOrgAsync("Other");
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{other.Id}/containers/{id}/viewer_tokens", other.Key, new JsonObject { ["email"] = "x@example.com" })).AssertProblem(404, 40404);
        (await fixture.Api.GetAsync($"orgs/{other.Id}/containers/{id}/attempts", other.Key)).AssertProblem(404, 40404);
    }
}
