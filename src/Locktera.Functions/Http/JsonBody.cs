using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Locktera.Functions.Http;

/// <summary>
/// A JSON object request body, read field by field. Every problem (wrong type, bad format,
/// missing or unknown field) is collected and reported together as one 400 with <c>fields</c>.
/// </summary>
public sealed class JsonBody
{
    private readonly JsonObject _object;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly FieldErrors _errors;
    private readonly string _prefix;
    private readonly List<JsonBody> _nested = [];

    private JsonBody(JsonObject value, FieldErrors errors, string prefix)
    {
        _object = value;
        _errors = errors;
        _prefix = prefix;
    }

    /// <summary>
    /// Reads the request's JSON object. With <paramref name="arrayField"/>, a bare JSON array is also
    /// accepted and read as the object <c>{ arrayField: […] }</c>.
    /// </summary>
    public static async Task<JsonBody> ReadAsync(HttpRequest request, string? arrayField = null)
    {
        var maxBytes = request.HttpContext.RequestServices.GetRequiredService<IOptions<LockteraOptions>>().Value.MaxJsonBodyBytes;
        if (request.ContentType is { } type && !IsJson(type))
        {
            throw new LockteraException(ErrorCode.ValidationFailed, "The body must be JSON.",
                new Dictionary<string, string> { ["content-type"] = "must be application/json" });
        }
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes, "body");
        }
        return await ReadAsync(request.Body, maxBytes, "body", request.HttpContext.RequestAborted, arrayField);
    }

    /// <summary>Reads a JSON object of at most <paramref name="maxBytes"/> from a stream (a body, a multipart section).</summary>
    public static async Task<JsonBody> ReadAsync(Stream stream, int maxBytes, string part, CancellationToken cancellationToken, string? arrayField = null)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes, part);
            }
            buffer.Write(chunk, 0, read);
        }
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), part, arrayField);
    }

    /// <summary>Parses a JSON object; <paramref name="part"/> names it in errors ("body", "manifest").</summary>
    public static JsonBody Parse(ReadOnlySpan<byte> json, string part, string? arrayField = null)
    {
        JsonNode? node;
        try
        {
            // A name given twice is refused: which of the two counts would be a guess.
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false });
            ReadAllText(node);
        }
        catch (JsonException e)
        {
            // A name given twice is found after parsing, with no position (and said so only in the message's words).
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}"
                : e.Message.StartsWith("Duplicate property", StringComparison.Ordinal) ? ": a name is given twice in one object" : "";
            throw new LockteraException(ErrorCode.MalformedJson, $"The {part} is not valid JSON.",
                new Dictionary<string, string> { [part] = $"is not valid JSON{where}" });
        }
        catch (InvalidOperationException)
        {
            throw new LockteraException(ErrorCode.MalformedJson, $"The {part} is not valid JSON.",
                new Dictionary<string, string> { [part] = "holds text that is not valid Unicode (invalid UTF-8, or an escaped unpaired surrogate)" });
        }
        if (arrayField is not null && node is JsonArray array)
        {
            node = new JsonObject { [arrayField] = array };
        }
        return node is JsonObject value
            ? new JsonBody(value, new FieldErrors(), "")
            : throw new LockteraException(ErrorCode.MalformedJson, $"The {part} must be a JSON object.",
                new Dictionary<string, string> { [part] = "must be a JSON object" });
    }

    /// <summary>
    /// Reads every name and string of a parsed document once. JsonNode decodes them only when first
    /// read, so text that is not valid UTF-8, or an escaped unpaired surrogate, would otherwise fail
    /// later, wherever a field happens to be read.
    /// </summary>
    private static void ReadAllText(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var (_, value) in members)
                {
                    ReadAllText(value);
                }
                break;
            case JsonArray items:
                foreach (var item in items)
                {
                    ReadAllText(item);
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                value.GetValue<string>();
                break;
        }
    }

    /// <summary>Whether the object has the field at all.</summary>
    public bool Has(string name) => _object.ContainsKey(name);

    /// <summary>
    /// A nested object, read like the body itself; its errors are reported under
    /// <c>name.field</c> together with the body's.
    /// </summary>
    public JsonBody? Nested(string name, bool required = false)
    {
        if (!TryTake(name, required, out var node))
        {
            return null;
        }
        if (node is not JsonObject value)
        {
            Fail(name, "must be an object");
            return null;
        }
        var nested = new JsonBody(value, _errors, _prefix + name + ".");
        _nested.Add(nested);
        return nested;
    }

    /// <summary>The members of an object whose keys are data (say, file names), each read as an object.</summary>
    public IReadOnlyList<(string Key, JsonBody Value)> Members(string name)
    {
        var container = Nested(name);
        if (container is null)
        {
            return [];
        }
        var members = new List<(string, JsonBody)>();
        foreach (var key in container._object.Select(p => p.Key).ToList())
        {
            if (container.Nested(key) is { } member)
            {
                members.Add((key, member));
            }
        }
        return members;
    }

    /// <summary>An array of objects (null when absent), each read like the body; errors name <c>name[i].field</c>.</summary>
    public IReadOnlyList<JsonBody>? Objects(string name, int maxItems)
    {
        if (!TryTake(name, required: false, out var node))
        {
            return null;
        }
        if (node is not JsonArray items || items.Count > maxItems)
        {
            Fail(name, $"must be an array of at most {maxItems} objects");
            return null;
        }
        var objects = new List<JsonBody>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is JsonObject item)
            {
                var body = new JsonBody(item, _errors, $"{_prefix}{name}[{i}].");
                _nested.Add(body);
                objects.Add(body);
            }
            else
            {
                Fail($"{name}[{i}]", "must be an object");
            }
        }
        return objects;
    }

    /// <summary>An object whose members are all strings (free-form details), bounded in count and length.</summary>
    public IReadOnlyDictionary<string, string> StringMap(string name, int maxEntries, int maxKeyLength, int maxValueLength)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!TryTake(name, required: false, out var node) || node is null)
        {
            return map;
        }
        if (node is not JsonObject members)
        {
            Fail(name, "must be an object of strings");
            return map;
        }
        if (members.Count > maxEntries)
        {
            Fail(name, $"must have at most {maxEntries} entries");
            return map;
        }
        foreach (var (key, value) in members)
        {
            if (key.Length is 0 || key.Length > maxKeyLength || VisibleText.HasHidden(key) || value is not JsonValue v || !v.TryGetValue<string>(out var text) || text.Length > maxValueLength)
            {
                Fail($"{name}.{(key.Length > maxKeyLength ? key[..maxKeyLength] : key)}", $"must be a string of at most {maxValueLength} characters under a name of 1 to {maxKeyLength} characters without {VisibleText.Rule}");
                continue;
            }
            map[key] = text;
        }
        return map;
    }

    public bool? Bool(string name) => Scalar<bool>(name, "must be true or false");

    public int? WholeNumber(string name, int min, int max) => (int?)WholeNumber(name, (long)min, max);

    public long? WholeNumber(string name, long min, long max)
    {
        var value = Scalar<long>(name, $"must be a whole number from {min} to {max}");
        if (value is { } v && (v < min || v > max))
        {
            Fail(name, $"must be a whole number from {min} to {max}");
            return null;
        }
        return value;
    }

    public double? Number(string name, double min, double max)
    {
        var value = Scalar<double>(name, $"must be a number from {min} to {max}");
        if (value is { } v && (v < min || v > max || !double.IsFinite(v)))
        {
            Fail(name, $"must be a number from {min} to {max}");
            return null;
        }
        return value;
    }

    /// <summary>A value of any JSON kind, for a reader of its own (null when absent or null).</summary>
    public JsonNode? Any(string name) => TryTake(name, required: false, out var node) ? node?.DeepClone() : null;

    /// <summary>A value kept as JSON (its contents are checked elsewhere), required to be of one JSON kind.</summary>
    public JsonNode? Raw(string name, JsonValueKind kind)
    {
        if (!TryTake(name, required: false, out var node) || node is null)
        {
            return null;
        }
        if (node.GetValueKind() != kind)
        {
            Fail(name, $"must be {(kind == JsonValueKind.Object ? "an object" : kind == JsonValueKind.Array ? "an array" : kind.ToString().ToLowerInvariant())}");
            return null;
        }
        return node.DeepClone();
    }

    /// <summary>An array of trimmed, non-empty strings.</summary>
    public IReadOnlyList<string>? Strings(string name, int maxItems, int maxLength)
    {
        var items = Array(name, s => s.Trim() is { Length: > 0 } t && t.Length <= maxLength && !VisibleText.HasHidden(t) ? new Wrapped(t) : (Wrapped?)null,
            $"a non-empty string of at most {maxLength} characters without {VisibleText.Rule}");
        if (items is { Count: var count } && count > maxItems)
        {
            Fail(name, $"must have at most {maxItems} items");
        }
        return items?.Select(w => w.Value).ToList();
    }

    private readonly record struct Wrapped(string Value);

    private T? Scalar<T>(string name, string message) where T : struct
    {
        if (!TryTake(name, required: false, out var node) || node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.TryGetValue<T>(out var result))
        {
            return result;
        }
        Fail(name, message);
        return null;
    }

    /// <summary>A trimmed string; an empty or whitespace-only one counts as absent.</summary>
    public string? Text(string name, int maxLength, bool required = false) => ReadString(name, maxLength, required).Value;

    /// <summary>A string kept exactly as sent (a password: its spaces count); empty counts as absent.</summary>
    public string? Secret(string name, int maxLength) => ReadString(name, maxLength, required: false, trim: false).Value;

    /// <summary>For partial updates: unset when absent, set to null when given as null or "".</summary>
    public Optional<string?> OptionalString(string name, int maxLength) => ReadString(name, maxLength, required: false);

    public string? Email(string name, bool required = false) => OptionalEmail(name, required).Value;

    public Optional<string?> OptionalEmail(string name, bool required = false) =>
        Normalize(name, ReadString(name, ContactRules.MaxEmailLength + 1, required), ContactRules.NormalizeEmail);

    public Optional<string?> OptionalPhone(string name) => Normalize(name, ReadString(name, 40, required: false), ContactRules.NormalizePhone);

    /// <summary>A string that must be one of the given names; <paramref name="parse"/> maps it to its value.</summary>
    public Optional<T> OptionalEnum<T>(string name, Func<string, T?> parse, IEnumerable<string> names, bool required = false) where T : struct
    {
        var text = ReadString(name, 100, required);
        if (!text.IsSet || text.Value is null)
        {
            return default;
        }
        if (parse(text.Value) is { } value)
        {
            return new Optional<T>(true, value);
        }
        Fail(name, $"must be one of: {string.Join(", ", names)}");
        return default;
    }

    /// <summary>An array of strings, each passed through <paramref name="parse"/> (null means invalid).</summary>
    public IReadOnlyList<T>? Array<T>(string name, Func<string, T?> parse, string itemDescription, bool required = false) where T : struct
    {
        if (!TryTake(name, required, out var node))
        {
            return null;
        }
        if (node is not JsonArray array)
        {
            Fail(name, "must be an array of strings");
            return null;
        }
        var items = new List<T>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.TryGetValue<string>(out var s) && parse(s) is { } item)
            {
                items.Add(item);
            }
            else
            {
                Fail($"{name}[{i}]", $"must be {itemDescription}");
            }
        }
        return items;
    }

    /// <summary>A trimmed string that <paramref name="check"/> accepts (it returns what is wrong, or null).</summary>
    public string? Checked(string name, int maxLength, Func<string, string?> check, bool required = false) =>
        Normalize(name, ReadString(name, maxLength, required), (string value, out string? error) => (error = check(value)) is null ? value : null).Value;

    /// <summary>An ISO-8601 time (<see cref="Timestamps"/>), optionally also checked by <paramref name="check"/> (it returns what is wrong, or null).</summary>
    public DateTimeOffset? Timestamp(string name, Func<DateTimeOffset, string?>? check = null) =>
        Checked(name, 40, text => Timestamps.Parse(text) is { } at ? check?.Invoke(at) : Timestamps.Problem) is { } valid ? Timestamps.Parse(valid) : null;

    /// <summary>Reports a problem the body's own checks cannot see, such as a field that does not apply.</summary>
    public void Fail(string name, string message) => _errors.Add(_prefix + name, message);

    /// <summary>Marks a field that callers may not set, if present.</summary>
    public void Forbid(string name, string reason)
    {
        if (_object.ContainsKey(name))
        {
            _read.Add(name);
            Fail(name, reason);
        }
    }

    /// <summary>Fails with every error found, including fields this request does not know.</summary>
    public void EnsureValid()
    {
        FlagUnknownFields();
        _errors.ThrowIfAny();
    }

    private void FlagUnknownFields()
    {
        foreach (var (name, _) in _object)
        {
            if (!_read.Contains(name))
            {
                Fail(name, "is not a known field");
            }
        }
        foreach (var nested in _nested)
        {
            nested.FlagUnknownFields();
        }
    }

    private Optional<string?> ReadString(string name, int maxLength, bool required, bool trim = true)
    {
        if (!TryTake(name, required, out var node))
        {
            return default;
        }
        if (node is null)
        {
            return Required(name, required);
        }
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            Fail(name, "must be a string");
            return default;
        }
        text = trim ? text.Trim() : text;
        if (text.Length == 0)
        {
            return Required(name, required);
        }
        if (text.Length > maxLength || VisibleText.HasHidden(text))
        {
            Fail(name, $"must be at most {maxLength} characters without {VisibleText.Rule}");
            return default;
        }
        return new Optional<string?>(true, text);
    }

    private Optional<string?> Required(string name, bool required)
    {
        if (required)
        {
            Fail(name, "is required");
            return default;
        }
        return new Optional<string?>(true, null);
    }

    private bool TryTake(string name, bool required, out JsonNode? node)
    {
        _read.Add(name);
        if (_object.TryGetPropertyValue(name, out node))
        {
            return true;
        }
        if (required)
        {
            Fail(name, "is required");
        }
        return false;
    }

    private delegate string? Normalizer(string value, out string? error);

    private Optional<string?> Normalize(string name, Optional<string?> value, Normalizer normalize)
    {
        if (value.Value is null)
        {
            return value;
        }
        var normalized = normalize(value.Value, out var error);
        if (error is not null)
        {
            Fail(name, error);
            return default;
        }
        return new Optional<string?>(true, normalized);
    }

    private static bool IsJson(string contentType)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static LockteraException TooLarge(int maxBytes, string part) =>
        new(ErrorCode.BodyTooLarge, $"The {part} is too large.", new Dictionary<string, string> { [part] = $"must be at most {maxBytes} bytes" });
}
