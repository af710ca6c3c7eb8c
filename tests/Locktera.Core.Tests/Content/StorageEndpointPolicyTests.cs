using System.Net;

namespace Locktera.Core.Tests.Content;

public class StorageEndpointPolicyTests
{
    private static StorageEndpointPolicy Policy(bool allowPrivate, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null) =>
        new(Options.Create(new LockteraOptions { AllowPrivateStorageEndpoints = allowPrivate }), resolve);

    /// <summary>
    /// IANA's IPv4 and IPv6 Special-Purpose Address Registries as published (every entry but
    /// IPv4-mapped IPv6, which is judged by the IPv4 address it maps), the IPv4 multicast block, and
    /// the IPv6 blocks the addressing architecture sets apart: IPv4-compatible, site-local, multicast.
    /// </summary>
    public static TheoryData<string> SpecialPurposeBlocks =>
    [
        "0.0.0.0/8", "0.0.0.0/32", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32", "192.0.0.9/32", "192.0.0.10/32", "192.0.0.170/32", "192.0.0.171/32",
        "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
        "::1/128", "::/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64", "2001::/23", "2001::/32",
        "2001:1::1/128", "2001:1::2/128", "2001:1::3/128", "2001:2::/48", "2001:3::/32", "2001:4:112::/48", "2001:10::/28",
        "2001:20::/28", "2001:30::/28", "2001:db8::/32", "2002::/16", "2620:4f:8000::/48", "3fff::/20", "5f00::/16",
        "fc00::/7", "fe80::/10", "::/96", "fec0::/10", "ff00::/8",
    ];

    private static IPAddress Last(IPNetwork network)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        for (var bit = network.PrefixLength; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }
        return new IPAddress(bytes);
    }

    [Theory]
    [MemberData(nameof(SpecialPurposeBlocks))]
    public void The_first_and_last_address_of_every_special_purpose_block_are_refused(string block)
    {
        var network = IPNetwork.Parse(block);
        Assert.False(StorageEndpointPolicy.Allows(network.BaseAddress, allowPrivate: false), $"{network.BaseAddress} of {block}");
        Assert.False(StorageEndpointPolicy.Allows(Last(network), allowPrivate: false), $"{Last(network)} of {block}");
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("192.0.1.1")]
    [InlineData("198.20.0.1")]
    [InlineData("223.255.255.254")]
    [InlineData("2606:4700::1111")]
    [InlineData("2a00:1450:4001::1")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.True(StorageEndpointPolicy.Allows(IPAddress.Parse(address), allowPrivate: false));

    [Theory]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("64:ff9b:1::808:808")]
    [InlineData("::808:808")]
    [InlineData("2002:808:808::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    [InlineData("4000::1")]
    [InlineData("e000::1")]
    public void Mapped_translated_tunnelled_and_unassigned_IPv6_forms_are_refused(string address) =>
        Assert.False(StorageEndpointPolicy.Allows(IPAddress.Parse(address), allowPrivate: false));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("192.168.1.1")]
    [InlineData("::1")]
    [InlineData("fc00::5")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    public void Private_addresses_are_allowed_for_development(string address) =>
        Assert.True(StorageEndpointPolicy.Allows(IPAddress.Parse(address), allowPrivate: true));

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.1")]
    [InlineData("169.254.255.255")]
    [InlineData("fe80::1")]
    [InlineData("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("fd00:ec2::254")]
    [InlineData("168.63.129.16")]
    [InlineData("100.100.100.200")]
    [InlineData("192.0.0.192")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("::169.254.169.254")]
    [InlineData("2002:a9fe:a9fe::1")]
    public void Link_local_and_metadata_addresses_are_refused_even_for_development(string address)
    {
        Assert.False(StorageEndpointPolicy.Allows(IPAddress.Parse(address), allowPrivate: true));
        Assert.False(StorageEndpointPolicy.Allows(IPAddress.Parse(address), allowPrivate: false));
    }

    [Theory]
    [InlineData("https://127.0.0.1")]
    [InlineData("https://127.8.9.10:9000")]
    [InlineData("https://localhost")]
    [InlineData("https://10.1.2.3")]
    [InlineData("https://172.16.0.1")]
    [InlineData("https://172.31.255.255")]
    [InlineData("https://192.168.1.1")]
    [InlineData("https://100.64.0.1")]
    [InlineData("https://0.0.0.0")]
    [InlineData("https://192.0.2.10")]
    [InlineData("https://[::1]")]
    [InlineData("https://[fc00::5]")]
    [InlineData("https://[fec0::1]")]
    [InlineData("https://[64:ff9b::a00:1]")]
    [InlineData("https://[::ffff:127.0.0.1]")]
    public async Task Endpoints_on_private_loopback_and_other_special_purpose_addresses_are_refused_in_production(string endpoint)
    {
        Assert.Equal(StorageEndpointPolicy.NotAllowed, await Policy(false).ProblemAsync(new Uri(endpoint), default));
        Assert.Null(await Policy(true).ProblemAsync(new Uri(endpoint), default));
    }

    [Theory]
    [InlineData("https://169.254.169.254")]
    [InlineData("https://169.254.1.1")]
    [InlineData("http://169.254.169.254")]
    [InlineData("https://[fe80::1]")]
    [InlineData("https://[::ffff:169.254.169.254]")]
    [InlineData("https://[64:ff9b::a9fe:a9fe]")]
    [InlineData("https://[fd00:ec2::254]")]
    public async Task Endpoints_on_link_local_and_metadata_addresses_are_refused_even_for_development(string endpoint)
    {
        Assert.Equal(StorageEndpointPolicy.NotAllowed, await Policy(true).ProblemAsync(new Uri(endpoint), default));
        Assert.NotNull(await Policy(false).ProblemAsync(new Uri(endpoint), default));
    }

    [Theory]
    [InlineData("https://8.8.8.8")]
    [InlineData("https://172.32.0.1")]
    [InlineData("https://[2606:4700::1111]")]
    public async Task Public_addresses_over_https_are_allowed(string endpoint) =>
        Assert.Null(await Policy(false).ProblemAsync(new Uri(endpoint), default));

    [Fact]
    public async Task A_host_name_is_refused_if_any_address_it_resolves_to_is()
    {
        var policy = Policy(false, (host, _) => Task.FromResult<IPAddress[]>(host == "mixed.example" ? [IPAddress.Parse("8.8.8.8"), IPAddress.Parse("10.0.0.1")] : [IPAddress.Parse("8.8.4.4")]));
        Assert.Equal(StorageEndpointPolicy.NotAllowed, await policy.ProblemAsync(new Uri("https://mixed.example"), default));
        Assert.Null(await policy.ProblemAsync(new Uri("https://public.example"), default));
    }

    [Fact]
    public async Task Http_is_refused_unless_private_endpoints_are_allowed_for_development()
    {
        Assert.Equal("must use https", await Policy(false).ProblemAsync(new Uri("http://8.8.8.8"), default));
        Assert.Null(await Policy(true).ProblemAsync(new Uri("http://127.0.0.1:9000"), default));
        Assert.Equal("must use https", await Policy(true).ProblemAsync(new Uri("ftp://127.0.0.1"), default));
    }

    [Fact]
    public async Task A_host_name_that_does_not_resolve_is_refused() =>
        Assert.Equal("has a host name that does not resolve", await Policy(false).ProblemAsync(new Uri("https://no-such-host.invalid"), default));
}
