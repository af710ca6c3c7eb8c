using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Locktera.Functions.Http;

/// <summary>
/// The API's own reference, embedded at build: its OpenAPI document (docs/openapi.yaml, served as
/// JSON) and the files of the page that renders it. The coverage test reads the very document the
/// API serves.
/// </summary>
public static partial class ApiReference
{
    private const string Prefix = "ApiReference/";
    private const string AssetPrefix = Prefix + "assets/";

    private static readonly Lazy<byte[]> Json = new(() => Encoding.UTF8.GetBytes(Convert(ReadText("openapi.yaml")).ToJsonString(ApiJson.Options)));
    private static readonly Lazy<string> PageHtml = new(() => ReadText("reference.html"));

    /// <summary>The OpenAPI document as UTF-8 JSON.</summary>
    public static byte[] DocumentJson => Json.Value;

    /// <summary>The OpenAPI document, parsed anew (callers may change their copy).</summary>
    public static JsonObject Document() => JsonNode.Parse(Json.Value)!.AsObject();

    /// <summary>The reference page; <c>{{base}}</c> stands for its own URL with a trailing slash.</summary>
    public static string Page => PageHtml.Value;

    /// <summary>One of the page's scripts or style sheets, or null when there is none of that name.</summary>
    public static Stream? Asset(string name) => typeof(ApiReference).Assembly.GetManifestResourceStream(AssetPrefix + name);

    /// <summary>A YAML document as JSON, its plain scalars typed as in YAML 1.2's core schema.</summary>
    private static JsonObject Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return ToJson(stream.Documents.Single().RootNode)!.AsObject();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, ToJson(p.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar => Plain(scalar.Value!),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidDataException($"Unsupported YAML node at {node.Start}."),
    };

    private static JsonValue? Plain(string text) => text switch
    {
        "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when IntegerPattern().IsMatch(text) => JsonValue.Create(long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
        _ when FloatPattern().IsMatch(text) => JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(text),
    };

    private static string ReadText(string name)
    {
        using var stream = typeof(ApiReference).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"The embedded resource {Prefix}{name} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
