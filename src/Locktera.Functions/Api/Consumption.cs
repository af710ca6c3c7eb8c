using Locktera.Core.Metering;

namespace Locktera.Functions.Api;

/// <summary>What a node used: one month (upstream's Consumption and more) or a series of months.</summary>
public sealed class Consumption(UsageReport report)
{
    [Function("GetConsumption")]
    [RequirePermission(Permission.Read, AllowOperator = true)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/consumption")] HttpRequest req, CancellationToken cancellationToken)
    {
        var includeChildren = QueryValues.Text(req, "include_children") switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw LockteraException.Validation("include_children", "must be true or false"),
        };
        var query = new UsageQuery(QueryValues.Text(req, "month"), QueryValues.Text(req, "from"), QueryValues.Text(req, "to"), includeChildren);
        var months = await report.ConsumptionAsync(req.TargetOrg(), query, cancellationToken);
        return query.IsSeries
            ? ApiResults.Ok(months.Select(m => new ConsumptionView(m, includeChildren)).ToList())
            : ApiResults.Ok(new ConsumptionView(months[0], includeChildren));
    }
}
