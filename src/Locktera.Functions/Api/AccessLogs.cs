namespace Locktera.Functions.Api;

/// <summary>The access log of a node's keys (and those of the nodes beneath it): refusals one by one, sign-ins counted per hour.</summary>
public sealed class AccessLogs(AccessLog log)
{
    [Function("ListAccessLog")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/access_log")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, _ => false);
        var (start, end) = QueryValues.TimeWindow(req);
        var entries = await log.ListAsync(req.TargetOrg(), start, end, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, entries, e => new AccessEntryView(e));
    }
}
