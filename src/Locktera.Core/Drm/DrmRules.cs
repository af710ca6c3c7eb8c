using System.Net;
using System.Text.Json.Nodes;
using Locktera.Core.Validation;

namespace Locktera.Core.Drm;

/// <summary>A geo rule: every field it gives must match (countries and continents as codes).</summary>
public sealed record GeoRule(string? Continent, string? Country, string? Subdivision, string? City);

/// <summary>A rule type's allow and block lists, entries as written and in order.</summary>
public abstract class RuleList<T>(IReadOnlyList<T> allow, IReadOnlyList<T> block)
{
    public IReadOnlyList<T> Allow { get; } = allow;

    public IReadOnlyList<T> Block { get; } = block;

    public bool IsEmpty => Allow.Count == 0 && Block.Count == 0;
}

/// <summary>The <c>ip</c> lists, compiled for lookup when made (<see cref="IpSet"/>).</summary>
public sealed class IpRules(IReadOnlyList<IpPattern> allow, IReadOnlyList<IpPattern> block) : RuleList<IpPattern>(allow, block)
{
    private readonly IpSet _allow = IpSet.Of(allow);
    private readonly IpSet _block = IpSet.Of(block);

    /// <summary>Whether the allow list lets <paramref name="address"/> (normalized) in: an empty one lets every address in.</summary>
    public bool Admits(IPAddress address) => Allow.Count == 0 || _allow.FirstMatch(address) >= 0;

    /// <summary>The first block entry, in list order, that matches <paramref name="address"/> (normalized).</summary>
    public IpPattern? FirstBlocking(IPAddress address) => _block.FirstMatch(address) is >= 0 and var index ? Block[index] : null;
}

/// <summary>The <c>geo</c> lists, compiled for lookup when made (<see cref="GeoSet"/>).</summary>
public sealed class GeoRules(IReadOnlyList<GeoRule> allow, IReadOnlyList<GeoRule> block) : RuleList<GeoRule>(allow, block)
{
    private readonly GeoSet _allow = GeoSet.Of(allow);
    private readonly GeoSet _block = GeoSet.Of(block);

    /// <summary>Whether the allow list lets <paramref name="place"/> in: an empty one lets every place in.</summary>
    public bool Admits(GeoFacts place) => Allow.Count == 0 || _allow.FirstMatch(place) >= 0;

    /// <summary>The first block rule, in list order, that matches <paramref name="place"/>.</summary>
    public GeoRule? FirstBlocking(GeoFacts place) => _block.FirstMatch(place) is >= 0 and var index ? Block[index] : null;
}

/// <summary>When a container may be opened: from <see cref="Start"/> (inclusive) until <see cref="End"/> (exclusive).</summary>
public sealed record TimeWindow(DateTimeOffset? Start, DateTimeOffset? End);

