using Azure;
using Locktera.Core.Errors;
using Locktera.Core.Orgs;
using Locktera.Functions.Pipeline;

namespace Locktera.Functions.Tests.Unit;

/// <summary>The pipeline's failure mapping and request ids, on a public function (no storage needed).</summary>
public class PipelineTests
{
    private static readonly RequestPipeline Pipeline = CreatePipeline();

    /// <summary>The pipeline as the hosts register it, over storage that is never reached: public functions touch neither keys nor rate limits.</summary>
    private static RequestPipeline CreatePipeline()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [LockteraServices.StorageConnection] = "DefaultEndpointsProtocol=http;AccountName=unit;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:9/unit;BlobEndpoint=http://127.0.0.1:9/unit;",
            ["Locktera:OperatorKey"] = new string('o', 40),
            ["Locktera:MasterKey"] = Convert.ToBase64String(new byte[32]),
        }).Build();
        return new ServiceCollection().AddLocktera(configuration).BuildServiceProvider().GetRequiredService<RequestPipeline>();
    }

    private static async Task<(int Status, JsonNode? Body, DefaultHttpContext Context)> Run(Func<Task> function, string? requestId = null)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        if (requestId is not null)
        {
            context.Request.Headers["X-Request-Id"] = requestId;
        }
        var error = await Pipeline.RunAsync(context, "Test", new PublicEndpointAttribute(), function);
        if (error is null)
        {
            return (context.Response.StatusCode, null, context);
        }
        await error.ExecuteAsync(context);
        var text = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        return (context.Response.StatusCode, JsonNode.Parse(text), context);
    }

    [Fact]
    public async Task A_function_that_succeeds_keeps_its_own_result()
    {
        var ran = false;
        var (status, body, context) = await Run(() => { ran = true; return Task.CompletedTask; }, "req-1");
        Assert.True(ran);
        Assert.Null(body);
        Assert.Equal(200, status);
        Assert.Equal("req-1", context.Response.Headers["X-Request-Id"]);
    }

    [Fact]
    public async Task Locktera_failures_keep_their_code_message_and_fields()
    {
        var (status, body, context) = await Run(() => throw LockteraException.Validation("email", "is required"));
        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Equal(40001, body!["code"]!.GetValue<int>());
        Assert.Equal("is required", body["fields"]!["email"]!.GetValue<string>());
        Assert.Equal(context.Response.Headers["X-Request-Id"].ToString(), body["trace_id"]!.GetValue<string>());
        Assert.Equal("Bad Request", body["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrapped_failures_are_unwrapped()
    {
        var (status, body, _) = await Run(() => throw new InvalidOperationException("host", LockteraException.OrgNotFound()));
        Assert.Equal(404, status);
        Assert.Equal(40402, body!["code"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(503)]
    public async Task Storage_outages_are_503_with_retry_after(int storageStatus)
    {
        var (status, body, context) = await Run(() => throw new RequestFailedException(storageStatus, "connection refused"));
        Assert.Equal(503, status);
        Assert.Equal(50301, body!["code"]!.GetValue<int>());
        Assert.Equal("5", context.Response.Headers.RetryAfter);
    }

    /// <summary>Whatever function reads the request, a request parser's failure is the request's fault.</summary>
    public static TheoryData<string, Func<Task>> ParserFailures => new()
    {
        { "too many part headers", () => Sections("--b\r\n" + string.Concat(Enumerable.Range(0, 17).Select(i => $"X-{i}: 1\r\n")) + "\r\nx\r\n--b--\r\n") },
        { "a part header over 16 KiB", () => Sections("--b\r\nX: " + new string('x', 17_000) + "\r\n\r\nx\r\n--b--\r\n") },
        { "a truncated body", () => Sections("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx") },
        { "an empty body", () => Sections("") },
        { "another boundary", () => Sections("--c\r\n\r\nx\r\n--c--\r\n") },
        { "a malformed header value", () => { Microsoft.Net.Http.Headers.ContentDispositionHeaderValue.Parse("form-data; name=\"a"); return Task.CompletedTask; } },
    };

    [Theory]
    [MemberData(nameof(ParserFailures))]
    public async Task Request_parser_failures_are_400(string what, Func<Task> function)
    {
        var (status, body, _) = await Run(function);
        Assert.True(status == 400, what);
        Assert.Equal(40001, body!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_same_exception_types_thrown_elsewhere_stay_500()
    {
        // A stored row that does not parse is not the request's fault.
        Assert.Equal(500, (await Run(() => throw new InvalidDataException("Org x has an unknown role."))).Status);
        Assert.Equal(500, (await Run(() => Task.FromResult(Guid.Parse("not a guid")))).Status);
    }

    private static async Task Sections(string body)
    {
        var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader("b", new MemoryStream(Encoding.UTF8.GetBytes(body)));
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            await section.Body.CopyToAsync(Stream.Null);
        }
    }

    [Fact]
    public async Task Unexpected_failures_are_500_without_internals()
    {
        var (status, body, _) = await Run(() => throw new InvalidOperationException("secret-connection-string"));
        Assert.Equal(500, status);
        Assert.Equal(50001, body!["code"]!.GetValue<int>());
        Assert.DoesNotContain("secret", body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kestrels_body_limit_is_a_400()
    {
        var (status, body, _) = await Run(() => throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge));
        Assert.Equal(400, status);
        Assert.Equal((int)ErrorCode.BodyTooLarge, body!["code"]!.GetValue<int>());
    }

    [Fact]
    public void Every_error_code_is_documented()
    {
        var catalogue = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "errors.md"));
        Assert.All(Enum.GetValues<ErrorCode>(), code =>
        {
            Assert.Contains($"| {(int)code} |", catalogue, StringComparison.Ordinal);
            Assert.Contains($"`{code}`", catalogue, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Error_codes_start_with_their_http_status() =>
        Assert.All(Enum.GetValues<ErrorCode>(), code => Assert.InRange(code.HttpStatus(), 400, 599));

    [Fact]
    public void Roles_and_permissions_are_distinct_words() =>
        Assert.Equal(OrgRoles.AllNames.Count(), OrgRoles.AllNames.Distinct().Count());
}
