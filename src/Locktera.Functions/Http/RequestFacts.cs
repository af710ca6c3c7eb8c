using Locktera.Core.Drm;

namespace Locktera.Functions.Http;

/// <summary>
/// Reads the facts a DRM decision uses from a request: the client's address (as
/// <see cref="ClientAddresses"/> resolves it) and the viewer — a viewer token's email, or the
/// <c>viewer</c> an org key decodes for; <see cref="ViewerFactsSource"/> adds the time and place.
/// </summary>
public sealed class RequestFacts(ClientAddresses addresses, ViewerFactsSource facts)
{
    public ViewerFacts For(HttpRequest req)
    {
        string? viewer = req.Caller() switch
        {
            Caller.Viewer v => v.Token.Email,
            _ when req.Query["viewer"].ToString() is { Length: > 0 } named => ContactRules.NormalizeEmail(named, out var error) is { } email
                ? email.ToLowerInvariant()
                : throw LockteraException.Validation("viewer", error!),
            _ => null,
        };
        return facts.For(addresses.Resolve(req.HttpContext), viewer);
    }
}
