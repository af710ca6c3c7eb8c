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
        return ApiResults.Ok(pairs.Reverse().Select(View).ToList());
    }

    [Function("RotateOrgKey")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Rotate([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        return ApiResults.Created(View(await keyPairs.RotateAsync(org.Id, cancellationToken)));
    }

    private static object View(OrgKeyPair pair) => new
    {
        id = pair.Id,
        org_id = pair.OrgId,
        alg = pair.Algorithm,
        pub = Convert.ToBase64String(pair.PublicKey),
        created_at = pair.CreatedAt,
        status = pair.Active ? "active" : "retired",
    };
}
