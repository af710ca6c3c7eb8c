using Locktera.Core.Content;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Tests.Content;

public class StorageEndpointPolicyTests
{
    private static StorageEndpointPolicy Policy(bool allowPrivate) =>
        new(Options.Create(new LockteraOptions { AllowPrivateStorageEndpoints = allowPrivate }));

    [Theory]
    [InlineData("https://127.0.0.1")]
    [InlineData("https://127.8.9.10:9000")]
    [InlineData("https://localhost")]
    [InlineData("https://10.1.2.3")]
    [InlineData("https://172.16.0.1")]
    [InlineData("https://172.31.255.255")]
    [InlineData("https://192.168.1.1")]
    [InlineData("https://169.254.169.254")]
    [InlineData("https://169.254.1.1")]
    [InlineData("https://100.64.0.1")]
    [InlineData("https://0.0.0.0")]
    [InlineData("https://[::1]")]
    [InlineData("https://[fe80::1]")]
    [InlineData("https://[fd00:ec2::254]")]
    [InlineData("https://[fc00::5]")]
    [InlineData("https://[::ffff:127.0.0.1]")]
    [InlineData("https://[::ffff:169.254.169.254]")]
    public async Task Private_loopback_link_local_and_metadata_addresses_are_refused(string endpoint)
    {
        Assert.Equal("must not point at a loopback, link-local, private or metadata address", await Policy(false).ProblemAsync(new Uri(endpoint), default));
        Assert.Null(await Policy(true).ProblemAsync(new Uri(endpoint), default));
    }

    [Theory]
    [InlineData("https://8.8.8.8")]
    [InlineData("https://172.32.0.1")]
    [InlineData("https://[2606:4700::1111]")]
    public async Task Public_addresses_over_https_are_allowed(string endpoint) =>
        Assert.Null(await Policy(false).ProblemAsync(new Uri(endpoint), default));

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
