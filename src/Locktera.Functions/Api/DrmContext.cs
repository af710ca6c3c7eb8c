namespace Locktera.Functions.Api;

/// <summary><c>/drm_context</c>: the facts a DRM decision would use for the calling request.</summary>
public sealed class DrmContext(RequestFacts requestFacts)
{
    [Function("GetDrmContext")]
    [RequirePermission(Permission.None, AllowViewer = true)]
    public IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "drm_context")] HttpRequest req) =>
        ApiResults.Ok(new DrmFactsView(requestFacts.For(req)));
}
