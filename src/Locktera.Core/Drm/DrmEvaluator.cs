using System.Net;

namespace Locktera.Core.Drm;

/// <summary>Where a request comes from, as the geolocation database places its address.</summary>
public sealed record GeoFacts(string? Continent, string? Country, string? Subdivision, string? City);

/// <summary>Exactly the facts a decision uses (what <c>GET /drm_context</c> shows).</summary>
public sealed record ViewerFacts(DateTimeOffset Now, IPAddress? Ip, GeoFacts? Geo, string? Viewer);

/// <summary>One rule type's outcome, with a reason a viewer may be shown.</summary>
public sealed record RuleCheck(string Rule, bool Passed, string Reason);

public sealed record DrmVerdict(IReadOnlyList<RuleCheck> Trace)
{
    public bool Allowed => Trace.All(c => c.Passed);

    /// <summary>The first rule that refused, in the order recipients, time, ip, geo.</summary>
    public RuleCheck? Denial => Trace.FirstOrDefault(c => !c.Passed);
}

/// <summary>
/// The stateless part of DRM: recipients, time, ip and geo (docs/drm.md). For each rule type, a
/// non-empty allow list must be matched and no block entry may match; every type must pass.
/// Missing facts fail closed. Opens, passwords and the container's status are stateful and are
/// checked where the state lives.
/// </summary>
public static class DrmEvaluator
{
    public static DrmVerdict Evaluate(DrmRules rules, ViewerFacts facts) =>
        new([Recipients(rules, facts), Time(rules.Time, facts.Now), Ip(rules.Ip, facts.Ip), Geo(rules.Geo, facts.Geo)]);

    private static RuleCheck Recipients(DrmRules rules, ViewerFacts facts)
    {
        if (rules.Recipients is not { Count: > 0 } recipients)
        {
            return new("recipients", true, "no recipient restriction");
        }
        if (facts.Viewer is null)
        {
            return new("recipients", false, "the viewer is not identified");
        }
        return recipients.FirstOrDefault(p => RecipientPattern.Matches(p, facts.Viewer)) is { } pattern
            ? new("recipients", true, $"the viewer matches '{pattern}'")
            : new("recipients", false, "the viewer is not among the container's recipients");
    }

    private static RuleCheck Time(TimeWindow window, DateTimeOffset now)
    {
        if (window.Start is { } start && now < start)
        {
            return new("time", false, $"the container opens at {Format(start)}");
        }
        if (window.End is { } end && now >= end)
        {
            return new("time", false, $"the container expired at {Format(end)}");
        }
        return new("time", true, window.Start is null && window.End is null ? "no time restriction" : "within the time window");
    }

    private static RuleCheck Ip(IpRules rules, IPAddress? address)
    {
        if (rules.IsEmpty)
        {
            return new("ip", true, "no address restriction");
        }
        if (address is null)
        {
            return new("ip", false, "the client's address is unknown");
        }
        var normalized = IpPattern.Normalize(address);
        if (!rules.Admits(normalized))
        {
            return new("ip", false, $"the address {address} is not in the allow list");
        }
        return rules.FirstBlocking(normalized) is { } blocked
            ? new("ip", false, $"the address {address} is blocked by '{blocked.Text}'")
            : new("ip", true, $"the address {address} is allowed");
    }

    private static RuleCheck Geo(GeoRules rules, GeoFacts? place)
    {
        if (rules.IsEmpty)
        {
            return new("geo", true, "no location restriction");
        }
        if (place is null)
        {
            return new("geo", false, "the client's location is unknown");
        }
        if (!rules.Admits(place))
        {
            return new("geo", false, $"the location {Describe(place)} is not in the allow list");
        }
        return rules.FirstBlocking(place) is { } blocked
            ? new("geo", false, $"the location {Describe(place)} is blocked by {Describe(new GeoFacts(blocked.Continent, blocked.Country, blocked.Subdivision, blocked.City))}")
            : new("geo", true, $"the location {Describe(place)} is allowed");
    }

    private static string Describe(GeoFacts place) =>
        string.Join("/", new[] { place.Continent, place.Country, place.Subdivision, place.City }.Where(p => p is not null)) is { Length: > 0 } text ? text : "(nowhere)";

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
