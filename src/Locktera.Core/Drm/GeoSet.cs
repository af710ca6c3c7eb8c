namespace Locktera.Core.Drm;

/// <summary>
/// A geo allow or block list compiled for lookup. A rule names some of continent, country,
/// subdivision and city (its shape); a place matches it when it equals the place on those fields,
/// ignoring case. So the rules are hashed on the fields they name, and a decision looks the place
/// up once per shape the list uses, keeping the first rule in list order (a denial names it).
/// </summary>
internal sealed class GeoSet
{
    private readonly Dictionary<GeoRule, int> _first = new(IgnoringCase.Instance);
    private readonly Shape[] _shapes;

    private static readonly GeoSet None = new([]);

    private GeoSet(IReadOnlyList<GeoRule> rules)
    {
        for (var i = 0; i < rules.Count; i++)
        {
            _first.TryAdd(rules[i], i);
        }
        _shapes = [.. rules.Select(ShapeOf).Distinct()];
    }

    /// <summary>Most rules have no geo lists, or only one: an empty list costs nothing to compile.</summary>
    public static GeoSet Of(IReadOnlyList<GeoRule> rules) => rules.Count == 0 ? None : new(rules);

    /// <summary>The index of the first rule that matches <paramref name="place"/>, or -1.</summary>
    public int FirstMatch(GeoFacts place)
    {
        var facts = new GeoRule(place.Continent?.Trim(), place.Country?.Trim(), place.Subdivision?.Trim(), place.City?.Trim());
        var have = ShapeOf(facts);
        var first = -1;
        foreach (var shape in _shapes)
        {
            // A field the rule names but the database lacks never matches.
            if ((shape & have) == shape && _first.TryGetValue(Project(facts, shape), out var index) && (first < 0 || index < first))
            {
                first = index;
            }
        }
        return first;
    }

    [Flags]
    private enum Shape
    {
        Continent = 1,
        Country = 2,
        Subdivision = 4,
        City = 8,
    }

    private static Shape ShapeOf(GeoRule rule) =>
        (rule.Continent is null ? 0 : Shape.Continent) | (rule.Country is null ? 0 : Shape.Country)
        | (rule.Subdivision is null ? 0 : Shape.Subdivision) | (rule.City is null ? 0 : Shape.City);

    private static GeoRule Project(GeoRule facts, Shape shape) => new(
        shape.HasFlag(Shape.Continent) ? facts.Continent : null,
        shape.HasFlag(Shape.Country) ? facts.Country : null,
        shape.HasFlag(Shape.Subdivision) ? facts.Subdivision : null,
        shape.HasFlag(Shape.City) ? facts.City : null);

    private sealed class IgnoringCase : IEqualityComparer<GeoRule>
    {
        public static IgnoringCase Instance { get; } = new();

        private static StringComparer Text => StringComparer.OrdinalIgnoreCase;

        public bool Equals(GeoRule? x, GeoRule? y) =>
            x is not null && y is not null && Text.Equals(x.Continent, y.Continent) && Text.Equals(x.Country, y.Country)
            && Text.Equals(x.Subdivision, y.Subdivision) && Text.Equals(x.City, y.City);

        public int GetHashCode(GeoRule rule) => HashCode.Combine(Hash(rule.Continent), Hash(rule.Country), Hash(rule.Subdivision), Hash(rule.City));

        private static int Hash(string? text) => text is null ? 0 : Text.GetHashCode(text);
    }
}
