using Locktera.Core.Orgs;

namespace Locktera.Functions.Api;

/// <summary>The calling key and its organization; any valid key may ask (the "is my key valid" check).</summary>
public sealed class Me(OrgService orgs)
{
    [Function("GetMe")]
    [RequirePermission(Permission.None)]
    public static IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me")] HttpRequest req) =>
        ApiResults.Ok(new MeView(req.Caller().RequireKey()));

    [Function("GetRootOrg")]
    [RequirePermission(Permission.None)]
    public async Task<IResult> GetRootOrg([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "org")] HttpRequest req, CancellationToken cancellationToken)
    {
        var caller = req.Caller().RequireKey();
        var root = caller.Org.IsRoot ? caller.Org : await orgs.GetAsync(caller.Org.RootOrgId, cancellationToken);
        return ApiResults.Ok(new OrgView(root));
    }
}
