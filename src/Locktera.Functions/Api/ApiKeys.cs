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
        var active = await keys.ListActiveAsync(req.TargetOrg(), cancellationToken);
        return ApiResults.Ok(active.Select(k => new ApiKeyView(k)).ToList());
    }

    [Function("CreateApiKey")]
    [RequirePermission(Permission.Admin, AllowOperator = true, ManagesTarget = true)]
    public async Task<IResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(req);
        var name = body.Text("name", ApiKeyService.MaxNameLength, required: true);
        var permissions = body.Array("permissions", Permissions.Parse, "one of: read, write, admin", required: true);
        body.EnsureValid();
        var created = await keys.CreateAsync(req.Caller(), req.TargetOrg(), name!, permissions!, cancellationToken);
        return ApiResults.Created(new CreatedApiKeyView(created));
    }

    [Function("RevokeApiKey")]
    [RequirePermission(Permission.Admin, AllowOperator = true, ManagesTarget = true)]
    public async Task<IResult> Revoke(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Route + "/{key_id}")] HttpRequest req, string key_id, CancellationToken cancellationToken)
    {
        // A key id that is not even a UUID names no key.
        var id = Guid.TryParse(key_id, out var parsed) ? parsed : throw LockteraException.ApiKeyNotFound();
        await keys.RevokeAsync(req.TargetOrg(), id, cancellationToken);
        return ApiResults.NoContent();
    }
}
