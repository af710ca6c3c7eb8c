using Locktera.Core.Keys;

namespace Locktera.Functions.Api;

/// <summary>API keys of an org node. A secret is shown once, at creation; only its hash is stored.</summary>
public sealed class ApiKeys(ApiKeyService keys)
{
    private const string Route = Routes.Node + "/api_keys";

    [Function("ListApiKeys")]
    [RequirePermission(Permission.Admin, AllowOperator = true, ManagesTarget = true)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        var active = await keys.ListActiveAsync(org, cancellationToken);
        return ApiResults.Ok(active.Select(k => new ApiKeyView(k)).ToList());
    }

    [Function("CreateApiKey")]
    [RequirePermission(Permission.Admin, AllowOperator = true, ManagesTarget = true)]
    public async Task<IResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        var caller = req.Caller();

        var body = await JsonBody.ReadAsync(req);
        var name = body.Text("name", ApiKeyService.MaxNameLength, required: true);
        var permissions = body.Array("permissions", Permissions.Parse, "one of: read, write, admin", required: true);
        body.EnsureValid();
        if (permissions!.Count == 0)
        {
            throw LockteraException.Validation("permissions", "must name at least one permission");
        }
        var requested = permissions.Aggregate(Permission.None, (all, p) => all | p);
        RolePolicy.EnsureCanGrant(caller, org, requested);

        var created = await keys.CreateAsync(org, name!, requested, cancellationToken);
        return ApiResults.Created(new CreatedApiKeyView(created));
    }

    [Function("RevokeApiKey")]
    [RequirePermission(Permission.Admin, AllowOperator = true, ManagesTarget = true)]
    public async Task<IResult> Revoke(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Route + "/{key_id}")] HttpRequest req, string key_id, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        if (!Guid.TryParse(key_id, out var id))
        {
            throw new LockteraException(ErrorCode.ApiKeyNotFound, "API key not found.");
        }
        await keys.RevokeAsync(org, id, cancellationToken);
        return ApiResults.NoContent();
    }
}
