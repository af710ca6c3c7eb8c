using Locktera.Core.Metering;

namespace Locktera.Functions.Api;

/// <summary>The figures a dashboard shows for a node: this month's usage and what the node holds.</summary>
public sealed class Stats(UsageReport report)
{
    [Function("GetStats")]
    [RequirePermission(Permission.Read, AllowOperator = true)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/stats")] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        return ApiResults.Ok(new StatsView(org, await report.StatsAsync(org, cancellationToken)));
    }
}
