using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Locktera.Core.Containers;
using Locktera.Core.Metering;
using Locktera.Core.Orgs;
using Locktera.Core.RateLimiting;
using Locktera.Core.Storage;
using Locktera.Core.Tera;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Locktera.Functions.Pipeline;

/// <summary>
/// Everything that happens around every function, in one place for both hosts: request id,
/// authentication, the function's access requirement, the per-key rate limit, the check that the
/// organization named in the route is the caller's to act on, and the mapping of failures to the
/// documented error shape.
/// </summary>
public sealed partial class RequestPipeline(
    Authenticator authenticator,
    RateLimiter rateLimiter,
    OrgStore orgs,
    ContainerStore containerStore,
    ContainerService containers,
    AccessLog accessLog,
    UsageMeter meter,
    ClientAddresses clientAddresses,
    IOptions<LockteraOptions> options,
    ILogger<RequestPipeline> logger)
{
    public const string RequestIdHeader = "X-Request-Id";


    private static readonly TimeSpan StorageRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="function"/> if the request may reach it. Returns null when the function
    /// ran (its own result stands), or the error result the host must send instead. The route's
    /// values are the request's own (<see cref="HttpRequest.RouteValues"/>): both hosts route the
    /// request by the function's template, so they are the same under both.
    /// </summary>
    public async Task<IResult?> RunAsync(HttpContext http, string functionName, AccessAttribute access, Func<Task> function)
    {
        var requestId = AssignRequestId(http);
        var started = Stopwatch.GetTimestamp();
        Caller? logged = null;
        // One line per request once the response is sent: what ran, for whom, how it ended and how long it took.
        http.Response.OnCompleted(() =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                return Task.CompletedTask;
            }
            var (orgId, keyId) = Attribution(logged);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogRequest(logger, requestId, functionName, http.Request.Method, http.Response.StatusCode, elapsed, orgId, keyId);
            return Task.CompletedTask;
        });
        try
        {
            var ip = clientAddresses.Resolve(http)?.ToString();
            var caller = access is PublicEndpointAttribute ? null : await authenticator.AuthenticateAsync(http.Request.Headers.Authorization, ip, http.RequestAborted);
            // From here on, a refused request's log line names the key that was refused.
            logged = caller;
            (Org? Org, ContainerRecord? Container) targets = (null, null);
            try
            {
                if (caller is not null)
                {
                    await AuthorizeAsync(http, caller, access);
                    targets = await TargetsAsync(caller, access, http.Request.RouteValues, http.RequestAborted);
                }
            }
            catch (LockteraException e) when (caller is Caller.Key key && Denial(e.Code) is { } reason)
            {
                await accessLog.RecordFailureAsync(key.Org, key.ApiKey.KeyId, AccessLog.User(key.Org), "authorize", "denied", reason, ip, http.RequestAborted);
                throw;
            }
            http.SetRequestContext(new RequestContext(requestId, caller, targets.Org, targets.Container));
            var (orgId, keyId) = Attribution(caller);
            using var scope = logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = requestId, ["OrgId"] = orgId, ["KeyId"] = keyId });
            if (orgId is { } counted)
            {
                meter.Count(counted, keyId!, Counters.ApiCalls);
            }
            await function();
            return null;
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            return Failure(http, e, requestId);
        }
    }

    /// <summary>A problem+json result for a request that failed before or outside any function (e.g. no route matched).</summary>
    public static IResult Problem(HttpContext http, ErrorCode code, string message, IReadOnlyDictionary<string, string>? fields = null) =>
        ApiResults.Problem(code, message, fields, AssignRequestId(http));

    /// <summary>
    /// Whom a request is attributed to, in its logs and its metering: the org node (the key's, or the
    /// one whose viewer token it is; the operator has none) and the usage subject (key id, "viewer",
    /// "operator" — never a secret or an email).
    /// </summary>
    private static (Guid? OrgId, string? KeyId) Attribution(Caller? caller) => caller switch
    {
        Caller.Key key => (key.Org.Id, key.UsageSubject),
        Caller.Viewer viewer => (viewer.Token.OrgId, viewer.UsageSubject),
        _ => (null, caller?.UsageSubject),
    };

    /// <summary>The refusals of a valid key that its organization's access log records, by reason.</summary>
    private static string? Denial(ErrorCode code) => code switch
    {
        ErrorCode.InsufficientPermission => "missing_permission",
        ErrorCode.OrgOutOfScope => "out_of_scope",
        // Another tenant's node (or a node that does not exist) named by a valid key.
        ErrorCode.OrgNotFound => "forbidden_org",
        ErrorCode.OperatorOnly => "operator_only",
        _ => null,
    };

    private async Task AuthorizeAsync(HttpContext http, Caller caller, AccessAttribute access)
    {
        switch (access)
        {
            case OperatorOnlyAttribute when caller is not Caller.Operator:
                throw LockteraException.Forbidden(ErrorCode.OperatorOnly, "Only the platform operator may do this.");
            case RequirePermissionAttribute { AllowOperator: false } when caller is Caller.Operator:
                throw LockteraException.Forbidden(ErrorCode.OrgKeyRequired, "This route needs an org API key, not the operator key.");
            case RequirePermissionAttribute { AllowViewer: false } or OperatorOnlyAttribute when caller is Caller.Viewer:
                throw LockteraException.Forbidden(ErrorCode.ViewerNotAllowed, "A viewer token only opens its container's content.");
        }

        // Counted before the permission check: a key that keeps asking for what it may not do
        // still spends its quota.
        var limit = caller.Has(Permission.Admin) ? options.Value.AdminRequestsPerMinute : options.Value.StandardRequestsPerMinute;
        var decision = await rateLimiter.AcquireAsync(caller.Subject, limit, http.RequestAborted);
        var headers = http.Response.Headers;
        headers["RateLimit-Limit"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = Seconds(decision.ResetAfter);
        if (!decision.Allowed)
        {
            headers.RetryAfter = Seconds(decision.ResetAfter);
            throw new LockteraException(ErrorCode.RateLimited, $"Rate limit of {decision.Limit} requests per minute exceeded; retry after the reset.");
        }

        if (access is RequirePermissionAttribute { Permission: var needed })
        {
            RolePolicy.EnsureHas(caller, needed);
        }
    }

    /// <summary>
    /// What a route acts on. The org node: named by {org_id} (/orgs/… and /users/… address the same
    /// tree), or for /containers/{container_id}/… the org that owns the container; checked to be
    /// visible to the caller, and managed by it when the function says so. The container named by
    /// {container_id}: for a viewer token its own, and one of that org that is not still being encoded.
    /// Anything else is as unknown as a missing one.
    /// </summary>
    private async Task<(Org? Org, ContainerRecord? Container)> TargetsAsync(Caller caller, AccessAttribute access, RouteValueDictionary route, CancellationToken cancellationToken)
    {
        var containerId = route.GetValueOrDefault("container_id") as string;
        if (caller is Caller.Viewer viewer && containerId is not null && !(Guid.TryParse(containerId, out var named) && named == viewer.Token.ContainerId))
        {
            throw LockteraException.ContainerNotFound();
        }
        Org? target;
        if (route.GetValueOrDefault("org_id") is string orgId)
        {
            // A malformed id names no org, exactly like an unknown one.
            target = (Guid.TryParse(orgId, out var id) ? await orgs.FindRecentAsync(id, cancellationToken) : null) ?? throw LockteraException.OrgNotFound();
        }
        else if (containerId is not null)
        {
            var owner = Guid.TryParse(containerId, out var id) ? await containerStore.OrgOfAsync(id, cancellationToken) : null;
            target = owner is { } ownerId ? await orgs.FindRecentAsync(ownerId, cancellationToken) : null;
            if (target is null || (caller is Caller.Key key && key.Org.RootOrgId != target.RootOrgId))
            {
                // Another tenant's container is as unknown as a missing one.
                throw LockteraException.ContainerNotFound();
            }
        }
        else
        {
            return (null, null);
        }
        RolePolicy.EnsureCanSee(caller, target);
        if (access is RequirePermissionAttribute { ManagesTarget: true })
        {
            RolePolicy.EnsureCanManage(caller, target);
        }
        if (containerId is null)
        {
            return (target, null);
        }
        return (target, await containers.GetAsync(target.Id, containerId, cancellationToken));
    }

    private IResult Failure(HttpContext http, Exception exception, string requestId)
    {
        switch (Unwrap(exception))
        {
            case LockteraException e:
                return ApiResults.Problem(e.Code, e.Message, e.Fields, requestId);
            case TeraPasswordException { Missing: true }:
                return ApiResults.Problem(ErrorCode.PasswordRequired, "This container is password-protected: send its password in the X-Locktera-Password header.", null, requestId);
            case TeraPasswordException:
                return ApiResults.Problem(ErrorCode.PasswordWrong, "The container's password is wrong.", null, requestId);
            case TeraIntegrityException e:
                LogIntegrityFailure(logger, requestId, e.Message);
                return ApiResults.Problem(ErrorCode.ContainerIntegrityFailed, "The stored container failed its integrity check; no content was served.", null, requestId);
            case BadHttpRequestException e:
                // Kestrel's own limits (body size, malformed framing).
                var code = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? ErrorCode.BodyTooLarge : ErrorCode.ValidationFailed;
                return ApiResults.Problem(code, "The request could not be read.", null, requestId);
            case var e when IsParserFailure(e):
                return ApiResults.Problem(ErrorCode.ValidationFailed, "The request is malformed: its body or a header could not be parsed.", null, requestId);
            case var e when StorageFailures.IsOutage(e):
                LogStorageUnavailable(logger, requestId, e.GetType().Name);
                http.Response.Headers.RetryAfter = Seconds(StorageRetryAfter);
                return ApiResults.Problem(ErrorCode.StorageUnavailable, "Storage is unavailable; retry shortly.", null, requestId);
            case var e:
                LogUnexpected(logger, e, requestId);
                return ApiResults.Problem(ErrorCode.Internal, "An unexpected error occurred; quote the trace id when reporting it.", null, requestId);
        }
    }

    /// <summary>Hosts may wrap what a function threw; the innermost Locktera failure is the one to report.</summary>
    private static Exception Unwrap(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is LockteraException or TeraPasswordException or TeraIntegrityException or BadHttpRequestException || StorageFailures.IsStorageError(e) || IsParserFailure(e))
            {
                return e;
            }
        }
        return exception;
    }

    /// <summary>
    /// The libraries that parse requests (multipart sections, header values, forms) say what is wrong
    /// with the data they read by throwing what .NET throws for bad data: an InvalidDataException for
    /// too many or too long part headers, an IOException for a body that ends before its closing
    /// boundary, a FormatException for a header value. Thrown by them, such a failure is the request's
    /// fault, whichever function was reading: a 400, never a 500. (Our own code reports bad input as
    /// LockteraException; the same exception types thrown elsewhere, such as by a stored row that does
    /// not parse, stay a 500.)
    /// </summary>
    private static bool IsParserFailure(Exception e) =>
        e is InvalidDataException or IOException or FormatException or DecoderFallbackException
        && e.TargetSite?.DeclaringType?.Assembly is { } thrower && RequestParsers.Contains(thrower);

    private static readonly HashSet<Assembly> RequestParsers =
    [
        typeof(MultipartReader).Assembly,
        typeof(MediaTypeHeaderValue).Assembly,
        typeof(Microsoft.AspNetCore.Http.Features.FormFeature).Assembly,
    ];

    private static string AssignRequestId(HttpContext http)
    {
        if (http.FindRequestContext() is { } context)
        {
            return context.RequestId;
        }
        // A caller's own id is echoed when it is safe to log and to put in a header.
        var offered = http.Request.Headers[RequestIdHeader].ToString();
        var requestId = offered.Length is > 0 and <= 64 && offered.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? offered
            : Guid.CreateVersion7().ToString("N");
        http.Response.Headers[RequestIdHeader] = requestId;
        http.SetRequestContext(new RequestContext(requestId, null, null, null));
        return requestId;
    }

    private static string Seconds(TimeSpan span) => ((int)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} {Function} {Method} answered {Status} in {ElapsedMs:0.0} ms (org {OrgId}, key {KeyId})")]
    private static partial void LogRequest(ILogger logger, string requestId, string function, string method, int status, double elapsedMs, Guid? orgId, string? keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: storage unavailable ({Error})")]
    private static partial void LogStorageUnavailable(ILogger logger, string requestId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: a stored container failed authentication: {Reason}")]
    private static partial void LogIntegrityFailure(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string requestId);
}
