using System.Text.Json.Nodes;

namespace Locktera.Client;

/// <summary>
/// A container's DRM rules as the API answers them: the rules themselves (<c>recipients</c>,
/// <c>downloadable</c>, <c>ip</c>, <c>geo</c>, <c>opens</c>, <c>time</c>; docs/drm.md), whether they
/// may change, and their version. <see cref="Rules"/> may be sent back, changed, with
/// <see cref="ETag"/> as the <c>If-Match</c> of the write, so that a change made meanwhile is not lost.
/// </summary>
public sealed record DrmRulesView(Guid Id, Guid OrgId, bool Dynamic, JsonObject Rules, string? ETag)
{
    /// <summary>The fields the view adds to the rules: they describe the container, not a rule.</summary>
    private static readonly string[] ContainerFields = ["id", "org_id", "dynamic"];

    internal static DrmRulesView From(JsonObject body, string? etag)
    {
        var rules = body.DeepClone().AsObject();
        foreach (var field in ContainerFields)
        {
            rules.Remove(field);
        }
        return new DrmRulesView(body["id"]!.GetValue<Guid>(), body["org_id"]!.GetValue<Guid>(), body["dynamic"]!.GetValue<bool>(), rules, etag);
    }
}

/// <summary>A what-if's verdict: allowed or not, the first rule that refused, every rule type's result, and the facts it used.</summary>
public sealed record DrmEvaluation(bool Allowed, RuleCheck? Denial, IReadOnlyList<RuleCheck> Trace, DrmFacts Facts);

/// <summary>One rule type's result: <c>recipients</c>, <c>time</c>, <c>ip</c> or <c>geo</c>, and why.</summary>
public sealed record RuleCheck(string Rule, bool? Passed, string Reason);

/// <summary>The facts a DRM decision uses; a fact the request lacks is null.</summary>
public sealed record DrmFacts(DateTimeOffset Ts, string? Ip, GeoLocation? Geo, string? Viewer);

/// <summary>Where a request is placed: a continent code, an ISO 3166-1 country, a subdivision, a city.</summary>
public sealed record GeoLocation(string? Continent = null, string? Country = null, string? Subdivision = null, string? City = null);
