using Locktera.Core.Containers;
using Locktera.Core.Events;
using Locktera.Core.Orgs;
using Microsoft.Extensions.DependencyInjection;

namespace Locktera.Functions.Pipeline;

/// <summary>What the pipeline resolved for a request, handed to the function through the HttpContext.</summary>
public sealed record RequestContext(string RequestId, Caller? Caller, Org? TargetOrg, ContainerRecord? TargetContainer);

public static class RequestContextExtensions
{
    private static readonly object Key = typeof(RequestContext);

    internal static void SetRequestContext(this HttpContext http, RequestContext context) => http.Items[Key] = context;

    public static RequestContext? FindRequestContext(this HttpContext http) => http.Items.TryGetValue(Key, out var value) ? value as RequestContext : null;

    private static RequestContext Context(HttpRequest request) =>
        request.HttpContext.FindRequestContext() ?? throw new InvalidOperationException("The request did not pass through the request pipeline.");

    /// <summary>The authenticated caller; only on functions that are not public.</summary>
    public static Caller Caller(this HttpRequest request) =>
        Context(request).Caller ?? throw new InvalidOperationException("A public function has no caller.");

    /// <summary>Who is acting, for events, audits and metering: the caller's key id and the client's address.</summary>
    public static Actor Actor(this HttpRequest request) =>
        new(request.Caller() is Caller.Viewer viewer ? viewer.Token.Email : request.Caller().Subject,
            request.HttpContext.RequestServices.GetRequiredService<ClientAddresses>().Resolve(request.HttpContext)?.ToString())
        {
            UsageSubject = request.Caller().UsageSubject,
        };

    /// <summary>The node named by the route's org_id or user_id, already checked to be visible to the caller.</summary>
    public static Org TargetOrg(this HttpRequest request) =>
        Context(request).TargetOrg ?? throw new InvalidOperationException("This route names no organization.");

    /// <summary>The container named by the route's container_id, of the target org, already checked to be the caller's to see.</summary>
    public static ContainerRecord TargetContainer(this HttpRequest request) =>
        Context(request).TargetContainer ?? throw new InvalidOperationException("This route names no container.");
}
