using System.Net;
using System.Net.Sockets;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Content;

/// <summary>
/// Which storage endpoints an organization may point the service at. The service connects to them
/// from inside its network, so a tenant must not be able to aim it at internal hosts (cloud metadata
/// services, loopback, private networks): endpoints must be https and resolve only to public
/// addresses, that is to none of IANA's special-purpose blocks. The rule is applied twice: when a
/// configuration is saved (<see cref="ProblemAsync"/>, a clear 400), and on every connection the
/// clients of an org's storage make (<see cref="Handler"/>), because a host name can resolve
/// differently later (DNS rebinding). <see cref="LockteraOptions.AllowPrivateStorageEndpoints"/>
/// lifts both rules for local development against Azurite and local S3 servers, except for the
/// link-local and metadata addresses, which no development setup needs. The webhook receivers that
/// organizations subscribe are held to the same rule (<see cref="Webhooks.WebhookSender"/>).
/// </summary>
public sealed class StorageEndpointPolicy(IOptions<LockteraOptions> options, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null) : IDisposable
{
    public const string NotAllowed = "must not point at a loopback, link-local, private, metadata or other special-purpose address";

    /// <summary>
    /// The IANA IPv4 Special-Purpose Address Registry, every entry (some lie within others: they are
    /// kept so the list can be compared with the registry), and multicast from the multicast registry.
    /// </summary>
    private static readonly IPNetwork[] SpecialPurposeV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),           // "this network"
        IPNetwork.Parse("0.0.0.0/32"),          // "this host on this network"
        IPNetwork.Parse("10.0.0.0/8"),          // private-use
        IPNetwork.Parse("100.64.0.0/10"),       // shared address space (carrier-grade NAT)
        IPNetwork.Parse("127.0.0.0/8"),         // loopback
        IPNetwork.Parse("169.254.0.0/16"),      // link-local
        IPNetwork.Parse("172.16.0.0/12"),       // private-use
        IPNetwork.Parse("192.0.0.0/24"),        // IETF protocol assignments
        IPNetwork.Parse("192.0.0.0/29"),        // IPv4 service continuity prefix
        IPNetwork.Parse("192.0.0.8/32"),        // IPv4 dummy address
        IPNetwork.Parse("192.0.0.9/32"),        // port control protocol anycast
        IPNetwork.Parse("192.0.0.10/32"),       // traversal using relays around NAT anycast
        IPNetwork.Parse("192.0.0.170/32"),      // NAT64/DNS64 discovery
        IPNetwork.Parse("192.0.0.171/32"),      // NAT64/DNS64 discovery
        IPNetwork.Parse("192.0.2.0/24"),        // documentation (TEST-NET-1)
        IPNetwork.Parse("192.31.196.0/24"),     // AS112-v4
        IPNetwork.Parse("192.52.193.0/24"),     // AMT
        IPNetwork.Parse("192.88.99.0/24"),      // deprecated (6to4 relay anycast)
        IPNetwork.Parse("192.168.0.0/16"),      // private-use
        IPNetwork.Parse("192.175.48.0/24"),     // direct delegation AS112 service
        IPNetwork.Parse("198.18.0.0/15"),       // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),     // documentation (TEST-NET-2)
        IPNetwork.Parse("203.0.113.0/24"),      // documentation (TEST-NET-3)
        IPNetwork.Parse("224.0.0.0/4"),         // multicast
        IPNetwork.Parse("240.0.0.0/4"),         // reserved
        IPNetwork.Parse("255.255.255.255/32"),  // limited broadcast
    ];

    /// <summary>
    /// The IANA IPv6 Special-Purpose Address Registry, every entry, and the blocks the addressing
    /// architecture sets apart beside it: IPv4-compatible (deprecated), site-local (deprecated),
    /// multicast. Anything outside global unicast (2000::/3) is not public either.
    /// </summary>
    private static readonly IPNetwork[] SpecialPurposeV6 =
    [
        IPNetwork.Parse("::1/128"),             // loopback
        IPNetwork.Parse("::/128"),              // unspecified
        IPNetwork.Parse("::ffff:0:0/96"),       // IPv4-mapped (judged by the IPv4 address it maps: see Candidates)
        IPNetwork.Parse("64:ff9b::/96"),        // IPv4-IPv6 translation
        IPNetwork.Parse("64:ff9b:1::/48"),      // IPv4-IPv6 translation, local use
        IPNetwork.Parse("100::/64"),            // discard-only
        IPNetwork.Parse("100:0:0:1::/64"),      // dummy IPv6 prefix
        IPNetwork.Parse("2001::/23"),           // IETF protocol assignments
        IPNetwork.Parse("2001::/32"),           // TEREDO
        IPNetwork.Parse("2001:1::1/128"),       // port control protocol anycast
        IPNetwork.Parse("2001:1::2/128"),       // traversal using relays around NAT anycast
        IPNetwork.Parse("2001:1::3/128"),       // DNS-SD service registration protocol anycast
        IPNetwork.Parse("2001:2::/48"),         // benchmarking
        IPNetwork.Parse("2001:3::/32"),         // AMT
        IPNetwork.Parse("2001:4:112::/48"),     // AS112-v6
        IPNetwork.Parse("2001:10::/28"),        // deprecated (previously ORCHID)
        IPNetwork.Parse("2001:20::/28"),        // ORCHIDv2
        IPNetwork.Parse("2001:30::/28"),        // drone remote ID protocol entity tags
        IPNetwork.Parse("2001:db8::/32"),       // documentation
        IPNetwork.Parse("2002::/16"),           // 6to4
        IPNetwork.Parse("2620:4f:8000::/48"),   // direct delegation AS112 service
        IPNetwork.Parse("3fff::/20"),           // documentation
        IPNetwork.Parse("5f00::/16"),           // segment routing (SRv6) SIDs
        IPNetwork.Parse("fc00::/7"),            // unique-local, including AWS's fd00:ec2::254 metadata
        IPNetwork.Parse("fe80::/10"),           // link-local unicast
        IPNetwork.Parse("::/96"),               // IPv4-compatible (deprecated)
        IPNetwork.Parse("fec0::/10"),           // site-local (deprecated)
        IPNetwork.Parse("ff00::/8"),            // multicast
    ];

    private static readonly IPNetwork GlobalUnicastV6 = IPNetwork.Parse("2000::/3");

    /// <summary>
    /// Refused even where private endpoints are allowed: the link-local ranges, where the cloud
    /// metadata services answer (169.254.169.254), and the metadata and host addresses outside them.
    /// </summary>
    private static readonly IPNetwork[] Metadata =
    [
        IPNetwork.Parse("169.254.0.0/16"),      // link-local: AWS, Azure, GCP instance metadata
        IPNetwork.Parse("fe80::/10"),           // link-local
        IPNetwork.Parse("fd00:ec2::254/128"),   // AWS instance metadata over IPv6
        IPNetwork.Parse("168.63.129.16/32"),    // Azure's host address (WireServer, DNS, health probes)
        IPNetwork.Parse("100.100.100.200/32"),  // Alibaba Cloud instance metadata
        IPNetwork.Parse("192.0.0.192/32"),      // Oracle Cloud instance metadata
    ];

    /// <summary>IPv6 forms that carry an IPv4 address in their last 32 bits.</summary>
    private static readonly IPNetwork[] EmbeddingV4InLow32 = [IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("::/96")];

    /// <summary>6to4: the IPv4 address of the tunnel's end in bits 16–47.</summary>
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve = resolve ?? Dns.GetHostAddressesAsync;
    private SocketsHttpHandler? _handler;
    private HttpClientTransport? _transport;

    /// <summary>Why the endpoint may not be used, or null when it may: checked when a configuration is saved.</summary>
    public async Task<string?> ProblemAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        if (SchemeProblem(endpoint) is { } problem)
        {
            return problem;
        }
        var allowPrivate = options.Value.AllowPrivateStorageEndpoints;
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(endpoint.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return "has a host name that does not resolve";
        }
        return addresses.Length == 0 ? "has a host name that does not resolve"
            : addresses.Any(a => !Allows(a, allowPrivate)) ? NotAllowed
            : null;
    }

    /// <summary>Why the endpoint's scheme may not be used (https only, http too where private endpoints are allowed), or null.</summary>
    public string? SchemeProblem(Uri endpoint) =>
        endpoint.Scheme == Uri.UriSchemeHttps || (options.Value.AllowPrivateStorageEndpoints && endpoint.Scheme == Uri.UriSchemeHttp)
            ? null : "must use https";

    /// <summary>
    /// The HTTP handler of every client of an org's own storage (Azure and S3 alike): each connection
    /// resolves the host itself and connects only to an address this policy allows, at the moment it
    /// connects, so what is checked is what is connected to. No proxy stands between (it would be what
    /// the check saw), no cookie is kept, and redirects are not followed.
    /// </summary>
    public HttpMessageHandler Handler => LazyInitializer.EnsureInitialized(ref _handler, NewHandler);

    /// <summary><see cref="Handler"/> as the transport of Azure SDK clients (whose pipeline follows no redirect either).</summary>
    public HttpPipelineTransport Transport => LazyInitializer.EnsureInitialized(ref _transport,
        () => new HttpClientTransport(new HttpClient(Handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }));

    public void Dispose()
    {
        _transport?.Dispose();
        _handler?.Dispose();
    }

    /// <summary>
    /// Whether the service may connect to <paramref name="address"/>. An IPv4-mapped IPv6 address is
    /// judged by the IPv4 address it maps; the IPv6 forms that carry an IPv4 address (NAT64,
    /// IPv4-compatible, 6to4) are refused as special-purpose, and where private addresses are allowed,
    /// by the IPv4 address they carry.
    /// </summary>
    public static bool Allows(IPAddress address, bool allowPrivate) =>
        !Candidates(address).Any(a => Metadata.Any(n => n.Contains(a)) || (!allowPrivate && !IsPublic(a)));

    private static bool IsPublic(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork
        ? !SpecialPurposeV4.Any(n => n.Contains(address))
        : GlobalUnicastV6.Contains(address) && !SpecialPurposeV6.Any(n => n.Contains(address));

    private static IEnumerable<IPAddress> Candidates(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            yield return address.MapToIPv4();
            yield break;
        }
        yield return address;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            if (EmbeddingV4InLow32.Any(n => n.Contains(address)))
            {
                yield return new IPAddress(bytes.AsSpan(12, 4));
            }
            else if (SixToFour.Contains(address))
            {
                yield return new IPAddress(bytes.AsSpan(2, 4));
            }
        }
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await _resolve(host, cancellationToken);

    /// <summary>
    /// A handler of its own held to this rule as <see cref="Handler"/> is, for clients whose connections
    /// should not share the storage clients' pool (the webhook sender); the caller owns and disposes it,
    /// and may tune its pool and limits, never where it connects.
    /// </summary>
    public SocketsHttpHandler NewHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        // One handler serves every tenant's endpoints: a cookie one endpoint set must not travel with
        // the requests made for another org to the same host.
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        // Connections are reused for a while, then made anew (and checked again) with a fresh lookup.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var allowPrivate = options.Value.AllowPrivateStorageEndpoints;
            var allowed = (await ResolveAsync(context.DnsEndPoint.Host, cancellationToken))
                .Where(a => Allows(a, allowPrivate)).ToArray();
            if (allowed.Length == 0)
            {
                throw new EndpointRefusedException();
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

/// <summary>A connection to a tenant's endpoint (its storage, a webhook receiver) was not made: its host resolved to no address the service may connect to.</summary>
public sealed class EndpointRefusedException() : Exception("The endpoint resolves to no address the service may connect to.");
