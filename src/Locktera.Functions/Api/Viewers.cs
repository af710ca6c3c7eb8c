using Locktera.Core.Drm;

namespace Locktera.Functions.Api;

/// <summary>Viewers of a container: their tokens, the facts DRM sees, their password attempts and lockouts.</summary>
public sealed class Viewers(ViewerTokens tokens, ViewerAccess access, RequestFacts requestFacts)
{
    private const string OfContainer = Routes.Node + "/containers/{container_id}";

    [Function("IssueViewerToken")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> IssueToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OfContainer + "/viewer_tokens")] HttpRequest req, string container_id, CancellationToken cancellationToken)
    {
        var record = req.TargetContainer();
        var body = await JsonBody.ReadAsync(req);
        var email = body.Email("email", required: true);
        var ttl = body.WholeNumber("ttl_seconds", 1, (int)ViewerTokens.MaxLifetime.TotalSeconds);
        body.EnsureValid();
        var (token, expires) = tokens.Issue(record.OrgId, record.Id, email!, ttl is { } seconds ? TimeSpan.FromSeconds(seconds) : ViewerTokens.DefaultLifetime);
        return ApiResults.Created(new { token, expires_at = expires });
    }

    [Function("GetDrmContext")]
    [RequirePermission(Permission.None, AllowViewer = true)]
    public IResult Context([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "drm_context")] HttpRequest req)
    {
        var facts = requestFacts.For(req);
        return ApiResults.Ok(new
        {
            ts = facts.Now,
            ip = facts.Ip?.ToString(),
            geo = facts.Geo is { } g ? new { continent = g.Continent, country = g.Country, subdivision = g.Subdivision, city = g.City } : null,
            viewer = facts.Viewer,
        });
    }

    [Function("ListViewerAttempts")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Attempts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OfContainer + "/attempts")] HttpRequest req, string container_id, CancellationToken cancellationToken)
    {
        var record = req.TargetContainer();
        var states = await access.AttemptsAsync(record, cancellationToken);
        return ApiResults.Ok(states.Select(s => new { viewer_email = s.Email, attempt_count = s.FailedAttempts, locked = s.Locked, opens = s.Opens }).ToList());
    }

    [Function("UnlockViewer")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Unlock(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = OfContainer + "/lockouts/{email}")] HttpRequest req, string container_id, string email, CancellationToken cancellationToken)
    {
        var record = req.TargetContainer();
        var viewer = ContactRules.NormalizeEmail(email, out var problem) ?? throw LockteraException.Validation("email", problem!);
        return await access.UnlockAsync(record, viewer, req.Actor(), cancellationToken)
            ? ApiResults.NoContent()
            : throw new LockteraException(ErrorCode.NotFound, "That viewer has no failed attempts or lockout on this container.");
    }
}
