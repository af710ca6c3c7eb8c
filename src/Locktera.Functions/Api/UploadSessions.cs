using Locktera.Core.Uploads;

namespace Locktera.Functions.Api;

/// <summary>
/// Upload sessions (Box's chunked upload, for containers): the manifest starts one, parts of the
/// files' bytes arrive in any order and in parallel, a commit makes the container. For files too
/// large for one request, or connections too weak to send them in one.
/// </summary>
public sealed class UploadSessions(Core.Uploads.UploadSessions sessions)
{
    private const string Sessions = Routes.Node + "/containers/upload_sessions";
    // A session's own routes sit beside the containers, not under them, so that no path can be read
    // both as a session's and as a container's (`…/containers/{container_id}/block`).
    private const string Session = Routes.Node + "/upload_sessions/{session_id}";

    [Function("CreateUploadSession")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Sessions)] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        var manifest = ManifestReader.Read(await JsonBody.ReadAsync(req.Body, ManifestReader.MaxBytes, "manifest", cancellationToken), org.Id);
        var state = await sessions.CreateAsync(org.Id, req.Actor(), manifest, cancellationToken);
        return ApiResults.Created(new UploadSessionView(state, UploadRequest.SessionUrl(req, state.Session.Id)));
    }

    [Function("UploadPart")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> UploadPart([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Session)] HttpRequest req, string session_id, CancellationToken cancellationToken)
    {
        var (from, to, total) = UploadRequest.ContentRange(req);
        var part = await sessions.WritePartAsync(req.TargetOrg().Id, session_id, from, to, total, UploadRequest.Sha256(req), req.Body, cancellationToken);
        return ApiResults.Ok(new UploadedPartView(part));
    }

    [Function("GetUploadSession")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Session)] HttpRequest req, string session_id, CancellationToken cancellationToken)
    {
        var state = await sessions.GetAsync(req.TargetOrg().Id, session_id, cancellationToken);
        return ApiResults.Ok(new UploadSessionView(state, UploadRequest.SessionUrl(req, state.Session.Id)));
    }

    [Function("ListUploadParts")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Parts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Session + "/parts")] HttpRequest req, string session_id, CancellationToken cancellationToken) =>
        ApiResults.Ok(new UploadPartsView(await sessions.PartsAsync(req.TargetOrg().Id, session_id, cancellationToken)));

    [Function("CommitUploadSession")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Commit([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Session + "/commit")] HttpRequest req, string session_id, CancellationToken cancellationToken)
    {
        var claimed = await UploadRequest.CommitAsync(req);
        switch (await sessions.CommitAsync(req.TargetOrg().Id, session_id, claimed, req.Actor(), cancellationToken))
        {
            case UploadCommit.Done done:
                return ApiResults.Created(new EncodedManifestView(done.Container, done.Index));
            case UploadCommit.InProgress busy:
                req.HttpContext.Response.Headers.RetryAfter = ((int)busy.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ApiResults.Accepted(new UploadSessionView(busy.State, UploadRequest.SessionUrl(req, busy.State.Session.Id)));
            default:
                throw new InvalidOperationException("A commit ends done or in progress.");
        }
    }

    [Function("AbortUploadSession")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Abort([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Session)] HttpRequest req, string session_id, CancellationToken cancellationToken)
    {
        await sessions.AbortAsync(req.TargetOrg().Id, session_id, cancellationToken);
        return ApiResults.NoContent();
    }
}
