using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Content;

/// <summary>
/// Which storage endpoints an organization may point the service at. The service connects to
/// them from inside its network, so a tenant must not be able to aim it at internal hosts (cloud
/// metadata services, loopback, private networks): endpoints must be https and resolve only to
/// public addresses. <see cref="LockteraOptions.AllowPrivateStorageEndpoints"/> lifts both rules
/// for local development against Azurite and local S3 servers.
/// </summary>
public sealed class StorageEndpointPolicy(IOptions<LockteraOptions> options)
{
    private static readonly IPNetwork[] NonPublic =
    [
        IPNetwork.Parse("0.0.0.0/8"),       // "this" network
        IPNetwork.Parse("10.0.0.0/8"),      // RFC 1918
        IPNetwork.Parse("100.64.0.0/10"),   // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),     // loopback
        IPNetwork.Parse("169.254.0.0/16"),  // link-local, including the 169.254.169.254 metadata services
        IPNetwork.Parse("172.16.0.0/12"),   // RFC 1918
        IPNetwork.Parse("192.0.0.0/24"),    // IETF protocol assignments (Oracle's metadata is 192.0.0.192)
        IPNetwork.Parse("192.168.0.0/16"),  // RFC 1918
        IPNetwork.Parse("198.18.0.0/15"),   // benchmarking
        IPNetwork.Parse("224.0.0.0/3"),     // multicast, reserved, broadcast
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),         // loopback
        IPNetwork.Parse("fc00::/7"),        // unique local, including AWS's fd00:ec2::254 metadata
        IPNetwork.Parse("fe80::/10"),       // link-local
        IPNetwork.Parse("ff00::/8"),        // multicast
    ];

    /// <summary>Why the endpoint may not be used, or null when it may.</summary>
    public async Task<string?> ProblemAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var allowPrivate = options.Value.AllowPrivateStorageEndpoints;
        if (endpoint.Scheme != Uri.UriSchemeHttps && !(allowPrivate && endpoint.Scheme == Uri.UriSchemeHttp))
        {
            return "must use https";
        }
        if (allowPrivate)
        {
            return null;
        }
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(endpoint.IdnHost, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(endpoint.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return "has a host name that does not resolve";
        }
        return addresses.Length == 0 ? "has a host name that does not resolve"
            : addresses.Any(IsNonPublic) ? "must not point at a loopback, link-local, private or metadata address"
            : null;
    }

    public static bool IsNonPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return NonPublic.Any(n => n.Contains(address));
    }
}
