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
public sealed class ContainerDrm(ContainerService containers, GeoLocator geo, TimeProvider time)
{
    private const string InOrg = Routes.Node + "/containers/{container_id}";
    private const string Direct = "containers/{container_id}";
    private static readonly string[] RuleFields = ["recipients", "downloadable", "ip", "geo", "opens", "time"];

    [Function("GetContainerDrm")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg + "/drm")] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        View(req, req.TargetContainer());

    [Function("GetContainerDrmById")]
    [RequirePermission(Permission.Read)]
    public Task<IResult> GetById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Direct + "/drm")] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        Get(req, container_id, cancellationToken);

    [Function("GetContainerDrmRules")]
    [RequirePermission(Permission.Read)]
    public Task<IResult> GetRules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg + "/drm_rules")] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        Get(req, container_id, cancellationToken);

    [Function("ChangeContainerDrm")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Change(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", "patch", Route = InOrg + "/drm")] HttpRequest req, string container_id, CancellationToken cancellationToken)
    {
        var record = req.TargetContainer();
        var body = await JsonBody.ReadAsync(req);
        var given = new JsonObject();
        foreach (var field in RuleFields)
        {
            if (body.Has(field))
            {
                given[field] = body.Any(field);
            }
        }
        // Upstream's bodies may repeat what the route already says; they must agree with it.
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

        var replace = HttpMethods.IsPut(req.Method);
        var updated = await containers.UpdateRulesAsync(record, current =>
        {
            var next = replace ? new JsonObject() : current;
            foreach (var (field, value) in given)
            {
                next[field] = value?.DeepClone();
            }
            return next;
        }, IfMatch(req), req.Actor(), cancellationToken);
        return View(req, updated);
    }

    [Function("ChangeContainerDrmById")]
    [RequirePermission(Permission.Write)]
    public Task<IResult> ChangeById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Direct + "/drm")] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        Change(req, container_id, cancellationToken);

    [Function("ClearContainerDrmRules")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Clear(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = InOrg + "/drm_rules")] HttpRequest req, string container_id, CancellationToken cancellationToken)
    {
        var record = req.TargetContainer();
        await containers.UpdateRulesAsync(record, _ => new JsonObject(), IfMatch(req), req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }

    /// <summary>
    /// What-if: the verdict and rule-by-rule trace for a hypothetical viewer, address, place and
    /// time (each defaulting to none, the address's location, and now). Changes and records nothing.
    /// </summary>
    [Function("EvaluateContainerDrm")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Evaluate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = InOrg + "/drm/evaluate")] HttpRequest req, string container_id, CancellationToken cancellationToken)
    {
        var record = req.TargetContainer();
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

        var address = ip is null ? null : IPAddress.Parse(ip);
        var location = place is not null
            ? new GeoFacts(continent is null ? null : Places.Continent(continent), country is null ? null : Places.Country(country), subdivision, city)
            : address is null ? null : geo.Locate(address);
        var now = at ?? time.GetUtcNow();
        var verdict = DrmEvaluator.Evaluate(containers.RulesOf(record).Rules, new ViewerFacts(now, address, location, viewer));
        return ApiResults.Ok(new
        {
            allowed = verdict.Allowed,
            denial = verdict.Denial is { } d ? new { rule = d.Rule, reason = d.Reason } : null,
            trace = verdict.Trace.Select(c => new { rule = c.Rule, passed = c.Passed, reason = c.Reason }).ToList(),
            facts = new
            {
                ts = now,
                ip = address?.ToString(),
                geo = location is null ? null : new { continent = location.Continent, country = location.Country, subdivision = location.Subdivision, city = location.City },
                viewer,
            },
        });
    }

    private IResult View(HttpRequest req, ContainerRecord record)
    {
        var (rules, version) = containers.RulesOf(record);
        var json = rules.ToJson();
        json["dynamic"] = record.Dynamic;
        json["id"] = record.Id.ToString();
        json["org_id"] = record.OrgId.ToString();
        req.HttpContext.Response.Headers.ETag = $"\"{version}\"";
        return ApiResults.Ok(json);
    }

    private static string? IfMatch(HttpRequest req) =>
        req.Headers.IfMatch.ToString() is { Length: > 0 } value ? value.Trim().Trim('"') : null;

}
