using System.Net;
using Locktera.Functions.Http;
using Microsoft.Extensions.Options;

namespace Locktera.Functions.Tests.Unit;

public class ClientAddressesTests
{
    private static string? Resolve(string trusted, string peer, string? forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        if (forwardedFor is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }
        return new ClientAddresses(Options.Create(new LockteraOptions { TrustedProxies = trusted })).Resolve(context)?.ToString();
    }

    [Theory]
    [InlineData("", "203.0.113.5", "198.51.100.7", "203.0.113.5")]
    [InlineData("10.0.0.0/8", "203.0.113.5", "198.51.100.7", "203.0.113.5")]
    [InlineData("10.0.0.0/8", "10.1.2.3", "198.51.100.7", "198.51.100.7")]
    [InlineData("10.0.0.0/8", "10.1.2.3", "6.6.6.6, 198.51.100.7, 10.9.9.9", "198.51.100.7")]
    [InlineData("10.0.0.0/8", "10.1.2.3", "not-an-address", "10.1.2.3")]
    [InlineData("10.0.0.0/8", "10.1.2.3", null, "10.1.2.3")]
    [InlineData("", "::ffff:203.0.113.5", null, "203.0.113.5")]
    public void Forwarded_addresses_count_only_behind_trusted_proxies(string trusted, string peer, string? forwardedFor, string expected) =>
        Assert.Equal(expected, Resolve(trusted, peer, forwardedFor));
}
