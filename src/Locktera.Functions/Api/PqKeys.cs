using Locktera.Core.Containers;

namespace Locktera.Functions.Api;

/// <summary>
/// The org's post-quantum key pairs (upstream's pq_keys). Only public halves are ever served;
/// rotating makes a new active pair while containers wrapped for older pairs still decode.
/// </summary>
public sealed class PqKeys(OrgKeyPairs keyPairs)
{
    private const string Route = Routes.Node + "/pq_keys";

    [Function("ListOrgKeys")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var pairs = await keyPairs.ListAsync(req.TargetOrg().Id, cancellationToken);
        // Stored oldest first (the ids are UUIDv7); answered newest first, the active pair on top.
        return ApiResults.Ok(pairs.Reverse().Select(p => new PqKeyView(p)).ToList());
    }

    [Function("RotateOrgKey")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Rotate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest req, CancellationToken cancellationToken) =>
        ApiResults.Created(new PqKeyView(await keyPairs.RotateAsync(req.TargetOrg().Id, cancellationToken)));
}
