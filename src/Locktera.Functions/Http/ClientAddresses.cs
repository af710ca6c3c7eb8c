using System.Net;
using Locktera.Core.Drm;
using Microsoft.Extensions.Options;

namespace Locktera.Functions.Http;

/// <summary>
/// The address a request comes from, for DRM: the connection's peer, or, only when that peer is a
/// configured trusted proxy, the nearest untrusted address of X-Forwarded-For.
/// </summary>
public sealed class ClientAddresses(IOptions<LockteraOptions> options)
{
    private readonly IpPattern[] _trusted = [.. options.Value.TrustedProxies
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(p => IpPattern.TryParse(p)!)];

    public IPAddress? Resolve(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress is { } remote ? IpPattern.Normalize(remote) : null;
        if (peer is null || !IsTrusted(peer))
        {
            return peer;
        }
        // Walk the chain from the nearest hop back: the first address not of a trusted proxy is the client.
        var hops = context.Request.Headers["X-Forwarded-For"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var hop in hops.Reverse())
        {
            if (!IPAddress.TryParse(hop, out var address))
            {
                return peer;
            }
            address = IpPattern.Normalize(address);
            if (!IsTrusted(address))
            {
                return address;
            }
            peer = address;
        }
        return peer;
    }

    private bool IsTrusted(IPAddress address) => _trusted.Any(p => p.Matches(address));
}
