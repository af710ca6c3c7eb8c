using Locktera.Core.Containers;
using Locktera.Core.Drm;
using Locktera.Core.Metering;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Locktera.Functions.Api;

/// <summary>Encrypted containers: encode, decode (with Range), list, inspect, block and delete.</summary>
public sealed class Containers(ContainerService containers, ViewerAccess viewerAccess, RequestFacts requestFacts, UsageMeter meter, ILogger<Containers> logger)
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
        var boundary = Boundary(req);
        var reader = new MultipartReader(boundary, req.Body) { BodyLengthLimit = null };

        var first = await reader.ReadNextSectionAsync(cancellationToken);
        if (first is null || PartName(first) is not ("manifest" or "manifest.json"))
        {
            throw LockteraException.Validation("manifest", "the first part must be the manifest, named 'manifest' or 'manifest.json'");
        }
        var manifest = ManifestReader.Read(await JsonBody.ReadAsync(first.Body, ManifestReader.MaxBytes, "manifest", cancellationToken), org.Id);

        await using var encoding = await containers.BeginEncodeAsync(org.Id, req.Actor(), manifest, cancellationToken);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (PartName(section) != "files")
            {
                throw LockteraException.Validation("files", $"unexpected part '{PartName(section)}': after the manifest, every part must be named 'files'");
            }
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            if (fileName is null)
            {
                throw LockteraException.Validation("files", "every file part needs a filename");
            }
            if (section.ContentType is { } partType && ManifestReader.MediaTypeProblem(partType) is { } problem)
            {
                throw LockteraException.Validation("files", $"the Content-Type of file part '{VisibleText.Escape(fileName)}' {problem}");
            }
            await encoding.AddFileAsync(fileName, section.ContentType, section.Body, cancellationToken);
        }
        var (record, index) = await encoding.CompleteAsync(cancellationToken);
        return ApiResults.Created(new EncodedManifestView(record, index));
    }

    [Function("ListContainers")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/containers")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req);
        var filter = ContainerFilter.From(req);
        var page = await containers.ListAsync(req.TargetOrg().Id, filter.Matches, paging.After, paging.Skip, paging.Limit, cancellationToken);
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
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = InOrg)] HttpRequest req, string container_id, CancellationToken cancellationToken)
    {
        await containers.DeleteAsync(req.TargetContainer(), req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("DeleteContainerById")]
    [RequirePermission(Permission.Write)]
    public Task<IResult> DeleteById([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Direct)] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        Delete(req, container_id, cancellationToken);

    [Function("BlockContainer")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Block([HttpTrigger(AuthorizationLevel.Anonymous, "put", "delete", Route = InOrg + "/block")] HttpRequest req, string container_id, CancellationToken cancellationToken)
    {
        var blocked = HttpMethods.IsPut(req.Method);
        await containers.SetBlockedAsync(req.TargetContainer(), blocked, req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("DecodeManifest")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> DecodeManifest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg + "/decode")] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        ApiResults.Ok(new DecodedManifestView((await Open(req, container_id, cancellationToken)).Opened));

    [Function("DecodeManifestById")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public Task<IResult> DecodeManifestById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Direct + "/decode")] HttpRequest req, string container_id, CancellationToken cancellationToken) =>
        DecodeManifest(req, container_id, cancellationToken);

    [Function("DecodeFile")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> DecodeFile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InOrg + "/decode/{file_name}")] HttpRequest req, string container_id, string file_name, CancellationToken cancellationToken)
    {
        var (opened, inline) = await Open(req, container_id, cancellationToken);
        var index = opened.Index.Files.ToList().FindIndex(f => f.Name == file_name);
        if (index < 0)
        {
            throw new LockteraException(ErrorCode.FileNotFound, "The container has no file of that name.");
        }
        var file = opened.Index.Files[index];
        var range = ByteRange.Resolve(req, file.Size, DecodedFileResult.ETag(file));
        // Read and authenticated up to the first segment here, so that stored bytes that fail are answered as any error is.
        var content = await containers.ReadFileAsync(opened, index, range?.From ?? 0, range?.To ?? file.Size - 1, req.Actor(), cancellationToken);
        req.HttpContext.Response.RegisterForDisposeAsync(content);
        meter.Count(opened.Record.OrgId, req.Caller().UsageSubject, Counters.BytesOut, range?.Length ?? file.Size);
        return new DecodedFileResult(opened.Record.Id, file, content, range, inline, logger);
    }

    [Function("DecodeFileById")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public Task<IResult> DecodeFileById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Direct + "/decode/{file_name}")] HttpRequest req, string container_id, string file_name, CancellationToken cancellationToken) =>
        DecodeFile(req, container_id, file_name, cancellationToken);


    /// <summary>
    /// Opens a container for a decode. The org's own callers need only the password; a viewer (a
    /// viewer token, or an org key decoding with ?viewer=) passes DRM, the lockout and the opens
    /// (<see cref="ViewerAccess.OpenAsync"/>) and joins or starts a viewing session.
    /// Returns whether content must be served inline only.
    /// </summary>
    private async Task<(OpenedContainer Opened, bool Inline)> Open(HttpRequest req, string containerId, CancellationToken cancellationToken)
    {
        var record = req.TargetContainer();
        meter.Count(record.OrgId, req.Caller().UsageSubject, Counters.Decodes);
        var password = req.Headers[PasswordHeader].ToString() is { Length: > 0 } given ? given : null;
        var facts = requestFacts.For(req);
        if (facts.Viewer is null)
        {
            return (await containers.OpenAsync(record, password, req.Actor(), null, cancellationToken), false);
        }
        var session = req.Headers[SessionHeader].ToString();
        var viewer = await viewerAccess.OpenAsync(record, facts, password, session.Length == 0 ? null : session,
            download: req.Query["download"].ToString() == "true", req.Actor(), cancellationToken);
        req.HttpContext.Response.Headers[SessionHeader] = viewer.Session;
        return (viewer.Opened, !viewer.Rules.Downloadable);
    }

    private static string Boundary(HttpRequest req)
    {
        if (!MediaTypeHeaderValue.TryParse(req.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw LockteraException.Validation("content-type", "must be multipart/form-data with a manifest part and file parts");
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        return string.IsNullOrWhiteSpace(boundary) || boundary.Length > 200
            ? throw LockteraException.Validation("content-type", "the multipart boundary is missing or too long")
            : boundary;
    }

    private static string? PartName(MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
            && disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(disposition.Name).Value
            : null;
}
