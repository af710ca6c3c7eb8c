using Locktera.Core.Drm;

namespace Locktera.Functions.Api;

/// <summary>Viewers of a container: their tokens, their password attempts and lockouts.</summary>
public sealed class Viewers(ViewerTokens tokens, ViewerAccess access)
{
    private const string OfContainer = Routes.Node + "/containers/{container_id}";

    [Function("IssueViewerToken")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> IssueToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OfContainer + "/viewer_tokens")] HttpRequest req)
    {
        var body = await JsonBody.ReadAsync(req);
        var email = body.Email("email", required: true);
        var ttl = body.WholeNumber("ttl_seconds", 1, (int)ViewerTokens.MaxLifetime.TotalSeconds);
        body.EnsureValid();
        var record = req.TargetContainer();
        var (token, expires) = tokens.Issue(record.OrgId, record.Id, email!, ttl is { } seconds ? TimeSpan.FromSeconds(seconds) : ViewerTokens.DefaultLifetime);
        return ApiResults.Created(new ViewerTokenView(token, expires));
    }

    [Function("ListViewerAttempts")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Attempts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OfContainer + "/attempts")] HttpRequest req, CancellationToken cancellationToken)
    {
        var states = await access.AttemptsAsync(req.TargetContainer(), cancellationToken);
        return ApiResults.Ok(states.Select(s => new ViewerAttemptView(s)).ToList());
    }

    [Function("UnlockViewer")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Unlock(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = OfContainer + "/lockouts/{email}")] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        var viewer = ContactRules.NormalizeEmail(email, out var problem) ?? throw LockteraException.Validation("email", problem!);
        await access.UnlockAsync(req.TargetContainer(), viewer, req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }
}
