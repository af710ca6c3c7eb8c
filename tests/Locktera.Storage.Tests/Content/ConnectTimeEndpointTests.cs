using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Storage.Blobs;
using Locktera.Core.Storage;

namespace Locktera.Storage.Tests.Content;

/// <summary>
/// The clients of an org's own storage connect only where the endpoint policy allows, judged when
/// each connection is made, whatever the host name resolved to when the configuration was saved;
/// and they follow no redirect. Against the Azurite and s3rver that scripts/test starts.
/// </summary>
public sealed class ConnectTimeEndpointTests : IDisposable
{
    /// <summary>The host name the test's resolver answers for.</summary>
    private const string Host = "storage.rebind.test";

    /// <summary>What <see cref="Host"/> resolves to now: the test changes it, as a DNS server under a tenant's control could.</summary>
    private readonly ConcurrentDictionary<string, IPAddress> _dns = new() { [Host] = IPAddress.Loopback };

    private readonly LockteraOptions _options = new() { AllowPrivateStorageEndpoints = true };
    private readonly StorageEndpointPolicy _policy;
    private readonly ContentStores _stores;

    public ConnectTimeEndpointTests()
    {
        _policy = new StorageEndpointPolicy(Options.Create(_options), (host, cancellationToken) =>
            _dns.TryGetValue(host, out var address) ? Task.FromResult<IPAddress[]>([address]) : Dns.GetHostAddressesAsync(host, cancellationToken));
        // Connect uses neither the platform account nor the stored configurations.
        _stores = new ContentStores(null!, null!, _policy, Options.Create(_options));
    }

    public void Dispose() => _policy.Dispose();

    private static readonly string Refused = $"the endpoint is not allowed: it {StorageEndpointPolicy.NotAllowed}";

    private static Uri At(string endpoint, string host)
    {
        var uri = new UriBuilder(endpoint) { Host = host };
        return uri.Uri;
    }

    /// <summary>An org's settings for the local S3 server or Azurite, reached through <paramref name="host"/>.</summary>
    private static async Task<StorageSettings> SettingsAsync(string provider, string host)
    {
        if (provider == "s3")
        {
            return new StorageSettings(StorageType.S3, Bucket: TestServices.S3Bucket, Region: "us-east-1", Host: At(TestServices.S3Endpoint, host), AccessKey: "S3RVER", Secret: "S3RVER");
        }
        var platform = new BlobServiceClient(TestServices.AzuriteConnection);
        var container = "connect" + Guid.NewGuid().ToString("N")[..12];
        await platform.GetBlobContainerClient(container).CreateAsync();
        var blobEndpoint = At(platform.Uri.ToString(), host);
        var connection = string.Join(';', TestServices.AzuriteConnection.Split(';').Where(p => p.StartsWith("Account", StringComparison.Ordinal) || p.StartsWith("DefaultEndpointsProtocol", StringComparison.Ordinal)))
            + $";BlobEndpoint={blobEndpoint}";
        return new StorageSettings(StorageType.Azure, ContainerName: container, Secret: connection);
    }

    /// <summary>(An S3 host: the Azure SDK takes a container name from the path only after an IP address, so Azurite cannot be reached by name.)</summary>
    [Fact]
    public async Task A_host_name_accepted_when_saved_is_refused_when_it_resolves_to_the_metadata_address_at_connect_time()
    {
        var settings = await SettingsAsync("s3", Host);
        Assert.Null(await _policy.ProblemAsync(settings.Endpoint!, default));

        _dns[Host] = IPAddress.Parse("169.254.169.254");
        Assert.Equal(Refused, await StorageConfigService.ProblemAsync(_stores.Connect(settings), default));

        // The same store works once the name resolves where it may: it was the address that was refused.
        _dns[Host] = IPAddress.Loopback;
        Assert.Null(await StorageConfigService.ProblemAsync(_stores.Connect(settings), default));
    }

