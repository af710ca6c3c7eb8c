using System.Text.Json.Serialization;
using Locktera.Core.Containers;
using Locktera.Core.Drm;

namespace Locktera.Functions.Http;

/// <summary>A container's rules in their stored form (<see cref="DrmRules.ToJson"/>), with the container they belong to.</summary>
public sealed class ContainerDrmView(ContainerRules rules)
{
    [JsonExtensionData] public Dictionary<string, object?> Rules { get; } = rules.Rules.ToJson().ToDictionary(f => f.Key, f => (object?)f.Value);
    public bool Dynamic { get; } = rules.Record.Dynamic;
    public Guid Id { get; } = rules.Record.Id;
    public Guid OrgId { get; } = rules.Record.OrgId;
}

/// <summary>
/// The facts a DRM decision uses (upstream's DrmContext). A fact the request lacks — an address, a
/// place or a part of one, a viewer — is left out: upstream types each of them a string.
/// </summary>
public sealed class DrmFactsView(ViewerFacts facts)
{
    public DateTimeOffset Ts { get; } = facts.Now;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Ip { get; } = facts.Ip?.ToString();
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PlaceView? Geo { get; } = facts.Geo is { } geo ? new PlaceView(geo) : null;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Viewer { get; } = facts.Viewer;
}

/// <summary>Where the geolocation database (or a what-if) places a request; what it does not know is left out.</summary>
public sealed class PlaceView(GeoFacts place)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Continent { get; } = place.Continent;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Country { get; } = place.Country;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Subdivision { get; } = place.Subdivision;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? City { get; } = place.City;
}

/// <summary>A what-if's answer: the verdict, the first rule that refused (null when none did), each rule's result, and the facts it was decided on.</summary>
public sealed class DrmEvaluationView(DrmWhatIf whatIf)
{
    public bool Allowed { get; } = whatIf.Verdict.Allowed;
    public RuleDenialView? Denial { get; } = whatIf.Verdict.Denial is { } denial ? new RuleDenialView(denial) : null;
    public IReadOnlyList<RuleCheckView> Trace { get; } = [.. whatIf.Verdict.Trace.Select(c => new RuleCheckView(c))];
    public DrmFactsView Facts { get; } = new(whatIf.Facts);
}

public sealed class RuleDenialView(RuleCheck check)
{
    public string Rule { get; } = check.Rule;
    public string Reason { get; } = check.Reason;
}

public sealed class RuleCheckView(RuleCheck check)
{
    public string Rule { get; } = check.Rule;
    public bool Passed { get; } = check.Passed;
    public string Reason { get; } = check.Reason;
}
