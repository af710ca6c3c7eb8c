using System.Text;
using Locktera.Core;
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
