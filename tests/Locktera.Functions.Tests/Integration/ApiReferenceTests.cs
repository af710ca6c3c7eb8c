using System.Diagnostics;
using System.Text.RegularExpressions;
using Locktera.Functions.Http;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The API's own reference over HTTP: the OpenAPI document, and the page as a browser renders it
/// (Debian's Chromium, headless, which scripts/test installs), every file of it from the API itself.
/// </summary>
public sealed partial class ApiReferenceTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static string Chromium => Environment.GetEnvironmentVariable("LOCKTERA_TEST_CHROMIUM")
        ?? throw new InvalidOperationException("The browser test needs Chromium: run it through scripts/test, which installs it and sets LOCKTERA_TEST_CHROMIUM.");

    [Fact]
    public async Task The_document_is_served_as_json()
    {
        var response = (await fixture.Api.GetAsync("openapi.json", null)).AssertStatus(200);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("3.1.0", response.Json!["openapi"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(ApiReference.Document(), response.Json));
    }

    [Fact]
    public async Task The_page_loads_only_files_of_the_api_itself()
    {
        var page = (await fixture.Api.GetAsync("docs", null)).AssertStatus(200);
        Assert.Equal("text/html", page.ContentType);
        Assert.StartsWith("default-src 'none'; script-src 'self';", page.Header("Content-Security-Policy"), StringComparison.Ordinal);

        var links = LinkAttribute().Matches(page.Text).Select(m => m.Groups["url"].Value).ToList();
        Assert.Equal(["/api/v1/docs/", "swagger-ui.css", "swagger-ui-bundle.js", "reference.js"], links);
        foreach (var asset in links.Skip(1))
        {
            var response = (await fixture.Api.GetAsync($"docs/{asset}", null)).AssertStatus(200);
            Assert.Equal(asset.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript", response.ContentType);
        }
        (await fixture.Api.GetAsync("docs/index.html", null)).AssertProblem(404, 40401);
    }

    [Fact]
    public async Task A_browser_renders_every_operation()
    {
        var dom = await RenderAsync(new Uri(fixture.Api.Http.BaseAddress!, "docs"));

        // Paths, and the webhooks the API sends (OpenAPI 3.1), which the page shows by their names.
        var document = ApiReference.Document();
        var operations = new[] { "paths", "webhooks" }.SelectMany(section => document[section]!.AsObject())
            .SelectMany(p => p.Value!.AsObject().Where(o => o.Value is JsonObject operation && operation.ContainsKey("responses")).Select(o => (Method: o.Key.ToUpperInvariant(), Path: p.Key)))
            .ToList();
        var rendered = RenderedOperation().Matches(dom).Select(m => (Method: m.Groups["method"].Value, Path: m.Groups["path"].Value)).ToList();
        Assert.Equal(operations.Order(), rendered.Order());
        Assert.Contains(("GET", "/orgs/{org_id}/addresses"), rendered);
    }

    /// <summary>The page's DOM once its scripts have run and fetched the document.</summary>
    private static async Task<string> RenderAsync(Uri page)
    {
        var profile = Directory.CreateTempSubdirectory("locktera-chromium-");
        try
        {
            var start = new ProcessStartInfo(Chromium)
            {
                // --no-sandbox: tests run as root, where Chromium's sandbox cannot start. The virtual time
                // budget lets the page's timers run; pending requests (the document) pause it.
                ArgumentList = { "--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={profile.FullName}", "--virtual-time-budget=30000", "--dump-dom", page.ToString() },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var chromium = Process.Start(start)!;
            var output = chromium.StandardOutput.ReadToEndAsync();
            var errors = chromium.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await chromium.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                chromium.Kill(entireProcessTree: true);
                throw new TimeoutException("Chromium did not render the page within 120 s.");
            }
            Assert.True(chromium.ExitCode == 0, $"Chromium exited with {chromium.ExitCode}: {await errors}");
            return await output;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [GeneratedRegex("(?:src|href)=\"(?<url>[^\"]*)\"")]
    private static partial Regex LinkAttribute();

    /// <summary>Swagger UI's summary line of an operation: its method, then its path.</summary>
    [GeneratedRegex("<span class=\"opblock-summary-method\">(?<method>[A-Z]+)</span>.*?data-path=\"(?<path>[^\"]*)\"")]
    private static partial Regex RenderedOperation();
}
