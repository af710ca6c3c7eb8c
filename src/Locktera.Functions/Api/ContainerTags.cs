using Locktera.Core.Containers;

namespace Locktera.Functions.Api;

/// <summary>Tags: a container's own (with their change history) and every tag in use in an org.</summary>
public sealed class ContainerTags(ContainerService containers)
{
    private const string OfContainer = Routes.Node + "/containers/{container_id}";

    [Function("SetContainerTags")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Set([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = OfContainer + "/tags")] HttpRequest req, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(req, arrayField: "tags");
        var tags = body.Strings("tags", ManifestReader.MaxTags, ManifestReader.MaxTagLength);
        if (tags is null && !body.Has("tags"))
        {
            body.Fail("tags", "is required: send a JSON array of strings");
        }
        body.EnsureValid();
        var updated = await containers.SetTagsAsync(req.TargetContainer(), tags!, req.Actor(), cancellationToken);
        return ApiResults.Ok(updated.Tags);
    }

    [Function("GetContainerTagsAudit")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Audit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OfContainer + "/tags_audit")] HttpRequest req, CancellationToken cancellationToken)
    {
        var changes = await containers.TagChangesAsync(req.TargetContainer(), cancellationToken);
        return ApiResults.Ok(changes.Select(c => new TagChangeView(c)).ToList());
    }

    [Function("ListOrgTags")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> ListOrgTags([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/tags")] HttpRequest req, CancellationToken cancellationToken)
    {
        var counts = await containers.TagCountsAsync(req.TargetOrg().Id, cancellationToken);
        return ApiResults.Ok(counts.Select(c => new TagCountView(c)).ToList());
    }
}
