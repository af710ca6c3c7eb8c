using Locktera.Core.Orgs;
using Microsoft.Extensions.Options;

namespace Locktera.Functions.Api;

/// <summary>The organization tree: root organizations, groups and users, and the calling key's root (<c>/org</c>).</summary>
public sealed class Orgs(OrgService orgs, OrgAudit audit, IOptions<LockteraOptions> options)
{
    [Function("CreateOrg")]
    [OperatorOnly]
    public async Task<IResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orgs")] HttpRequest req, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(req);
        var details = Details(body);
        var keyName = body.Text("api_key_name", Core.Keys.ApiKeyService.MaxNameLength);
        body.EnsureValid();
        var (org, key) = await orgs.CreateRootAsync(details, keyName, cancellationToken);
        return ApiResults.Created(new ProvisionedOrgView(org, key));
    }

    [Function("GetOrg")]
    [RequirePermission(Permission.Read, AllowOperator = true)]
    public static IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node)] HttpRequest req) =>
        ApiResults.Ok(new OrgView(req.TargetOrg()));

    [Function("GetRootOrg")]
    [RequirePermission(Permission.None)]
    public async Task<IResult> GetRoot([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "org")] HttpRequest req, CancellationToken cancellationToken) =>
        ApiResults.Ok(new OrgView(await orgs.RootOfAsync(req.Caller(), cancellationToken)));

    [Function("UpdateOrg")]
    [RequirePermission(Permission.Write, AllowOperator = true)]
    public async Task<IResult> Update([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Routes.Node)] HttpRequest req, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(req);
        foreach (var field in new[] { "id", "root_org_id", "parent_org_id", "created_at", "updated_at" })
        {
            body.Forbid(field, "cannot be changed");
        }
        var patch = new OrgPatch(
            body.OptionalString("org_name", ContactRules.MaxNameLength),
            body.OptionalString("first_name", ContactRules.MaxNameLength),
            body.OptionalString("last_name", ContactRules.MaxNameLength),
            body.OptionalEmail("email"),
            body.OptionalPhone("mobile_phone"),
            body.OptionalEnum("role", OrgRoles.Parse, OrgRoles.AllNames));
        body.EnsureValid();
        var updated = await orgs.UpdateAsync(req.Caller(), req.Actor(), req.TargetOrg(), patch, cancellationToken);
        return ApiResults.Ok(new OrgView(updated));
    }

    [Function("DeleteOrg")]
    [RequirePermission(Permission.Admin, AllowOperator = true)]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Routes.Node)] HttpRequest req, CancellationToken cancellationToken)
    {
        await orgs.DeleteAsync(req.Caller(), req.Actor(), req.TargetOrg(), cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("CreateChildOrg")]
    [RequirePermission(Permission.Admin, AllowOperator = true)]
    public async Task<IResult> CreateChild(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Node + "/children")] HttpRequest req, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(req);
        var role = body.OptionalEnum("role", OrgRoles.Parse, OrgRoles.AllNames, required: true);
        var details = Details(body);
        body.EnsureValid();
        var child = await orgs.CreateChildAsync(req.Caller(), req.Actor(), req.TargetOrg(), role.Value, details, cancellationToken);
        return ApiResults.Created(new OrgView(child));
    }

    [Function("ListChildOrgs")]
    [RequirePermission(Permission.Read, AllowOperator = true)]
    public async Task<IResult> ListChildren(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/children")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req);
        var children = await orgs.ChildrenAsync(req.TargetOrg(), paging.After, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, children, c => new OrgView(c), c => c.Id.ToString("N"));
    }

    [Function("ImportOrgs")]
    [RequirePermission(Permission.Admin, AllowOperator = true)]
    public async Task<IResult> Import([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "orgs/import_orgs")] HttpRequest req, CancellationToken cancellationToken)
    {
        var rows = await OrgImport.ReadAsync(CsvBody.Of(req), options.Value.MaxImportRows, cancellationToken);
        var created = await orgs.ImportAsync(req.Caller(), req.Actor(), rows, cancellationToken);
        return ApiResults.Created(new ImportedOrgsView(created));
    }

    [Function("ListChildrenAudit")]
    [RequirePermission(Permission.Read, AllowOperator = true)]
    public async Task<IResult> ChildrenAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/children_audit")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, _ => false);
        var (start, end) = QueryValues.TimeWindow(req);
        var changes = await audit.BeneathAsync(req.TargetOrg(), start, end, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, changes, c => new OrgChangeView(c));
    }

    /// <summary>A new node's details; which of them its role requires, Core decides.</summary>
    private static OrgDetails Details(JsonBody body) => new(
        body.Text("org_name", ContactRules.MaxNameLength),
        body.Text("first_name", ContactRules.MaxNameLength),
        body.Text("last_name", ContactRules.MaxNameLength),
        body.Email("email"),
        body.OptionalPhone("mobile_phone").Value);
}