    [Theory]
    [InlineData("s3")]
    [InlineData("azure")]
    public async Task An_endpoint_saved_under_the_development_rule_is_refused_at_connect_time_under_the_production_rule(string provider)
    {
        var settings = await SettingsAsync(provider, "127.0.0.1");
        Assert.Null(await _policy.ProblemAsync(settings.Endpoint!, default));
        using (var development = new StorageEndpointPolicy(Options.Create(new LockteraOptions { AllowPrivateStorageEndpoints = true })))
        {
            Assert.Null(await StorageConfigService.ProblemAsync(new ContentStores(null!, null!, development, Options.Create(_options)).Connect(settings), default));
        }

        _options.AllowPrivateStorageEndpoints = false;
        Assert.Equal(Refused, await StorageConfigService.ProblemAsync(_stores.Connect(settings), default));
    }

    /// <summary>An org's own store is one of the same adapters: its multipart uploads work, and connect only where the rule allows.</summary>
    [Theory]
    [InlineData("s3")]
    [InlineData("azure")]
    public async Task Multipart_uploads_to_an_orgs_own_store_work_and_are_held_to_the_rule_at_connect_time(string provider)
    {
        var settings = await SettingsAsync(provider, "127.0.0.1");
        var key = $"parts/{Guid.NewGuid():N}";
        using (var development = new StorageEndpointPolicy(Options.Create(new LockteraOptions { AllowPrivateStorageEndpoints = true })))
        {
            var store = new ContentStores(null!, null!, development, Options.Create(_options)).Connect(settings);
            var uploadId = await store.StartPartsAsync(key, default);
            var tag = await store.WritePartAsync(key, uploadId, 1, "parts"u8.ToArray(), default);
            await store.CommitPartsAsync(key, uploadId, [new ContentPart(1, tag)], default);
            await using var read = await store.OpenReadAsync(key, 0, 5, default);
            Assert.Equal("parts", await new StreamReader(read).ReadToEndAsync());
        }

        _options.AllowPrivateStorageEndpoints = false;
        var refused = _stores.Connect(settings);
        var e = await Record.ExceptionAsync(async () =>
        {
            var uploadId = await refused.StartPartsAsync(key, default);
            await refused.WritePartAsync(key, uploadId, 1, "parts"u8.ToArray(), default);
        });
        Assert.True(e is not null && StorageFailures.IsOutage(e), e?.ToString());
    }

    [Theory]
    [InlineData("s3")]
    [InlineData("azure")]
    public async Task A_redirect_is_not_followed(string provider)
    {
        using var target = new Responder(_ => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
        using var redirecting = new Responder(path => $"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{target.Port}{path}\r\nContent-Length: 0\r\n");
        var settings = provider == "s3"
            ? new StorageSettings(StorageType.S3, Bucket: "bucket", Region: "us-east-1", Host: new Uri($"http://127.0.0.1:{redirecting.Port}"), AccessKey: "key", Secret: "secret")
            : new StorageSettings(StorageType.Azure, ContainerName: "container",
                Secret: $"DefaultEndpointsProtocol=http;AccountName=account;AccountKey={Convert.ToBase64String(new byte[32])};BlobEndpoint=http://127.0.0.1:{redirecting.Port}/account");

        var problem = await StorageConfigService.ProblemAsync(_stores.Connect(settings), default);

        Assert.True(problem?.Contains("answered 307", StringComparison.Ordinal), problem);
        Assert.True(redirecting.Requests > 0);
        Assert.Equal(0, target.Requests);
    }

    /// <summary>A minimal HTTP/1.1 server on loopback that answers every request with the same head, then closes.</summary>
    private sealed class Responder : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _requests;

        public Responder(Func<string, string> head)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        using var client = await _listener.AcceptTcpClientAsync();
                        await using var stream = client.GetStream();
                        var request = await ReadHeadAsync(stream);
                        Interlocked.Increment(ref _requests);
                        var path = request.Split(' ') is [_, var target, ..] ? target : "/";
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(head(path) + "Connection: close\r\n\r\n"));
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
                {
                    // Stopped, or a client went away: the test is over.
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Requests => Volatile.Read(ref _requests);

        public void Dispose() => _listener.Stop();

        /// <summary>The request line and headers, and as much of a body as they announce.</summary>
        private static async Task<string> ReadHeadAsync(NetworkStream stream)
        {
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one) == 1)
            {
                head.Append((char)one[0]);
            }
            var text = head.ToString();
            var length = text.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(p => int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
            if (!text.Contains("100-continue", StringComparison.OrdinalIgnoreCase))
            {
                await stream.ReadExactlyAsync(new byte[length]);
            }
            return text;
        }
    }
}
