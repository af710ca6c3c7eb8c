namespace Locktera.Core.Drm;

/// <summary>
/// Countries and continents as rules and facts name them. Countries are kept as ISO 3166-1
/// alpha-2 codes; a rule may also give the alpha-3 code or the English name (case-insensitive),
/// as upstream's examples do ("DE", "USA", "CANADA"). Continents use GeoIP's two-letter codes.
/// </summary>
public static class Places
{
    private static readonly Lazy<Dictionary<string, string>> Countries = new(BuildCountries);

    private static readonly Dictionary<string, string> Continents = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AF"] = "AF", ["Africa"] = "AF",
        ["AN"] = "AN", ["Antarctica"] = "AN",
        ["AS"] = "AS", ["Asia"] = "AS",
        ["EU"] = "EU", ["Europe"] = "EU",
        ["NA"] = "NA", ["North America"] = "NA",
        ["OC"] = "OC", ["Oceania"] = "OC", ["Australia"] = "OC",
        ["SA"] = "SA", ["South America"] = "SA",
    };

    /// <summary>South American countries: the one split that a time zone's "America/" prefix cannot tell.</summary>
    private static readonly HashSet<string> SouthAmerica = ["AR", "BO", "BR", "CL", "CO", "EC", "FK", "GF", "GY", "PE", "PY", "SR", "UY", "VE"];

    public static string? Country(string codeOrName) => Countries.Value.GetValueOrDefault(codeOrName.Trim());

    public static string? Continent(string codeOrName) => Continents.GetValueOrDefault(codeOrName.Trim());

    /// <summary>A location's continent from its IANA time zone and country (the GeoLite2 records carry both, no continent).</summary>
    public static string? ContinentOf(string? timeZone, string? country)
    {
        var area = timeZone?.Split('/')[0];
        return area switch
        {
            "Europe" => "EU",
            "Africa" => "AF",
            "Asia" => "AS",
            "Antarctica" => "AN",
            "Australia" or "Pacific" => "OC",
            "America" => country is not null && SouthAmerica.Contains(country) ? "SA" : "NA",
            _ => null,
        };
    }

    private static Dictionary<string, string> BuildCountries()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            RegionInfo region;
            try
            {
                region = new RegionInfo(culture.Name);
            }
            catch (ArgumentException)
            {
                continue;
            }
            var code = region.TwoLetterISORegionName;
            if (code.Length != 2 || !code.All(char.IsAsciiLetterUpper))
            {
                continue;
            }
            map.TryAdd(code, code);
            map.TryAdd(region.ThreeLetterISORegionName, code);
            map.TryAdd(region.EnglishName, code);
        }
        // Common names that differ from the platform's English names.
        foreach (var (alias, code) in new[] { ("UK", "GB"), ("Great Britain", "GB"), ("United States of America", "US"), ("America", "US"), ("Holland", "NL"), ("South Korea", "KR"), ("Russia", "RU") })
        {
            map.TryAdd(alias, code);
        }
        return map;
    }
}
