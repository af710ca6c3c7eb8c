using System.Net.Http.Headers;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// What a careless or hostile client can send: broken multipart, keys that table storage would
/// refuse, requests Kestrel would refuse before any middleware, and text that hides what it says.
/// Each is a 4xx in the documented shape; none is a 500, and none changes anything.
/// </summary>
public class UntrustedInputTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string Boundary = "locktera-test-boundary";
    private const string Manifest = """{"container":{"name":"Board pack"}}""";

    private static string Part(string headers, string body) => $"--{Boundary}\r\n{headers}\r\n\r\n{body}\r\n";

    private static string ManifestPart(string extraHeaders = "") =>
        Part("Content-Disposition: form-data; name=\"manifest\"\r\nContent-Type: application/json" + extraHeaders, Manifest);

    private static string FilePart(string name = "notes.txt", string type = "text/plain") =>
        Part($"Content-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: {type}", "hello");

    private static readonly string Closing = $"--{Boundary}--\r\n";

    public static TheoryData<string, string, string> BrokenMultipart => new()
    {
        { "17 headers in a part", ManifestPart(string.Concat(Enumerable.Range(0, 17).Select(i => $"\r\nX-Extra-{i}: 1"))) + FilePart() + Closing, Boundary },
        { "a part header over 16 KiB", ManifestPart("\r\nX-Long: " + new string('x', 17 * 1024)) + FilePart() + Closing, Boundary },
        { "a body cut short", (ManifestPart() + FilePart() + Closing)[..^40], Boundary },
        { "an empty body", "", Boundary },
        { "another boundary than the header's", ManifestPart() + FilePart() + Closing, "another-boundary" },
        { "a 150-character boundary the body does not use", ManifestPart() + FilePart() + Closing, new string('b', 150) },
        { "a part Content-Type with a control character", ManifestPart() + FilePart(type: "text/plain\u0001") + Closing, Boundary },
        { "a part Content-Type that is not a media type", ManifestPart() + FilePart(type: "plain text") + Closing, Boundary },
    };

    [Theory]
    [MemberData(nameof(BrokenMultipart))]
    public async Task Broken_multipart_is_400_and_encodes_nothing(string what, string body, string boundary)
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/encode", org.Key, null, null, r =>
        {
            r.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            r.Content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
        });
        Assert.True(response.Status == 400, $"{what}: {response.Status} {response.Text}");
        response.AssertProblem(400, 40001);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).AssertStatus(200).Json!.AsArray());
    }

    [Fact]
    public async Task A_manifest_file_type_is_a_media_type()
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = """{"container":{"name":"x"},"files":{"notes.txt":{"type":"text/plain; charset=\"é\""}}}""";
        var response = await fixture.Api.EncodeAsync(org, manifest, ("notes.txt", "hi"u8.ToArray(), "text/plain"));
        Assert.NotNull(response.AssertProblem(400, 40001).Json!["fields"]!["files.notes.txt.type"]);
    }

    /// <summary>'/', '#' and '?' may be part of an email, and table keys refuse them: the viewer's keys encode them.</summary>
    [Theory]
    [InlineData("a/b@example.com")]
    [InlineData("a#b@example.com")]
    [InlineData("a?b@example.com")]
    [InlineData("o'hara+%41@example.com")]
    public async Task A_viewer_whose_email_holds_key_characters_can_use_the_token(string email)
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = """{"container":{"name":"x","recipients":["*@example.com"],"downloadable":true,"password":"pw-1","drm":{"dynamic":true,"opens":5}}}""";
        var id = (await fixture.Api.EncodeAsync(org, manifest, ("notes.txt", "hello"u8.ToArray(), "text/plain"))).AssertStatus(201).Json!["container"]!["id"]!.GetValue<string>();
        var token = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/viewer_tokens", org.Key, new JsonObject { ["email"] = email }))
            .AssertStatus(201).Json!["token"]!.GetValue<string>();

        var wrong = await fixture.Api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/notes.txt", token, null, null, r => r.Headers.Add("X-Locktera-Password", "nope"));
        wrong.AssertProblem(403, 40307);
        var attempt = Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/attempts", org.Key)).AssertStatus(200).Json!.AsArray());
        Assert.Equal(email, attempt!["viewer_email"]!.GetValue<string>());
        Assert.Equal(1, attempt["attempt_count"]!.GetValue<int>());
        if (!email.Contains('/', StringComparison.Ordinal))
        {
            // A '/' cannot be sent within one path segment ("%2F" stays undecoded in ASP.NET Core's routes).
            (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{id}/lockouts/{Uri.EscapeDataString(email)}", org.Key)).AssertStatus(204);
        }

        var decoded = await fixture.Api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/notes.txt", token, null, null, r => r.Headers.Add("X-Locktera-Password", "pw-1"));
        Assert.Equal("hello", decoded.AssertStatus(200).Text);
        var counted = Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/attempts", org.Key)).AssertStatus(200).Json!.AsArray());
        Assert.Equal(1, counted!["opens"]!.GetValue<int>());
        Assert.Equal(0, counted["attempt_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_request_line_over_8_KiB_is_a_problem_414()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await fixture.Api.GetAsync($"orgs/{org.Id}/containers?name={new string('x', 9000)}", org.Key)).AssertProblem(414, 41401);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/containers?name={new string('x', 7000)}", org.Key)).AssertStatus(200);
    }

    [Fact]
    public async Task Headers_over_32_KiB_or_100_are_a_problem_431()
    {
        (await fixture.Api.SendRawAsync(HttpMethod.Get, "service_status", null, null, null, r => r.Headers.Add("X-Big", new string('x', 40 * 1024))))
            .AssertProblem(431, 43101);
        (await fixture.Api.SendRawAsync(HttpMethod.Get, "service_status", null, null, null, r =>
        {
            for (var i = 0; i < 120; i++)
            {
                r.Headers.Add($"X-Header-{i}", "1");
            }
        })).AssertProblem(431, 43101);
    }

    [Fact]
    public async Task A_header_that_is_not_utf8_is_a_problem_400()
    {
        // Latin-1 "é" (one byte, 0xE9) where UTF-8 is expected.
        using var latin1 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 }) { BaseAddress = fixture.Api.Http.BaseAddress };
        var response = await new ApiClient(latin1).SendRawAsync(HttpMethod.Get, "service_status", null, null, null, r => r.Headers.Add("X-Locktera-Password", "café"));
        Assert.NotNull(response.AssertProblem(400, 40001).Json!["fields"]!["X-Locktera-Password"]);
        // UTF-8 is read as it always was.
        using var utf8 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = fixture.Api.Http.BaseAddress };
        (await new ApiClient(utf8).SendRawAsync(HttpMethod.Get, "service_status", null, null, null, r => r.Headers.Add("X-Locktera-Password", "café"))).AssertStatus(200);
    }

    /// <summary>A right-to-left override makes "invoice\u202Efdp.exe" read as "invoiceexe.pdf".</summary>
    [Fact]
    public async Task Names_that_hide_characters_are_refused_everywhere()
    {
        const string Rlo = "\u202E";
        var org = await fixture.CreateRootOrgAsync();
        var file = await fixture.Api.EncodeAsync(org, Manifest, ($"invoice{Rlo}fdp.exe", "x"u8.ToArray(), "text/plain"));
        Assert.Contains("formatting", file.AssertProblem(400, 40001).Json!["fields"]!["files"]!.GetValue<string>(), StringComparison.Ordinal);
        var described = await fixture.Api.EncodeAsync(org, "{\"container\":{\"name\":\"x\"},\"files\":{\"a" + Rlo + "b.txt\":{}}}", ("a.txt", "x"u8.ToArray(), "text/plain"));
        described.AssertProblem(400, 40001);
        (await fixture.Api.EncodeAsync(org, "{\"container\":{\"name\":\"pay" + Rlo + "slip\"}}", ("a.txt", "x"u8.ToArray(), "text/plain")))
            .AssertProblem(400, 40001);
        (await fixture.Api.EncodeAsync(org, "{\"container\":{\"name\":\"x\"},\"tags\":[\"q" + Rlo + "3\"]}", ("a.txt", "x"u8.ToArray(), "text/plain")))
            .AssertProblem(400, 40001);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).AssertStatus(200).Json!.AsArray());

        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "group", ["org_name"] = $"Sales{Rlo}" }))
            .AssertProblem(400, 40001);
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/addresses/ann@example.com", org.Key, new JsonObject { ["first_name"] = $"A\u200Bnn" }))
            .AssertProblem(400, 40001);
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/addresses/{Uri.EscapeDataString($"ann{Rlo}@example.com")}", org.Key, new JsonObject { ["first_name"] = "Ann" }))
            .AssertProblem(400, 40001);
        var import = await fixture.Api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/addresses/import", org.Key, $"Email,First Name,Last Name\nbob@example.com,Bob{Rlo},Lee\n", "text/csv");
        Assert.NotNull(import.AssertProblem(400, 40001).Json!["fields"]!["row 2"]);
        var orgImport = await fixture.Api.SendRawAsync(HttpMethod.Post, "orgs/import_orgs", org.Key, $"id,name,email,org_id,role\ng,Sa{Rlo}les,,{org.Id},group\n", "text/csv");
        Assert.NotNull(orgImport.AssertProblem(400, 40001).Json!["fields"]!["row 2"]);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/children", org.Key)).AssertStatus(200).Json!.AsArray());
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).AssertStatus(200).Json!.AsArray());
    }

    [Fact]
    public async Task A_duplicate_field_is_400_not_500()
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key,
            """{"role":"group","org_name":"A","org_name":"B"}""", "application/json");
        Assert.NotNull(response.AssertProblem(400, 40002).Json!["fields"]!["body"]);
        var nested = await fixture.Api.EncodeAsync(org, """{"container":{"name":"x","name":"y"}}""", ("a.txt", "x"u8.ToArray(), "text/plain"));
        Assert.NotNull(nested.AssertProblem(400, 40002).Json!["fields"]!["manifest"]);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/children", org.Key)).AssertStatus(200).Json!.AsArray());
    }

    /// <summary>Found by <see cref="FuzzTests"/>: an empty event type left the event without an action.</summary>
    [Theory]
    [InlineData("""{"event_type":null}""")]
    [InlineData("""{"event_type":""}""")]
    [InlineData("""{"event_type":"  ","detail":{"page":"3"}}""")]
    public async Task A_client_event_without_an_action_is_400(string body)
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = (await fixture.Api.EncodeAsync(org, Manifest, ("a.txt", "x"u8.ToArray(), "text/plain"))).AssertStatus(201).Json!["container"]!["id"]!.GetValue<string>();
        var response = await fixture.Api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/events", org.Key, body, "application/json");
        Assert.NotNull(response.AssertProblem(400, 40001).Json!["fields"]!["action"]);
    }

    [Fact]
    public async Task An_encode_without_a_boundary_parameter_is_400()
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/encode", org.Key, null, null, r =>
        {
            r.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(ManifestPart() + FilePart() + Closing));
            r.Content.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
        });
        Assert.NotNull(response.AssertProblem(400, 40001).Json!["fields"]!["content-type"]);
    }
}
