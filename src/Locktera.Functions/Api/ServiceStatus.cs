using Locktera.Core.Health;

namespace Locktera.Functions.Api;

/// <summary>
/// Health of the service's parts, for status pages and probes: open to anyone. Answers from the
/// health timer's newest snapshot, or from a live check when it is stale.
/// </summary>
public sealed class ServiceStatus(StorageHealth health)
{
    [Function("GetServiceStatus")]
    [PublicEndpoint]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "service_status")] HttpRequest req, CancellationToken cancellationToken) =>
        ApiResults.Ok(new ServiceStatusView(await health.CurrentAsync(cancellationToken)));
}
