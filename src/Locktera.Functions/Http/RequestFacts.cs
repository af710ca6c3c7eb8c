using Locktera.Core.Drm;

namespace Locktera.Functions.Http;

/// <summary>
/// The facts a DRM decision uses for a request: the time, the client's address, where the
/// geolocation database places it, and the viewer — a viewer token's email, or the <c>viewer</c>
/// an org key decodes for.
/// </summary>
public sealed class RequestFacts(ClientAddresses addresses, GeoLocator geo, TimeProvider time)
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
        var address = addresses.Resolve(req.HttpContext);
        return new ViewerFacts(time.GetUtcNow(), address, address is null ? null : geo.Locate(address), viewer);
    }
}
