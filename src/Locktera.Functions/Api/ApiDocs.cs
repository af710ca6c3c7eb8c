using System.Text.Encodings.Web;

namespace Locktera.Functions.Api;

/// <summary>
/// The API's own reference: its OpenAPI document (docs/openapi.yaml) and a page that renders it
/// with Swagger UI, every file of which this API serves itself. Open to anyone, like any API's docs.
/// </summary>
public sealed class ApiDocs
{
    /// <summary>
    /// Everything from this origin only. Swagger UI sets style attributes and draws icons from data:
    /// URLs; it needs neither eval nor inline scripts.
    /// </summary>
    private const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

    [Function("GetOpenApiDocument")]
    [PublicEndpoint]
    public static IResult Document([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest req) =>
        Results.Bytes(ApiReference.DocumentJson, "application/json");

    [Function("GetApiReference")]
    [PublicEndpoint]
    public static IResult Page([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest req)
    {
        var headers = req.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = PagePolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        var self = HtmlEncoder.Default.Encode($"{req.PathBase}{req.Path.Value!.TrimEnd('/')}/");
        return Results.Content(ApiReference.Page.Replace("{{base}}", self, StringComparison.Ordinal), "text/html; charset=utf-8");
    }

    [Function("GetApiReferenceAsset")]
    [PublicEndpoint]
    public static IResult Asset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs/{asset}")] HttpRequest req, string asset)
    {
        var content = ApiReference.Asset(asset) ?? throw new LockteraException(ErrorCode.NotFound, "The reference page has no such file.");
        req.HttpContext.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Stream(content, asset.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
    }
}
