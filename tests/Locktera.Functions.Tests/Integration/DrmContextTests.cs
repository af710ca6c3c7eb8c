namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The facts a DRM decision uses, as <c>/drm_context</c> and the what-if show them: upstream types
/// each a string, so a fact the request lacks is left out rather than answered as null.
/// </summary>
public class DrmContextTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static string[] Names(JsonNode? node) => [.. node!.AsObject().Select(p => p.Key)];

    [Fact]
    public async Task An_org_key_without_a_viewer_sees_no_viewer_and_an_unknown_place_is_left_out()
    {
        var org = await fixture.CreateRootOrgAsync();

        var context = (await fixture.Api.GetAsync("drm_context", org.Key)).AssertStatus(200).Json!;

        // 127.0.0.1 is in no geolocation database.
        Assert.Equal(["ts", "ip"], Names(context));
        Assert.Equal("127.0.0.1", context["ip"]!.GetValue<string>());
        Assert.Equal(["ts", "ip", "viewer"], Names((await fixture.Api.GetAsync("drm_context?viewer=Bob@Example.com", org.Key)).AssertStatus(200).Json));
    }

    [Fact]
    public async Task The_what_if_answers_its_facts_in_the_same_shape()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = (await fixture.Api.EncodeAsync(org, """{"container":{"name":"c","drm":{"dynamic":true}}}""", ("a.txt", [1], "text/plain")))
            .AssertStatus(201).Json!["container"]!["id"]!.GetValue<string>();
        Task<ApiResponse> Evaluate(JsonObject body) => fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/drm/evaluate", org.Key, body);

        Assert.Equal(["ts"], Names((await Evaluate(new JsonObject())).AssertStatus(200).Json!["facts"]));
        var placed = (await Evaluate(new JsonObject { ["viewer"] = "ann@example.com", ["geo"] = new JsonObject { ["country"] = "Germany" } })).AssertStatus(200).Json!["facts"]!;
        Assert.Equal(["ts", "geo", "viewer"], Names(placed));
        Assert.Equal(["country"], Names(placed["geo"]));
        Assert.Equal("DE", placed["geo"]!["country"]!.GetValue<string>());
        // An address the database knows is placed there, as far as the database knows.
        var located = (await Evaluate(new JsonObject { ["ip"] = "193.99.144.80" })).AssertStatus(200).Json!["facts"]!;
        Assert.Equal("DE", located["geo"]!["country"]!.GetValue<string>());
        Assert.All(located["geo"]!.AsObject(), p => Assert.NotNull(p.Value));
    }
}
