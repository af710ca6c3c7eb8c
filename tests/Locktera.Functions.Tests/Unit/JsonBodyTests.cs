using Locktera.Core.Errors;
using Locktera.Core.Orgs;
using Locktera.Functions.Http;
using Microsoft.Extensions.Options;

namespace Locktera.Functions.Tests.Unit;

public class JsonBodyTests
{
    private static HttpRequest Request(string body, string? contentType = "application/json", int maxBytes = 64 * 1024)
    {
        var services = new ServiceCollection().AddSingleton(Options.Create(new LockteraOptions { MaxJsonBodyBytes = maxBytes })).BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Request.ContentType = contentType;
        return context.Request;
    }

    private static async Task<LockteraException> Fails(string body, Action<JsonBody> read, string? contentType = "application/json")
    {
        return await Assert.ThrowsAsync<LockteraException>(async () =>
        {
            var json = await JsonBody.ReadAsync(Request(body, contentType));
            read(json);
            json.EnsureValid();
        });
    }

    [Fact]
    public async Task Absent_null_and_given_fields_are_told_apart()
    {
        var body = await JsonBody.ReadAsync(Request("{\"a\":\" x \",\"b\":null,\"c\":\"\"}"));
        Assert.Equal(new Optional<string?>(true, "x"), body.OptionalString("a", 10));
        Assert.Equal(new Optional<string?>(true, null), body.OptionalString("b", 10));
        Assert.Equal(new Optional<string?>(true, null), body.OptionalString("c", 10));
        Assert.False(body.OptionalString("d", 10).IsSet);
        body.EnsureValid();
    }

    [Fact]
    public async Task All_field_errors_are_reported_together()
    {
        var e = await Fails("{\"name\":1,\"role\":\"king\",\"extra\":true}", b =>
        {
            b.Text("name", 10);
            b.OptionalEnum("role", OrgRoles.Parse, OrgRoles.AllNames);
            b.Text("needed", 10, required: true);
        });
        Assert.Equal(ErrorCode.ValidationFailed, e.Code);
        Assert.Equal(["name", "role", "needed", "extra"], e.Fields!.Keys);
    }

    [Theory]
    [InlineData("{", ErrorCode.MalformedJson)]
    [InlineData("null", ErrorCode.MalformedJson)]
    [InlineData("{\"a\":1} trailing", ErrorCode.MalformedJson)]
    public async Task Non_objects_are_malformed(string body, ErrorCode code) =>
        Assert.Equal(code, (await Fails(body, _ => { })).Code);

    /// <summary>JsonNode accepts these and fails only when the field is read: they must be a 400 up front, whichever fields a route reads.</summary>
    [Theory]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"o\":{\"b\":1,\"b\":2}}")]
    [InlineData("{\"a\":[{\"b\":1,\"b\":1}]}")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    [InlineData("{\"\\udc00\":1}")]
    [InlineData("{\"a\":[\"x\\ud800\"]}")]
    public void Duplicate_names_and_unreadable_text_are_malformed(string json)
    {
        var e = Assert.Throws<LockteraException>(() => JsonBody.Parse(Encoding.UTF8.GetBytes(json), "body"));
        Assert.Equal(ErrorCode.MalformedJson, e.Code);
        Assert.NotNull(e.Fields!["body"]);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_malformed()
    {
        byte[] json = [.. "{\"a\":\""u8, 0xFF, .. "\"}"u8];
        Assert.Equal(ErrorCode.MalformedJson, Assert.Throws<LockteraException>(() => JsonBody.Parse(json, "body")).Code);
    }

    [Fact]
    public void A_name_given_twice_is_named_as_the_problem() =>
        Assert.Contains("given twice", Assert.Throws<LockteraException>(() => JsonBody.Parse("{\"a\":1,\"b\":{\"c\":1,\"c\":2}}"u8, "body")).Fields!["body"], StringComparison.Ordinal);

    [Theory]
    [InlineData("{\"name\":\"invoice\\u202Efdp\"}")]
    [InlineData("{\"name\":\"zero\\u200Bwidth\"}")]
    [InlineData("{\"name\":\"bell\\u0007\"}")]
    public void Text_with_hidden_characters_is_refused(string json)
    {
        var body = JsonBody.Parse(Encoding.UTF8.GetBytes(json), "body");
        Assert.Null(body.Text("name", 100));
        var e = Assert.Throws<LockteraException>(body.EnsureValid);
        Assert.Contains("formatting characters", e.Fields!["name"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_refused_even_without_a_length()
    {
        var e = await Assert.ThrowsAsync<LockteraException>(() => JsonBody.ReadAsync(Request("{\"a\":\"" + new string('x', 2000) + "\"}", maxBytes: 1024)));
        Assert.Equal(ErrorCode.BodyTooLarge, e.Code);
    }

    [Fact]
    public async Task Other_media_types_are_refused() =>
        Assert.Equal("content-type", Assert.Single((await Fails("{}", _ => { }, "text/xml")).Fields!.Keys));

    [Fact]
    public async Task Json_suffix_media_types_are_accepted()
    {
        var body = await JsonBody.ReadAsync(Request("{}", "application/merge-patch+json; charset=utf-8"));
        body.EnsureValid();
    }
}
