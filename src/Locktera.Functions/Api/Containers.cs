using Locktera.Core.Containers;
using Locktera.Core.Drm;
using Microsoft.Extensions.Logging;

namespace Locktera.Functions.Api;

/// <summary>Encrypted containers: encode, decode (with Range), list, inspect, block and delete.</summary>
public sealed class Containers(ContainerService containers, ViewerAccess viewerAccess, RequestFacts requestFacts, ILogger<Containers> logger)
{
    public const string PasswordHeader = "X-Locktera-Password";
    public const string SessionHeader = "X-Locktera-Session";
    private const string InOrg = Routes.Node + "/containers/{container_id}";
    private const string Direct = "containers/{container_id}";

    [Function("EncodeContainer")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Encode(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Node + "/containers/encode")] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        var (manifest, files) = await EncodeRequest.ReadAsync(req, org.Id, cancellationToken);
        var (record, index) = await containers.EncodeAsync(org.Id, req.Actor(), manifest, files, cancellationToken);
        return ApiResults.Created(new EncodedManifestView(record, index));
    }

    [Function("ListContainers")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/containers")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req);
        var page = await containers.ListAsync(req.TargetOrg().Id, ContainerFilter.From(req), paging.After, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, r => new ContainerView(r), r => r.Id.ToString("N"));
    }

    [Function("FindContainerByDigest")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> FindByDigest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/container_by_digest")] HttpRequest req, CancellationToken cancellationToken) =>
        ApiResults.Ok(new ContainerView(await containers.FindByDigestAsync(req.TargetOrg().Id, req.Query["digest"].ToString(), cancellationToken)));

    [Function("GetContainer")]
    [RequirePermission(Permission.Read)]
    public static IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg)] HttpRequest req) =>
        ApiResults.Ok(new ContainerView(req.TargetContainer()));

    [Function("GetContainerById")]
    [RequirePermission(Permission.Read)]
    public static IResult GetById([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Direct)] HttpRequest req) => Get(req);

    [Function("DeleteContainer")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = InOrg)] HttpRequest req, CancellationToken cancellationToken)
    {
        await containers.DeleteAsync(req.TargetContainer(), req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("DeleteContainerById")]
    [RequirePermission(Permission.Write)]
    public Task<IResult> DeleteById([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Direct)] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        Delete(req, cancellationToken);

    [Function("BlockContainer")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Block([HttpTrigger(AuthorizationLevel.Anonymous, "put", "delete", Route = InOrg + "/block")] HttpRequest req, CancellationToken cancellationToken)
    {
        await containers.SetBlockedAsync(req.TargetContainer(), blocked: HttpMethods.IsPut(req.Method), req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("DecodeManifest")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> DecodeManifest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg + "/decode")] HttpRequest req, CancellationToken cancellationToken) =>
        ApiResults.Ok(new DecodedManifestView((await OpenAsync(req, cancellationToken)).Container));

    [Function("DecodeManifestById")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public Task<IResult> DecodeManifestById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Direct + "/decode")] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        DecodeManifest(req, cancellationToken);

    /// <summary>
    /// One file, or the range of it that <c>Range</c> asks for. The range is resolved against the
    /// file the open found (its size, its ETag for <c>If-Range</c>), so reading it is a second call.
    /// </summary>
    [Function("DecodeFile")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> DecodeFile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg + "/decode/{file_name}")] HttpRequest req, string file_name, CancellationToken cancellationToken)
    {
        var access = await OpenAsync(req, cancellationToken);
        var file = access.Container.File(file_name);
        var version = access.Container.VersionOf(file);
        var range = ByteRange.Resolve(req, file.Size, DecodedFileResult.ETag(version));
        // Read and authenticated up to the first segment here, so that stored bytes that fail are answered as any error is.
        var content = await containers.ReadFileAsync(access.Container, file, range?.From ?? 0, range?.To ?? file.Size - 1, req.Actor(), cancellationToken);
        req.HttpContext.Response.RegisterForDisposeAsync(content);
        return new DecodedFileResult(access.Container.Record.Id, file, version, content, range, access.ViewOnly, logger);
    }

    [Function("DecodeFileById")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public Task<IResult> DecodeFileById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Direct + "/decode/{file_name}")] HttpRequest req, string container_id, string file_name, CancellationToken cancellationToken) =>
        DecodeFile(req, file_name, cancellationToken);

    /// <summary>Opens the route's container for a decode (<see cref="ViewerAccess.OpenAsync"/>) with what the request presents; a viewer's session goes back in its header.</summary>
    private async Task<DecodeAccess> OpenAsync(HttpRequest req, CancellationToken cancellationToken)
    {
        var access = await viewerAccess.OpenAsync(req.TargetContainer(), requestFacts.For(req), Header(req, PasswordHeader), Header(req, SessionHeader),
            download: req.Query["download"].ToString() == "true", req.Actor(), cancellationToken);
        if (access.Session is { } session)
        {
            req.HttpContext.Response.Headers[SessionHeader] = session;
        }
        return access;
    }

    private static string? Header(HttpRequest req, string name) => req.Headers[name].ToString() is { Length: > 0 } value ? value : null;
}
