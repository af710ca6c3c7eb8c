using System.Text.RegularExpressions;
using Locktera.Core.Access;
using Locktera.Functions.Pipeline;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// docs/openapi.yaml, as the API serves it, describes exactly the app's HTTP functions: every route
/// and method, and who may call it. A function added without its documentation fails here.
/// Both sides are compared as concrete operations ("GET /orgs/{org_id}/containers"): a route value
/// constrained to a list (<c>{kind:regex(^by_(access|block)$)}</c>) counts once per value, as does a
/// documented path parameter with an <c>enum</c>, and <c>x-path-aliases</c> serves one documented
/// path prefix under another (<c>/users/{org_id}</c> for <c>/orgs/{org_id}</c>).
/// </summary>
public sealed partial class OpenApiCoverageTests
{
    private const string Source = "docs/openapi.yaml";
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
    private static readonly JsonObject Document = DocumentedApi.Document;

    private static readonly Dictionary<string, FunctionEntry> Served = FunctionCatalog.Locktera.Entries
        .Where(e => e.Http is not null)
        .SelectMany(e => Expand(e.Http!.Route!).SelectMany(path => e.Http.Methods!.Select(m => (Key: $"{m.ToUpperInvariant()} /{path}", Entry: e))))
        .ToDictionary(x => x.Key, x => x.Entry);

    private static readonly Dictionary<string, JsonObject> Documented = DocumentedOperations();

    [Fact]
    public void Every_http_function_is_documented()
    {
        var missing = Served.Where(s => !Documented.ContainsKey(s.Key)).Select(s => $"  {s.Key}  (function {s.Value.Name})").ToList();
        Assert.True(missing.Count == 0,
            $"HTTP functions without documentation. Describe each operation in {Source} (parameters, request and response " +
            $"schemas, error responses, security), then run scripts/test, which lints it:\n{string.Join('\n', missing)}");
    }

    [Fact]
    public void Every_documented_operation_is_served()
    {
        var extra = Documented.Keys.Where(k => !Served.ContainsKey(k)).Select(k => "  " + k).ToList();
        Assert.True(extra.Count == 0, $"{Source} documents operations that no function serves (or under other route value names):\n{string.Join('\n', extra)}");
    }

    /// <summary>The security requirements say what the function's access attribute enforces: API keys need the permission as their role.</summary>
    [Fact]
    public void Every_operation_documents_who_may_call_it()
    {
        var wrong = Served.Where(s => Documented.ContainsKey(s.Key))
            .Select(s => (s.Key, Expected: Expected(s.Value.Access!), Actual: Requirements(Documented[s.Key])))
            .Where(x => !x.Expected.SetEquals(x.Actual))
            .Select(x => $"  {x.Key}: documented [{string.Join(", ", x.Actual.Order())}], enforced [{string.Join(", ", x.Expected.Order())}]")
            .ToList();
        Assert.True(wrong.Count == 0, $"Operations whose security in {Source} differs from their function's access attribute:\n{string.Join('\n', wrong)}");
    }

    [Fact]
    public void Constrained_route_values_expand_to_each_allowed_value() =>
        Assert.Equal(
            ["orgs/{org_id}/container_events/by_access", "orgs/{org_id}/container_events/by_block", "users/{org_id}/container_events/by_access", "users/{org_id}/container_events/by_block"],
            Expand("{family:regex(^(orgs|users)$)}/{org_id}/container_events/{kind:regex(^by_(access|block)$)}").Order());

