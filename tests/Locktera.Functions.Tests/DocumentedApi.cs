using System.Text.Json;
using Json.Schema;
using Locktera.Functions.Http;
using Locktera.Functions.Tests.Integration;

namespace Locktera.Functions.Tests;

/// <summary>The API's OpenAPI document as the tests read it (the very one the API serves), and checks against it.</summary>
internal static class DocumentedApi
{
    /// <summary>Where the schema validator finds the document; it is never fetched.</summary>
    private static readonly Uri BaseUri = new("https://locktera.invalid/openapi.json");

    private static readonly BuildOptions Build = Registered();

    public static JsonObject Document { get; } = ApiReference.Document();

    /// <summary>Follows a local <c>$ref</c> ("#/components/parameters/org_id").</summary>
    public static JsonNode Resolve(JsonNode node) =>
        node["$ref"]?.GetValue<string>() is { } pointer
            ? Resolve(pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Aggregate((JsonNode)Document, (at, part) => at[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]!))
            : node;

    /// <summary>
    /// The response is one that <paramref name="path"/>'s operation documents: its status, its content
    /// type (or a media range that covers it) and, for JSON, a body that the documented schema accepts
    /// (formats included).
    /// </summary>
    public static void AssertConforms(ApiResponse response, HttpMethod method, string path)
    {
        var operation = Document["paths"]?[path]?[method.Method.ToLowerInvariant()]
            ?? throw new InvalidOperationException($"{method} {path} is not in the document.");
        var status = response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(operation["responses"]![status] is not null, $"{method} {path} answered {status}, which it does not document: {response.Text}");
        var documented = Resolve(operation["responses"]![status]!);
        if (response.ContentType is null)
        {
            Assert.True(documented["content"] is null, $"{method} {path} {status} documents a body but had none.");
            return;
        }
        var mediaType = new[] { response.ContentType, response.ContentType.Split('/')[0] + "/*", "*/*" }.FirstOrDefault(t => documented["content"]?[t] is not null);
        Assert.True(mediaType is not null, $"{method} {path} {status} answered {response.ContentType}, which it does not document.");
        if (!response.ContentType.EndsWith("json", StringComparison.Ordinal))
        {
            return;
        }
        var pointer = $"/paths/{path.Replace("/", "~1", StringComparison.Ordinal)}/{method.Method.ToLowerInvariant()}/responses/{status}";
        if (operation["responses"]![status]!["$ref"]?.GetValue<string>() is { } reference)
        {
            pointer = reference.TrimStart('#');
        }
        var schema = JsonSchema.FromText($$"""{ "$ref": "{{BaseUri}}#{{pointer}}/content/{{Uri.EscapeDataString(mediaType.Replace("/", "~1", StringComparison.Ordinal))}}/schema" }""", Build);
        using var body = JsonDocument.Parse(response.Text);
        var result = schema.Evaluate(body.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        Assert.True(result.IsValid, $"{method} {path} {status}: the body does not match the documented schema:\n" +
            string.Join('\n', (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"  {d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}")) +
            $"\n{response.Text}");
    }

    private static BuildOptions Registered()
    {
        var registry = new SchemaRegistry();
        using var json = JsonDocument.Parse(ApiReference.DocumentJson);
        registry.Register(new JsonElementBaseDocument(json.RootElement.Clone(), BaseUri));
        return new BuildOptions { SchemaRegistry = registry };
    }
}