/// <summary>
/// The DRM rules of a container (docs/drm.md). Parsed from upstream's JSON shape by
/// <see cref="Parse(JsonObject, Action{string, string}, string)"/>, which reports every malformed entry by its path.
/// </summary>
public sealed record DrmRules(
    IReadOnlyList<string>? Recipients,
    bool Downloadable,
    IpRules Ip,
    GeoRules Geo,
    int? Opens,
    TimeWindow Time)
{
    public const int MaxRecipients = 1000;
    public const int MaxIpEntries = 10_000;
    public const int MaxGeoEntries = 1000;

    public static DrmRules None { get; } = new(null, false, new([], []), new([], []), null, new(null, null));

    /// <summary>The rule fields, by their names in the JSON form.</summary>
    public static IReadOnlyList<string> Fields { get; } = ["recipients", "downloadable", "ip", "geo", "opens", "time"];

    /// <summary>The JSON form, as stored and returned: upstream's field names, entries as written.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["downloadable"] = Downloadable };
        if (Recipients is not null)
        {
            json["recipients"] = new JsonArray([.. Recipients.Select(r => JsonValue.Create(r))]);
        }
        if (!Ip.IsEmpty)
        {
            json["ip"] = new JsonObject
            {
                ["allow"] = new JsonArray([.. Ip.Allow.Select(p => JsonValue.Create(p.Text))]),
                ["block"] = new JsonArray([.. Ip.Block.Select(p => JsonValue.Create(p.Text))]),
            };
        }
        if (!Geo.IsEmpty)
        {
            json["geo"] = new JsonObject { ["allow"] = GeoJson(Geo.Allow), ["block"] = GeoJson(Geo.Block) };
        }
        if (Opens is { } opens)
        {
            json["opens"] = opens;
        }
        if (Time.Start is not null || Time.End is not null)
        {
            json["time"] = new JsonObject { ["start"] = Timestamp(Time.Start), ["end"] = Timestamp(Time.End) };
        }
        return json;
    }

    /// <summary>
    /// Reads rules from <paramref name="rules"/> (the fields <c>recipients</c>, <c>downloadable</c>,
    /// <c>ip</c>, <c>geo</c>, <c>opens</c>, <c>time</c>); errors are named <paramref name="prefix"/> + path.
    /// </summary>
    public static DrmRules Parse(JsonObject rules, FieldErrors errors, string prefix = "") => Parse(rules, errors.Add, prefix);

    /// <summary>As <see cref="Parse(JsonObject, FieldErrors, string)"/>, reporting each error (path, message) to <paramref name="report"/>.</summary>
    public static DrmRules Parse(JsonObject rules, Action<string, string> report, string prefix = "")
    {
        var errors = new Reporter(report);
        var recipients = rules["recipients"] is { } r ? ParseRecipients(r, errors, prefix + "recipients") : null;
        var downloadable = rules["downloadable"] switch
        {
            null => false,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => Fail(errors, prefix + "downloadable", "must be true or false", false),
        };
        var (ipAllow, ipBlock) = Lists(rules["ip"], errors, prefix + "ip", MaxIpEntries, (node, path) =>
            node is JsonValue v && v.TryGetValue<string>(out var text) && IpPattern.TryParse(text) is { } pattern
                ? pattern
                : Fail<IpPattern?>(errors, path.ToString(), $"'{Show(node)}' is not an IP address, CIDR prefix, address/mask, range or octet wildcard", null));
        var (geoAllow, geoBlock) = Lists(rules["geo"], errors, prefix + "geo", MaxGeoEntries, (node, path) => GeoEntry(node, errors, path));
        int? opens = rules["opens"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<int>(out var n) && n is >= 1 and <= 1_000_000 => n,
            _ => Fail<int?>(errors, prefix + "opens", "must be a whole number from 1 to 1000000", null),
        };
        var time = Window(rules["time"], errors, prefix + "time");
        return new DrmRules(recipients, downloadable, new(ipAllow, ipBlock), new(geoAllow, geoBlock), opens, time);
    }

    private static List<string>? ParseRecipients(JsonNode node, Reporter errors, string path)
    {
        if (node is not JsonArray array)
        {
            return Fail<List<string>?>(errors, path, "must be an array of email patterns", null);
        }
        if (array.Count > MaxRecipients)
        {
            errors.Add(path, $"must have at most {MaxRecipients} entries");
        }
        var patterns = new List<string>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.TryGetValue<string>(out var text) && RecipientPattern.Normalize(text) is { } pattern)
            {
                patterns.Add(pattern);
            }
            else
            {
                errors.Add($"{path}[{i}]", $"'{Show(array[i])}' is not an email address or pattern (name@domain, *@domain, name@* or *@*)");
            }
        }
        return patterns;
    }

    private static (List<T> Allow, List<T> Block) Lists<T>(JsonNode? node, Reporter errors, string path, int max, Func<JsonNode?, EntryPath, T?> entry) where T : class
    {
        if (node is null)
        {
            return ([], []);
        }
        if (node is not JsonObject lists)
        {
            return Fail<(List<T>, List<T>)>(errors, path, "must be an object with 'allow' and/or 'block' lists", ([], []));
        }
        List<T> Read(string name)
        {
            var items = new List<T>();
            switch (lists[name])
            {
                case null:
                    break;
                case JsonArray array:
                    var list = $"{path}.{name}";
                    if (array.Count > max)
                    {
                        errors.Add(list, $"must have at most {max} entries");
                    }
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (entry(array[i], new EntryPath(list, i)) is { } item)
                        {
                            items.Add(item);
                        }
                    }
                    break;
                default:
                    errors.Add($"{path}.{name}", "must be an array");
                    break;
            }
            return items;
        }
        foreach (var (key, _) in lists)
        {
            if (key is not ("allow" or "block"))
            {
                errors.Add($"{path}.{key}", "is not a known field (use 'allow' and 'block')");
            }
        }
        return (Read("allow"), Read("block"));
    }

    private static GeoRule? GeoEntry(JsonNode? node, Reporter errors, EntryPath path)
    {
        if (node is not JsonObject rule)
        {
            return Fail<GeoRule?>(errors, path.ToString(), "must be an object with continent, country, subdivision and/or city", null);
        }
        string? Text(string name)
        {
            var value = rule[name];
            if (value is null)
            {
                return null;
            }
            if (value is JsonValue v && v.TryGetValue<string>(out var text) && text.Trim() is { Length: > 0 and <= 100 } trimmed)
            {
                return trimmed;
            }
            errors.Add($"{path}.{name}", "must be a non-empty string of at most 100 characters");
            return null;
        }
        foreach (var (key, _) in rule)
        {
            if (key is not ("continent" or "country" or "subdivision" or "city"))
            {
                errors.Add($"{path}.{key}", "is not a known field (use continent, country, subdivision, city)");
            }
        }
        var continentText = Text("continent");
        var countryText = Text("country");
        var continent = continentText is null ? null : Places.Continent(continentText);
        var country = countryText is null ? null : Places.Country(countryText);
        if (continentText is not null && continent is null)
        {
            errors.Add($"{path}.continent", $"'{continentText}' is not a continent (AF, AN, AS, EU, NA, OC, SA or their names)");
        }
        if (countryText is not null && country is null)
        {
            errors.Add($"{path}.country", $"'{countryText}' is not an ISO 3166 country code or English country name");
        }
        var geo = new GeoRule(continent, country, Text("subdivision"), Text("city"));
        return geo is { Continent: null, Country: null, Subdivision: null, City: null }
            ? Fail<GeoRule?>(errors, path.ToString(), "must name at least one of continent, country, subdivision, city", null)
            : geo;
    }

    private static TimeWindow Window(JsonNode? node, Reporter errors, string path)
    {
        if (node is null)
        {
            return new(null, null);
        }
        if (node is not JsonObject window)
        {
            return Fail(errors, path, "must be an object with 'start' and/or 'end'", new TimeWindow(null, null));
        }
        DateTimeOffset? Read(string name)
        {
            var value = window[name];
            if (value is null)
            {
                return null;
            }
            if (value is JsonValue v && v.TryGetValue<string>(out var text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                return at;
            }
            errors.Add($"{path}.{name}", "must be an ISO-8601 timestamp, e.g. 2026-05-07T00:00:00Z");
            return null;
        }
        foreach (var (key, _) in window)
        {
            if (key is not ("start" or "end"))
            {
                errors.Add($"{path}.{key}", "is not a known field (use 'start' and 'end')");
            }
        }
        var result = new TimeWindow(Read("start"), Read("end"));
        if (result is { Start: { } start, End: { } end } && end <= start)
        {
            errors.Add($"{path}.end", "must be after start");
        }
        return result;
    }

    private static JsonArray GeoJson(IReadOnlyList<GeoRule> rules) => new([.. rules.Select(g =>
    {
        var json = new JsonObject();
        foreach (var (name, value) in new[] { ("continent", g.Continent), ("country", g.Country), ("subdivision", g.Subdivision), ("city", g.City) })
        {
            if (value is not null)
            {
                json[name] = value;
            }
        }
        return (JsonNode)json;
    })]);

    private static string? Timestamp(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Show(JsonNode? node)
    {
        var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString() ?? "null";
        return text.Length > 60 ? text[..60] + "…" : text;
    }

    /// <summary>Where a list entry is, for its errors: written out only when there is one (lists run to thousands of entries).</summary>
    private readonly record struct EntryPath(string List, int Index)
    {
        public override string ToString() => $"{List}[{Index}]";
    }

    /// <summary>Adapts a report callback to the parser's error sink.</summary>
    private sealed class Reporter(Action<string, string> report)
    {
        public void Add(string path, string message) => report(path, message);
    }

    private static T Fail<T>(Reporter errors, string path, string message, T fallback)
    {
        errors.Add(path, message);
        return fallback;
    }
}

/// <summary>
/// A change of a container's rules: each field it names (<see cref="DrmRules.Fields"/>) takes its
/// value from <see cref="Rules"/>, where one given as null is cleared; the others keep theirs.
/// </summary>
public sealed record DrmRulesChange(DrmRules Rules, IReadOnlyCollection<string> Fields)
{
    /// <summary>Every field as <paramref name="rules"/> has it: what they leave out is cleared.</summary>
    public static DrmRulesChange Replace(DrmRules rules) => new(rules, DrmRules.Fields);

    public DrmRules ApplyTo(DrmRules current) => new(
        Fields.Contains("recipients") ? Rules.Recipients : current.Recipients,
        Fields.Contains("downloadable") ? Rules.Downloadable : current.Downloadable,
        Fields.Contains("ip") ? Rules.Ip : current.Ip,
        Fields.Contains("geo") ? Rules.Geo : current.Geo,
        Fields.Contains("opens") ? Rules.Opens : current.Opens,
        Fields.Contains("time") ? Rules.Time : current.Time);
}

/// <summary>Recipient patterns: an address, with '*' allowed for the whole local part or the whole domain.</summary>
public static class RecipientPattern
{
    public static string? Normalize(string text)
    {
        var value = text.Trim().ToLowerInvariant();
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != value.LastIndexOf('@') || at == value.Length - 1 || value.Length > ContactRules.MaxEmailLength || VisibleText.HasHidden(value))
        {
            return null;
        }
        var local = value[..at];
        var domain = value[(at + 1)..];
        var localOk = local == "*" || (!local.Contains('*', StringComparison.Ordinal) && !local.Any(char.IsWhiteSpace));
        var domainOk = domain == "*" || (!domain.Contains('*', StringComparison.Ordinal) && domain.Contains('.', StringComparison.Ordinal) && !domain.Any(char.IsWhiteSpace));
        return localOk && domainOk ? value : null;
    }

    public static bool Matches(string pattern, string email)
    {
        var address = email.Trim().ToLowerInvariant();
        var at = address.LastIndexOf('@');
        if (at <= 0)
        {
            return false;
        }
        var patternAt = pattern.IndexOf('@', StringComparison.Ordinal);
        var localPattern = pattern[..patternAt];
        var domainPattern = pattern[(patternAt + 1)..];
        return (localPattern == "*" || localPattern == address[..at]) && (domainPattern == "*" || domainPattern == address[(at + 1)..]);
    }
}