    /// <summary>A route template's concrete paths: a value constrained to a list becomes each value, any other stays a parameter.</summary>
    private static IEnumerable<string> Expand(string route)
    {
        var token = RouteValue().Match(route);
        if (!token.Success)
        {
            return [route];
        }
        var constraint = token.Groups["constraint"].Value;
        IEnumerable<string> values = [$"{{{token.Groups["name"].Value}}}"];
        if (constraint.StartsWith("regex(", StringComparison.Ordinal))
        {
            var choice = RegexChoice().Match(constraint["regex(".Length..^1]);
            Assert.True(choice.Success, $"Route {route}: cannot list the values that {token.Value} allows; teach {nameof(OpenApiCoverageTests)} its form.");
            values = choice.Groups["choices"].Value.Split('|').Select(c => choice.Groups["prefix"].Value + c + choice.Groups["suffix"].Value);
        }
        var rest = route[(token.Index + token.Length)..];
        return values.SelectMany(v => Expand(rest).Select(r => route[..token.Index] + v + r));
    }

    /// <summary>Every documented operation, under each of its concrete paths, with its operation object.</summary>
    private static Dictionary<string, JsonObject> DocumentedOperations()
    {
        var aliases = Document["x-path-aliases"]?.AsObject().Select(a => (From: a.Key, To: a.Value!.GetValue<string>())).ToList() ?? [];
        var operations = new Dictionary<string, JsonObject>();
        foreach (var (template, item) in Document["paths"]!.AsObject())
        {
            foreach (var method in Methods.Where(m => item![m] is not null))
            {
                var operation = item![method]!.AsObject();
                var parameters = (item["parameters"]?.AsArray() ?? []).Concat(operation["parameters"]?.AsArray() ?? []).Select(p => DocumentedApi.Resolve(p!)).ToList();
                foreach (var path in Concrete(template, parameters))
                {
                    operations.Add($"{method.ToUpperInvariant()} {path}", operation);
                    foreach (var (from, to) in aliases.Where(a => path == a.To || path.StartsWith(a.To + "/", StringComparison.Ordinal)))
                    {
                        operations.Add($"{method.ToUpperInvariant()} {from}{path[to.Length..]}", operation);
                    }
                }
            }
        }
        return operations;
    }

    /// <summary>A documented path with each path parameter that has an enum replaced by each of its values.</summary>
    private static IEnumerable<string> Concrete(string template, List<JsonNode> parameters)
    {
        IEnumerable<string> paths = [template];
        foreach (var parameter in parameters.Where(p => p["in"]!.GetValue<string>() == "path" && p["schema"]?["enum"] is not null))
        {
            var placeholder = $"{{{parameter["name"]!.GetValue<string>()}}}";
            var values = parameter["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
            paths = paths.SelectMany(p => values.Select(v => p.Replace(placeholder, v, StringComparison.Ordinal))).ToList();
        }
        return paths;
    }

    /// <summary>Each alternative of an operation's security as "scheme:role,role" (an empty set: open to anyone).</summary>
    private static HashSet<string> Requirements(JsonObject operation) =>
        [.. (operation["security"] ?? Document["security"])!.AsArray()
            .Select(r => string.Join("+", r!.AsObject().Select(s => $"{s.Key}:{string.Join(",", s.Value!.AsArray().Select(x => x!.GetValue<string>()))}")))];

    private static HashSet<string> Expected(AccessAttribute access) => access switch
    {
        PublicEndpointAttribute => [],
        OperatorOnlyAttribute => ["operatorKey:"],
        RequirePermissionAttribute p => [
            "orgKey:" + string.Join(",", p.Permission.ToNames()),
            .. p.AllowOperator ? ["operatorKey:"] : Array.Empty<string>(),
            .. p.AllowViewer ? ["viewerToken:"] : Array.Empty<string>()],
        _ => throw new InvalidOperationException($"Unknown access attribute {access.GetType().Name}: teach {nameof(OpenApiCoverageTests)} its security scheme."),
    };

    [GeneratedRegex(@"\{(?<name>[^{}:?]+)(?::(?<constraint>[^{}]*))?\}")]
    private static partial Regex RouteValue();

    [GeneratedRegex(@"^\^(?<prefix>[\w.-]*)\((?<choices>[\w.-]+(\|[\w.-]+)*)\)(?<suffix>[\w.-]*)\$$")]
    private static partial Regex RegexChoice();
}
