using System.Collections.Concurrent;
using Xunit.Sdk;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Malformed requests for every operation of docs/openapi.yaml, generated from the document itself:
/// each path and method, its path, query and header parameters, and its request body's media type and
/// schema. A new operation is fuzzed without anyone writing a case. Wrong types, nulls, names given
/// twice, hidden and unpaired Unicode, lengths, broken JSON, multipart and CSV, hostile headers:
/// whatever is sent, the answer is never a 5xx, and every error has the documented problem shape.
/// The seed is fixed, so a failure names a request that fails again.
/// </summary>
public class FuzzTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const int Seed = 11_2026;
    private const int MutationsPerOperation = 36;
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    [Fact]
    public async Task No_malformed_request_to_any_documented_operation_gets_a_5xx_or_an_undocumented_error_shape()
    {
        var api = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?>
        {
            ["Locktera:AdminRequestsPerMinute"] = "1000000",
            ["Locktera:StandardRequestsPerMinute"] = "1000000",
        });
        // Header bytes go out as given: the fuzz sends text that is not UTF-8, too.
        using var http = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 }) { BaseAddress = api.Http.BaseAddress };
        var world = await World.CreateAsync(fixture);
        var operations = Operations().ToList();
        Assert.True(operations.Count >= 50, $"only {operations.Count} operations found in the document");

        var failures = new ConcurrentQueue<string>();
        var sent = 0;
        // Reads first, deletes last: an operation that succeeds must not take away what later ones fuzz.
        foreach (var phase in operations.GroupBy(o => Array.IndexOf(Methods, o.Method)).OrderBy(g => g.Key))
        {
            await Parallel.ForEachAsync(phase, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (operation, _) =>
            {
                foreach (var request in Mutations(operation, world))
                {
                    Interlocked.Increment(ref sent);
                    if (await CheckAsync(http, request) is { } failure)
                    {
                        failures.Enqueue($"{operation.Method.ToUpperInvariant()} {operation.Path} with {request.What}: {failure}");
                    }
                }
            });
        }
        Assert.True(failures.IsEmpty, $"{failures.Count} of {sent} requests failed:\n" + string.Join("\n", failures.Take(50)));
    }

    // ---- The document ----

    private sealed record Operation(string Method, string Path, IReadOnlyList<JsonNode> Parameters, JsonNode? Body, string? Credential);

    private static IEnumerable<Operation> Operations()
    {
        foreach (var (path, item) in DocumentedApi.Document["paths"]!.AsObject())
        {
            var shared = item!["parameters"]?.AsArray().Select(p => DocumentedApi.Resolve(p!)).ToList() ?? [];
            foreach (var method in Methods)
            {
                if (item[method] is not JsonObject operation)
                {
                    continue;
                }
                var own = operation["parameters"]?.AsArray().Select(p => DocumentedApi.Resolve(p!)) ?? [];
                var body = operation["requestBody"] is { } requestBody ? DocumentedApi.Resolve(requestBody) : null;
                var schemes = operation["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).ToList() ?? [];
                var credential = new[] { "orgKey", "operatorKey", "viewerToken" }.FirstOrDefault(schemes.Contains);
                yield return new Operation(method, path, [.. shared, .. own], body, credential);
            }
        }
    }

    /// <summary>Follows <c>$ref</c>s and takes the first of <c>oneOf</c>/<c>anyOf</c>: the shape a client would most likely send.</summary>
    private static JsonObject Schema(JsonNode? schema)
    {
        var resolved = schema is null ? new JsonObject() : DocumentedApi.Resolve(schema).AsObject();
        return (resolved["oneOf"] ?? resolved["anyOf"]) is JsonArray alternatives ? Schema(alternatives[0]) : resolved;
    }

    /// <summary>The properties of an object schema, those of every <c>allOf</c> part included.</summary>
    private static IEnumerable<(string Name, JsonNode Schema, bool Required)> Properties(JsonObject schema)
    {
        var required = schema["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            yield return (name, property!, required.Contains(name));
        }
        foreach (var part in schema["allOf"]?.AsArray() ?? [])
        {
            foreach (var property in Properties(Schema(part)))
            {
                yield return property;
            }
        }
    }

    private static string TypeOf(JsonObject schema) => schema["type"] switch
    {
        JsonValue t => t.GetValue<string>(),
        JsonArray types => types.Select(t => t!.GetValue<string>()).First(t => t != "null"),
        _ when schema["properties"] is not null || schema["allOf"] is not null || schema["additionalProperties"] is not null => "object",
        _ when schema["items"] is not null => "array",
        _ => "string",
    };

    /// <summary>A value the schema accepts, as far as the schema alone can tell: its example, its first allowed value, or one of its type.</summary>
    private static JsonNode? Example(JsonNode? schemaNode, World world)
    {
        var schema = Schema(schemaNode);
        if ((schema["example"] ?? schema["examples"]?[0] ?? schema["const"] ?? schema["enum"]?[0]) is { } given)
        {
            return given.DeepClone();
        }
        return TypeOf(schema) switch
        {
            "object" => new JsonObject(Properties(schema).Where(p => p.Required).Select(p => KeyValuePair.Create(p.Name, Example(p.Schema, world)))),
            "array" => new JsonArray(Example(schema["items"], world)),
            "integer" or "number" => JsonValue.Create(schema["minimum"]?.GetValue<double>() is { } min ? (long)min : 1),
            "boolean" => JsonValue.Create(true),
            _ => JsonValue.Create(schema["format"]?.GetValue<string>() switch
            {
                "email" => "fuzz@example.com",
                "date-time" => "2030-01-01T00:00:00Z",
                "uuid" => world.Org.Id,
                "uri" => "https://storage.example.com/fuzz",
                _ => "fuzz",
            }),
        };
    }

    // ---- The requests ----

    /// <summary>One request to send: the body as bytes, headers as Latin-1 text (each character one byte on the wire).</summary>
    private sealed record Fuzzed(string What, HttpMethod Method, string Target, string? Key, byte[]? Body, string? ContentType, IReadOnlyList<(string Name, string Value)> Headers);

    private static IEnumerable<Fuzzed> Mutations(Operation operation, World world)
    {
        var random = new Random(Seed ^ StableHash(operation.Method + " " + operation.Path));
        var key = operation.Credential switch
        {
            "orgKey" => world.Org.Key,
            "operatorKey" => ApiFixture.OperatorKey,
            "viewerToken" => world.ViewerToken,
            _ => null,
        };
        var pathParameters = operation.Parameters.Where(p => p["in"]!.GetValue<string>() == "path").ToList();
        var queryParameters = operation.Parameters.Where(p => p["in"]!.GetValue<string>() == "query").ToList();
        var headerParameters = operation.Parameters.Where(p => p["in"]!.GetValue<string>() == "header").ToList();
        var values = pathParameters.ToDictionary(p => p["name"]!.GetValue<string>(), p => Baseline(operation, p, world));
        var (contentType, body, bodyMutations) = Bodies(operation, world);

        Fuzzed Request(string what, IReadOnlyDictionary<string, string>? path = null, string query = "", string? withKey = null, bool keyed = true,
            byte[]? content = null, string? type = null, params (string, string)[] headers)
        {
            var target = operation.Path.TrimStart('/');
            foreach (var (name, value) in path ?? values)
            {
                target = target.Replace("{" + name + "}", value, StringComparison.Ordinal);
            }
            return new Fuzzed(what, new HttpMethod(operation.Method.ToUpperInvariant()), target + query, keyed ? withKey ?? key : null,
                content ?? body, content is null ? contentType : type ?? contentType, headers);
        }

        var always = new List<Fuzzed> { Request("the baseline request") };
        var sampled = new List<Fuzzed>();
        foreach (var parameter in pathParameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            foreach (var (what, value) in HostilePathSegments)
            {
                sampled.Add(Request($"path {name} = {what}", path: new Dictionary<string, string>(values) { [name] = value }));
            }
        }
        foreach (var parameter in queryParameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            foreach (var (what, value) in HostileQueryValues)
            {
                sampled.Add(Request($"query {name} = {what}", query: $"?{name}={value}"));
            }
            sampled.Add(Request($"query {name} twice", query: $"?{name}=1&{name}=2"));
        }
        foreach (var parameter in headerParameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            foreach (var (what, value) in HostileHeaderValues)
            {
                sampled.Add(Request($"header {name} = {what}", headers: [(name, value)]));
            }
        }
        sampled.Add(Request("undocumented query parameters", query: "?%FF=%FE&a[b]=1&&=&" + string.Concat(Enumerable.Repeat("x=1&", 300))));
        always.Add(Request("a request line over the limit", query: "?q=" + new string('q', 9000)));
        foreach (var (what, headers) in HostileHeaders)
        {
            sampled.Add(Request(what, headers: headers));
        }
        foreach (var (what, credential) in HostileCredentials(world))
        {
            sampled.Add(Request($"the credential {what}", withKey: credential));
        }
        sampled.Add(Request("no credential", keyed: false));
        if (body is not null)
        {
            always.Add(Request("no body", content: []));
            foreach (var type in HostileContentTypes)
            {
                sampled.Add(Request($"Content-Type {type}", content: body, type: type));
            }
            foreach (var (what, mutated, everyTime) in bodyMutations)
            {
                (everyTime ? always : sampled).Add(Request(what, content: mutated));
            }
        }
        return always.Concat(sampled.OrderBy(_ => random.Next()).Take(Math.Max(0, MutationsPerOperation - always.Count)));
    }

    private static string Baseline(Operation operation, JsonNode parameter, World world)
    {
        var name = parameter["name"]!.GetValue<string>();
        // A delete must not take away what the other operations are fuzzed against.
        var value = name switch
        {
            "org_id" when operation.Method == "delete" && operation.Path == "/orgs/{org_id}" => world.DisposableChildId,
            _ when world.PathValues.TryGetValue(name, out var known) => known,
            _ => Example(parameter["schema"], world)!.ToString(),
        };
        return Uri.EscapeDataString(value);
    }

    private static readonly (string What, string Value)[] HostilePathSegments =
    [
        ("empty", "%20"),
        ("dots", "..%2F..%2Fetc"),
        ("an encoded slash", "a%2Fb"),
        ("encoded '#' and '?'", "a%23b%3Fc"),
        ("an encoded percent", "%2541"),
        ("CR LF", "x%0D%0Ainjected"),
        ("a right-to-left override", "abc%E2%80%AEtxt.exe"),
        ("bytes that are not UTF-8", "%FF%FE"),
        ("an overlong UTF-8 slash", "%C0%AF"),
        ("2,000 characters", new string('a', 2000)),
        ("unicode", "%C3%BC%F0%9F%98%80"),
        ("a nil UUID", "00000000-0000-0000-0000-000000000000"),
        ("a random UUID", "6f1c1f2e-3b1a-4c2d-9e8f-0a1b2c3d4e5f"),
        ("a number", "-1"),
        ("a token", "lt_AAAA"),
        ("an email with key characters", "a%2Fb%23c%3F%40example.com"),
    ];

    private static readonly (string What, string Value)[] HostileQueryValues =
    [
        ("empty", ""),
        ("text", "abc"),
        ("negative", "-1"),
        ("zero", "0"),
        ("a fraction", "1.5"),
        ("a huge number", "99999999999999999999"),
        ("bytes that are not UTF-8", "%FF%FE"),
        ("CR LF", "a%0D%0Ab"),
        ("a right-to-left override", "a%E2%80%AEb"),
        ("3,000 characters", new string('x', 3000)),
        ("an impossible time", "2026-13-45T99:99:99Z"),
        ("the year 0", "0000-01-01T00:00:00Z"),
        ("not an email", "a%40b%40c"),
        ("key characters", "%2F%5C%23%3F%3A"),
    ];

    /// <summary>Header text as Latin-1: each character is one byte on the wire.</summary>
    private static readonly (string What, string Value)[] HostileHeaderValues =
    [
        ("empty", ""),
        ("junk", "!!junk;;\"\\"),
        ("a number", "-1"),
        ("5,000 characters", new string('v', 5000)),
        ("bytes that are not UTF-8", "caf\u00E9"),
        ("UTF-8", "caf\u00C3\u00A9"),
        ("a control character", "a\u0001b"),
        ("a right-to-left override in UTF-8", "a\u00E2\u0080\u00AEb"),
    ];

    private static readonly (string What, (string, string)[] Headers)[] HostileHeaders =
    [
        ("a header that is not UTF-8", [("X-Locktera-Password", "caf\u00E9")]),
        ("a header with a control character", [("X-Request-Id", "a\u0001b")]),
        ("a 100-character request id", [("X-Request-Id", new string('r', 100))]),
        ("a session that is not one", [("X-Locktera-Session", "../../" + new string('s', 300))]),
        ("a Range that is not one", [("Range", "bytes=abc")]),
        ("a backwards Range", [("Range", "bytes=5-1")]),
        ("an empty suffix Range", [("Range", "bytes=-0")]),
        ("a huge Range", [("Range", "bytes=99999999999999999999-")]),
        ("300 Ranges", [("Range", "bytes=" + string.Join(',', Enumerable.Range(0, 300).Select(i => $"{i}-{i}")))]),
        ("another Range unit", [("Range", "items=0-1")]),
        ("an If-Range that is not an ETag", [("Range", "bytes=0-1"), ("If-Range", "\u00FF")]),
        ("an If-Match that matches nothing", [("If-Match", "\"nope\"")]),
        ("an If-Match wildcard", [("If-Match", "*")]),
        ("a weak If-Match", [("If-Match", "W/\"1\"")]),
        ("a 5,000-character If-Match", [("If-Match", new string('m', 5000))]),
        ("forwarded addresses that are not addresses", [("X-Forwarded-For", "garbage, 999.1.1.1, ::1, fe80::1%eth0, ")]),
        ("an Accept nobody serves", [("Accept", "application/xml;q=\u00E9")]),
        ("120 headers", [.. Enumerable.Range(0, 120).Select(i => ($"X-Fuzz-{i}", "1"))]),
        ("a 33 KiB header", [("X-Fuzz", new string('h', 33 * 1024))]),
    ];

    private static IEnumerable<(string What, string Key)> HostileCredentials(World world) =>
    [
        ("that is random", "lt_" + new string('A', 60)),
        ("of the wrong kind", "ltv_" + new string('B', 40)),
        ("of another container", world.OtherViewerToken),
        ("that is very long", "lt_" + new string('C', 6000)),
        ("that is not base64url", "lt_!!!!$$$$"),
        ("that is not UTF-8", "lt_\u00E9\u00FF"),
        ("that is empty", ""),
    ];

    private static readonly string[] HostileContentTypes =
    [
        "application/json; charset=utf-16",
        "application/json; charset=\"",
        "text/plain",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"" + new string('b', 71) + "\"",
        "application/x-www-form-urlencoded",
        "*/*",
        "application/json;;;",
        "text/csv; charset=ebcdic",
    ];

    // ---- Bodies ----

    /// <summary>The operation's baseline body and its malformed variants (flagged when they are sent for every operation).</summary>
    private static (string? ContentType, byte[]? Body, IReadOnlyList<(string What, byte[] Body, bool Always)> Mutations) Bodies(Operation operation, World world)
    {
        if (operation.Body?["content"] is not JsonObject content || content.Count == 0)
        {
            return (null, null, []);
        }
        var (mediaType, media) = content.First();
        var schema = media!["schema"];
        switch (mediaType)
        {
            case "application/json":
                var json = Example(schema, world);
                return (mediaType, Utf8(json!.ToJsonString()), JsonMutations(json, Schema(schema)));
            case "multipart/form-data":
                return (Multipart.ContentType, Multipart.Baseline(media, world), Multipart.Mutations(media, world));
            default:
                var text = (media["example"] ?? Schema(schema)["example"])?.GetValue<string>() ?? "fuzz";
                return (mediaType, Utf8(text), mediaType == "text/csv" ? CsvMutations(text) : []);
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Stands in for raw JSON text that a JsonNode cannot hold (a lone surrogate escape, a number beyond double).</summary>
    private static readonly (string Placeholder, string Raw)[] RawValues =
    [
        ("\"@@lone-surrogate@@\"", "\"\\ud800\""),
        ("\"@@beyond-double@@\"", "1e999"),
        ("\"@@huge-integer@@\"", "99999999999999999999"),
        ("\"@@nan@@\"", "NaN"),
        ("\"@@nul@@\"", "\"a\\u0000b\""),
        ("\"@@deep@@\"", new string('[', 40) + new string(']', 40)),
    ];

    private static byte[] Serialize(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        foreach (var (placeholder, raw) in RawValues)
        {
            text = text.Replace(placeholder, raw, StringComparison.Ordinal);
        }
        return Utf8(text);
    }

    /// <summary>Values of every kind but the expected one, and of the expected kind but hostile.</summary>
    private static IEnumerable<(string What, JsonNode? Value)> HostileValues(JsonObject schema)
    {
        JsonNode? Raw(string name) => JsonValue.Create($"@@{name}@@");
        yield return ("null", null);
        yield return ("0", JsonValue.Create(0));
        yield return ("-1", JsonValue.Create(-1));
        yield return ("1.5", JsonValue.Create(1.5));
        yield return ("true", JsonValue.Create(true));
        yield return ("an empty string", JsonValue.Create(""));
        yield return ("white space", JsonValue.Create("   "));
        yield return ("a string", JsonValue.Create("fuzz"));
        yield return ("an empty array", new JsonArray());
        yield return ("an empty object", new JsonObject());
        yield return ("[null]", new JsonArray((JsonNode?)null));
        yield return ("an unknown object", new JsonObject { ["a"] = new JsonObject { ["b"] = 1 } });
        yield return ("5,000 characters", JsonValue.Create(new string('x', 5000)));
        yield return ("a right-to-left override", JsonValue.Create("invoice\u202Efdp.exe"));
        yield return ("a zero-width space", JsonValue.Create("a\u200Bb"));
        yield return ("an emoji", JsonValue.Create("\U0001F600\u200D\U0001F4A9"));
        yield return ("a lone surrogate", Raw("lone-surrogate"));
        yield return ("1e999", Raw("beyond-double"));
        yield return ("a 20-digit integer", Raw("huge-integer"));
        yield return ("NaN", Raw("nan"));
        yield return ("a NUL", Raw("nul"));
        yield return ("40 nested arrays", Raw("deep"));
        yield return ("2,000 items", new JsonArray([.. Enumerable.Range(0, 2000).Select(i => JsonValue.Create("x" + i))]));
        yield return ("2^31", JsonValue.Create(2147483648L));
        if (schema["maxLength"]?.GetValue<int>() is { } max)
        {
            yield return ("one character too many", JsonValue.Create(new string('m', max + 1)));
        }
        if (schema["enum"] is JsonArray { Count: > 0 } allowed)
        {
            yield return ("an unknown value", JsonValue.Create("NOT_ONE_OF_THEM"));
            yield return ("a value in upper case", JsonValue.Create(allowed[0]!.ToString().ToUpperInvariant()));
        }
        switch (schema["format"]?.GetValue<string>())
        {
            case "email":
                yield return ("two @", JsonValue.Create("a@b@example.com"));
                yield return ("key characters", JsonValue.Create("a/b#c?d@example.com"));
                break;
            case "date-time":
                yield return ("an impossible time", JsonValue.Create("2026-13-45T25:61:61Z"));
                yield return ("the year 1", JsonValue.Create("0001-01-01T00:00:00Z"));
                yield return ("the year 9999", JsonValue.Create("9999-12-31T23:59:59.9999999Z"));
                break;
            case "uuid":
                yield return ("not a UUID", JsonValue.Create("not-a-uuid"));
                yield return ("the nil UUID", JsonValue.Create(Guid.Empty));
                break;
            case "uri":
                yield return ("an unclosed IPv6 host", JsonValue.Create("http://[::1"));
                yield return ("a javascript URI", JsonValue.Create("javascript:alert(1)"));
                yield return ("a file URI", JsonValue.Create("file:///etc/passwd"));
                break;
        }
    }

    /// <summary>Every property path of an object schema, nested objects to three levels.</summary>
    private static IEnumerable<(string[] Path, JsonObject Schema)> PropertyPaths(JsonObject schema, string[] prefix)
    {
        if (prefix.Length >= 3 || TypeOf(schema) != "object")
        {
            yield break;
        }
        foreach (var (name, property, _) in Properties(schema))
        {
            var resolved = Schema(property);
            string[] path = [.. prefix, name];
            yield return (path, resolved);
            foreach (var nested in PropertyPaths(resolved, path))
            {
                yield return nested;
            }
        }
    }

    /// <summary>A copy of <paramref name="baseline"/> (an object) with the value at <paramref name="path"/> set, objects on the way created.</summary>
    private static JsonObject With(JsonObject baseline, string[] path, JsonNode? value)
    {
        var root = baseline.DeepClone().AsObject();
        var at = root;
        foreach (var name in path[..^1])
        {
            if (at[name] is not JsonObject next)
            {
                next = new JsonObject();
                at[name] = next;
            }
            at = next;
        }
        at[path[^1]] = value?.DeepClone();
        return root;
    }

    private static List<(string, byte[], bool)> JsonMutations(JsonNode baseline, JsonObject schema)
    {
        var text = baseline.ToJsonString();
        var first = baseline is JsonObject { Count: > 0 } o ? o.First().Key : "a";
        var inner = text.Length > 2 && baseline is JsonObject { Count: > 0 } ? text[1..^1] : "\"a\":1";
        var mutations = new List<(string, byte[], bool)>
        {
            ("a name given twice", Utf8($"{{{inner},\"{first}\":null}}"), true),
            ("the body cut short", Utf8(text[..(text.Length / 2)]), true),
            ("a body that is not UTF-8", [.. Utf8(text[..^1]), .. ",\"x\":\""u8, 0xFF, 0xFE, .. "\"}"u8], true),
            ("a lone surrogate", Utf8($"{{\"{first}\":\"\\udc00\"}}"), true),
            ("null", Utf8("null"), false),
            ("an array", Utf8("[1,2]"), false),
            ("a string", Utf8("\"text\""), false),
            ("a number", Utf8("1e999"), false),
            ("a byte-order mark", [0xEF, 0xBB, 0xBF, .. Utf8(text)], false),
            ("trailing text", Utf8(text + " trailing"), false),
            ("a comment", Utf8("/* c */" + text), false),
            ("single quotes", Utf8(text.Replace('"', '\'')), false),
            ("100 nested objects", Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100)), false),
            ("a body over the limit", Utf8($"{{\"{first}\":\"{new string('x', 70_000)}\"}}"), false),
            ("an unknown field with a hidden name", Utf8($"{{{inner},\"a\\u202Eb\":1}}"), false),
        };
        foreach (var (path, property) in baseline is JsonObject ? PropertyPaths(schema, []) : [])
        {
            foreach (var (what, value) in HostileValues(property))
            {
                mutations.Add(($"{string.Join('.', path)} = {what}", Serialize(With((JsonObject)baseline, path, value)), false));
            }
        }
        if (baseline is JsonArray)
        {
            foreach (var (what, value) in HostileValues(Schema(schema["items"])))
            {
                mutations.Add(($"an item = {what}", Serialize(new JsonArray(value?.DeepClone())), false));
            }
        }
        return mutations;
    }

    private static IReadOnlyList<(string, byte[], bool)> CsvMutations(string baseline)
    {
        var header = baseline.Split('\n')[0];
        return
        [
            ("an empty body", [], true),
            ("a header only", Utf8(header + "\n"), true),
            ("an unclosed quote", Utf8(baseline + "\"ann@example.com,Ann"), true),
            ("bytes that are not UTF-8", [.. Utf8(baseline), 0xFF, 0xFE, (byte)'\n'], true),
            ("a byte-order mark", [0xEF, 0xBB, 0xBF, .. Utf8(baseline)], false),
            ("a 100 KB cell", Utf8(header + "\n" + new string('c', 100_000) + "\n"), false),
            ("5,000 columns", Utf8(string.Join(',', Enumerable.Range(0, 5000).Select(i => "c" + i)) + "\n"), false),
            ("NUL characters", Utf8(baseline.Replace(",", ",\0", StringComparison.Ordinal)), false),
            ("CR line endings", Utf8(baseline.Replace('\n', '\r')), false),
            ("hidden characters", Utf8(baseline.Replace(",", "\u202E,", StringComparison.Ordinal)), false),
            ("a column twice", Utf8(header + "," + header + "\n"), false),
            ("5,001 rows", Utf8(header + "\n" + string.Concat(Enumerable.Range(0, 5001).Select(i => $"u{i}@example.com,A,B\n"))), false),
            ("binary", [.. Enumerable.Range(0, 512).Select(i => (byte)i)], false),
        ];
    }

    /// <summary>Multipart bodies from the schema: a part per property, JSON where its encoding says so, a file part for binary arrays.</summary>
    private static class Multipart
    {
        private const string Boundary = "fuzz-boundary";
        public const string ContentType = "multipart/form-data; boundary=" + Boundary;

        private static string Part(string headers, string body, string boundary = Boundary) => $"--{boundary}\r\n{headers}\r\n\r\n{body}\r\n";

        private static string FilePart(string disposition = "form-data; name=\"files\"; filename=\"fuzz.txt\"", string type = "text/plain") =>
            Part($"Content-Disposition: {disposition}\r\nContent-Type: {type}", "fuzz");

        private static (string Name, JsonNode? Json, JsonObject Schema) JsonPart(JsonNode media, World world)
        {
            var schema = Schema(media["schema"]);
            var (name, property, _) = Properties(schema).First(p => media["encoding"]?[p.Name]?["contentType"]?.GetValue<string>() == "application/json");
            return (name, Example(property, world), Schema(property));
        }

        private static string Body(string name, string json, params string[] files) =>
            Part($"Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json", json) + string.Concat(files) + $"--{Boundary}--\r\n";

        public static byte[] Baseline(JsonNode media, World world)
        {
            var (name, json, _) = JsonPart(media, world);
            return Utf8(Body(name, json!.ToJsonString(), FilePart()));
        }

        public static List<(string, byte[], bool)> Mutations(JsonNode media, World world)
        {
            var (name, json, schema) = JsonPart(media, world);
            var manifest = json!.ToJsonString();
            var whole = Body(name, manifest, FilePart());
            var mutations = new List<(string, byte[], bool)>
            {
                ("17 headers in a part", Utf8(Part($"Content-Disposition: form-data; name=\"{name}\"" + string.Concat(Enumerable.Range(0, 17).Select(i => $"\r\nX-{i}: 1")), manifest) + FilePart() + $"--{Boundary}--\r\n"), true),
                ("a part header over 16 KiB", Utf8(Part($"Content-Disposition: form-data; name=\"{name}\"\r\nX-Long: {new string('l', 17 * 1024)}", manifest) + FilePart() + $"--{Boundary}--\r\n"), true),
                ("a body cut short", Utf8(whole[..^30]), true),
                ("an empty body", [], true),
                ("another boundary", Utf8(whole.Replace(Boundary, "other-boundary", StringComparison.Ordinal)), true),
                ("a 150-character boundary", Utf8(whole.Replace(Boundary, new string('b', 150), StringComparison.Ordinal)), false),
                ("only a preamble", Utf8("preamble without any boundary\r\n"), false),
                ("a closing boundary only", Utf8($"--{Boundary}--\r\n"), false),
                ("no file part", Utf8(Body(name, manifest)), false),
                ("the file first", Utf8(FilePart() + Body(name, manifest)), false),
                ("a part without a disposition", Utf8(Body(name, manifest, Part("Content-Type: text/plain", "x"))), false),
                ("an attachment disposition", Utf8(Body(name, manifest, FilePart("attachment; filename=\"a.txt\""))), false),
                ("a file without a name", Utf8(Body(name, manifest, FilePart("form-data; name=\"files\""))), false),
                ("a path as file name", Utf8(Body(name, manifest, FilePart("form-data; name=\"files\"; filename=\"../../etc/passwd\""))), false),
                ("a 300-byte file name", Utf8(Body(name, manifest, FilePart($"form-data; name=\"files\"; filename=\"{new string('n', 300)}\""))), false),
                ("an RFC 5987 file name that is not UTF-8", Utf8(Body(name, manifest, FilePart("form-data; name=\"files\"; filename*=UTF-8''%FF%FE"))), false),
                ("a hidden file name", Utf8(Body(name, manifest, FilePart("form-data; name=\"files\"; filename*=UTF-8''a%E2%80%AEb.txt"))), false),
                ("an unclosed quote in a disposition", Utf8(Body(name, manifest, FilePart("form-data; name=\"files\"; filename=\"a"))), false),
                ("a file sent twice", Utf8(Body(name, manifest, FilePart(), FilePart())), false),
                ("a part named otherwise", Utf8(Body(name, manifest, FilePart("form-data; name=\"other\"; filename=\"a.txt\""))), false),
                ("a file type that is not a media type", Utf8(Body(name, manifest, FilePart(type: "not a type"))), false),
                ("a file type with a control character", Utf8(Body(name, manifest, FilePart(type: "text/plain\u0001"))), false),
                ("a file type that is not ASCII", Utf8(Body(name, manifest, FilePart(type: "text/pl\u00E4in"))), false),
            };
            foreach (var (what, body, always) in JsonMutations(json, schema))
            {
                mutations.Add(($"{name}: {what}", [.. Utf8(Part($"Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json", "")[..^2]), .. body,
                    .. Utf8("\r\n" + FilePart() + $"--{Boundary}--\r\n")], always));
            }
            return mutations;
        }
    }

    // ---- Checking ----

    private static async Task<string?> CheckAsync(HttpClient http, Fuzzed fuzzed)
    {
        using var request = new HttpRequestMessage(fuzzed.Method, fuzzed.Target);
        if (fuzzed.Key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + fuzzed.Key);
        }
        if (fuzzed.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzzed.Body);
            if (fuzzed.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzzed.ContentType);
            }
        }
        foreach (var (name, value) in fuzzed.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }
        using var response = await http.SendAsync(request);
        var answer = new ApiResponse((int)response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        if (answer.Status >= 500)
        {
            return $"{answer.Status} {Shorten(answer.Text)}";
        }
        if (answer.Status < 400)
        {
            return null;
        }
        try
        {
            answer.AssertProblemShape();
            return null;
        }
        catch (Exception e) when (e is XunitException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return $"{answer.Status} not in the documented shape ({answer.ContentType ?? "no content type"}): {Shorten(answer.Text)}";
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>A hash that is the same in every process (string.GetHashCode is not), so the seed picks the same cases each run.</summary>
    private static int StableHash(string text) => text.Aggregate(17, (hash, c) => unchecked((hash * 31) + c));

    /// <summary>What the requests are about: an organization with a child, a container and its viewer, a contact, a consent, a spare key.</summary>
    private sealed class World
    {
        public required TestOrg Org { get; init; }
        public required string DisposableChildId { get; init; }
        public required string ViewerToken { get; init; }
        public required string OtherViewerToken { get; init; }
        public required Dictionary<string, string> PathValues { get; init; }

        public static async Task<World> CreateAsync(ApiFixture fixture)
        {
            var api = fixture.Api;
            var org = await fixture.CreateRootOrgAsync("Fuzz");
            var child = await fixture.CreateChildAsync(org, "group", "read");
            var manifest = """{"container":{"name":"Fuzzed","recipients":["*@example.com"],"drm":{"dynamic":true}}}""";
            string Encoded(ApiResponse r) => r.AssertStatus(201).Json!["container"]!["id"]!.GetValue<string>();
            var container = Encoded(await api.EncodeAsync(org, manifest, ("notes.txt", "hello, fuzz"u8.ToArray(), "text/plain")));
            var other = Encoded(await api.EncodeAsync(org, manifest, ("other.txt", "x"u8.ToArray(), "text/plain")));
            async Task<string> Token(string id) => (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/viewer_tokens", org.Key,
                new JsonObject { ["email"] = "ann@example.com" })).AssertStatus(201).Json!["token"]!.GetValue<string>();
            (await api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/addresses/ann@example.com", org.Key, new JsonObject { ["first_name"] = "Ann" })).AssertStatus(201);
            (await api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/consents/gdpr", org.Key, new JsonObject { ["status"] = "granted" })).AssertStatus(200);
            var spareKey = (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", org.Key, new JsonObject { ["name"] = "spare", ["permissions"] = new JsonArray("read") }))
                .AssertStatus(201).Json!["key_id"]!.GetValue<string>();
            return new World
            {
                Org = org,
                DisposableChildId = child.Id,
                ViewerToken = await Token(container),
                OtherViewerToken = await Token(other),
                PathValues = new Dictionary<string, string>
                {
                    ["org_id"] = org.Id,
                    ["container_id"] = container,
                    ["file_name"] = "notes.txt",
                    ["email"] = "ann@example.com",
                    ["consent_id"] = "gdpr",
                    ["key_id"] = spareKey,
                },
            };
        }
    }
}
