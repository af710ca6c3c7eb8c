using System.Net;
using System.Text.Json.Nodes;
using Locktera.Core.Containers;
using Locktera.Core.Drm;

namespace Locktera.Functions.Api;

/// <summary>
/// A container's DRM rules, addressed by every documented path. Dynamic containers' rules change
/// (PUT replaces, PATCH merges: fields left out keep their value, null clears one); static ones
/// answer 409. Responses carry the rules' version as ETag; If-Match makes a write conditional.
/// </summary>
public sealed class ContainerDrm(ContainerService containers, ViewerAccess access)
{
    private const string InOrg = Routes.Node + "/containers/{container_id}";
    private const string Direct = "containers/{container_id}";

    [Function("GetContainerDrm")]
    [RequirePermission(Permission.Read)]
    public IResult Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg + "/drm")] HttpRequest req) =>
        View(req, containers.RulesOf(req.TargetContainer()));

    [Function("GetContainerDrmById")]
    [RequirePermission(Permission.Read)]
    public IResult GetById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Direct + "/drm")] HttpRequest req, string container_id) =>
        Get(req);

    [Function("GetContainerDrmRules")]
    [RequirePermission(Permission.Read)]
    public IResult GetRules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg + "/drm_rules")] HttpRequest req, string container_id) =>
        Get(req);

    [Function("ChangeContainerDrm")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Change(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", "patch", Route = InOrg + "/drm")] HttpRequest req, CancellationToken cancellationToken)
    {
        var record = req.TargetContainer();
        var change = ReadChange(await JsonBody.ReadAsync(req), record, replace: HttpMethods.IsPut(req.Method));
        return View(req, await containers.UpdateRulesAsync(record, change, IfMatch(req), req.Actor(), cancellationToken));
    }

    [Function("ChangeContainerDrmById")]
    [RequirePermission(Permission.Write)]
    public Task<IResult> ChangeById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Direct + "/drm")] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        Change(req, cancellationToken);

    [Function("ClearContainerDrmRules")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Clear(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = InOrg + "/drm_rules")] HttpRequest req, CancellationToken cancellationToken)
    {
        await containers.UpdateRulesAsync(req.TargetContainer(), DrmRulesChange.Replace(DrmRules.None), IfMatch(req), req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }

    /// <summary>
    /// What-if: the verdict and rule-by-rule trace for a hypothetical viewer, address, place and
    /// time (each defaulting to none, the address's location, and now). Changes and records nothing.
    /// </summary>
    [Function("EvaluateContainerDrm")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Evaluate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = InOrg + "/drm/evaluate")] HttpRequest req)
    {
        var body = await JsonBody.ReadAsync(req);
        var viewer = body.Email("viewer")?.ToLowerInvariant();
        var ip = body.Checked("ip", 45, text => IPAddress.TryParse(text, out _) ? null : "must be an IPv4 or IPv6 address");
        var place = body.Nested("geo");
        var continent = place?.Checked("continent", 100, text => Places.Continent(text) is null ? "is not a continent" : null);
        var country = place?.Checked("country", 100, text => Places.Country(text) is null ? "is not a country code or name" : null);
        var subdivision = place?.Text("subdivision", 100);
        var city = place?.Text("city", 100);
        var at = body.Timestamp("time");
        body.EnsureValid();

        var location = place is null ? null
            : new GeoFacts(continent is null ? null : Places.Continent(continent), country is null ? null : Places.Country(country), subdivision, city);
        var whatIf = access.WhatIf(req.TargetContainer(), viewer, ip is null ? null : IPAddress.Parse(ip), location, at);
        return ApiResults.Ok(new DrmEvaluationView(whatIf));
    }

    /// <summary>
    /// The rule fields a PUT or PATCH body gives, checked as rules (each malformed entry a 400 by its
    /// path). Upstream's bodies may also repeat what the route already says; they must agree with it.
    /// </summary>
    private static DrmRulesChange ReadChange(JsonBody body, ContainerRecord record, bool replace)
    {
        var given = new JsonObject();
        foreach (var field in DrmRules.Fields.Where(body.Has))
        {
            given[field] = body.Any(field);
        }
        var rules = DrmRules.Parse(given, body.Fail);
        if (body.Bool("dynamic") is { } dynamic && dynamic != record.Dynamic)
        {
            body.Fail("dynamic", record.Dynamic ? "a dynamic container stays dynamic" : "static rules cannot become dynamic");
        }
        if (body.Text("id", 64) is { } id && id != record.Id.ToString())
        {
            body.Fail("id", "names another container than the route");
        }
        if (body.Text("org_id", 64) is { } orgId && orgId != record.OrgId.ToString())
        {
            body.Fail("org_id", "names another organization than the route");
        }
        body.EnsureValid();
        return replace ? DrmRulesChange.Replace(rules) : new DrmRulesChange(rules, [.. given.Select(f => f.Key)]);
    }

    private static IResult View(HttpRequest req, ContainerRules rules)
    {
        req.HttpContext.Response.Headers.ETag = $"\"{rules.Version}\"";
        return ApiResults.Ok(new ContainerDrmView(rules));
    }

    private static string? IfMatch(HttpRequest req) =>
        req.Headers.IfMatch.ToString() is { Length: > 0 } value ? value.Trim().Trim('"') : null;
}
