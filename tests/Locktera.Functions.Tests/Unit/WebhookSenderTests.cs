using System.Globalization;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Locktera.Core.Content;
using Locktera.Core.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// One delivery attempt against receivers on loopback (development mode, as the tests and
/// scripts/run allow private endpoints), and the endpoint rule in production mode, where the host
/// names resolve through the test's own resolver and nothing is ever connected to outside loopback.
/// </summary>
public sealed class WebhookSenderTests : IDisposable
{
    private const string Id = "msg_0192f0c1d2e3";
    private static readonly byte[] Body = """{"type":"container.access","timestamp":"2026-01-01T00:00:00Z","data":{}}"""u8.ToArray();
    private static readonly DateTimeOffset Timestamp = DateTimeOffset.UtcNow;

    /// <summary>The test's DNS: what each name resolves to now. Any other name does not resolve.</summary>
    private readonly ConcurrentDictionary<string, IPAddress> _dns = new() { ["hooks.example.com"] = IPAddress.Parse("93.184.215.14") };
    private int _lookups;
    private readonly List<IDisposable> _disposables = [];

    public void Dispose() => _disposables.ForEach(d => d.Dispose());

    private Task<IPAddress[]> Resolve(string host, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lookups);
        return _dns.TryGetValue(host, out var address) ? Task.FromResult<IPAddress[]>([address]) : throw new SocketException((int)SocketError.HostNotFound);
    }

    private StorageEndpointPolicy Policy(bool development)
    {
        var policy = new StorageEndpointPolicy(Options.Create(new LockteraOptions { AllowPrivateStorageEndpoints = development }), Resolve);
        _disposables.Add(policy);
        return policy;
    }

    private WebhookSender Sender(bool development = true, TimeProvider? time = null, TimeSpan? timeout = null, ILogger<WebhookSender>? logger = null)
    {
        var sender = new WebhookSender(Policy(development), time ?? TimeProvider.System, logger ?? NullLogger<WebhookSender>.Instance, timeout);
        _disposables.Add(sender);
        return sender;
    }

    private static Task<WebhookAttempt> SendAsync(WebhookSender sender, Uri url, params string[] secrets) =>
        sender.SendAsync(url, Id, Timestamp, Body, secrets.Length > 0 ? secrets : [WebhookSignature.NewSecret()], default);

    /// <summary>A bound on waits for the receiver's side, which runs on other threads (never reached when all is well).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_delivery_is_a_signed_POST_that_the_Standard_Webhooks_library_verifies_and_a_2xx_succeeds()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(204);
        var secret = WebhookSignature.NewSecret();
        var before = DateTimeOffset.UtcNow;

        var attempt = await SendAsync(Sender(), receiver.Url("/hooks/locktera?token=receivers-own"), secret);

        Assert.True(attempt.Succeeded);
        Assert.Equal(204, attempt.StatusCode);
        Assert.Null(attempt.Error);
        Assert.Null(attempt.ResponseSnippet);
        Assert.InRange(attempt.At, before, DateTimeOffset.UtcNow);
        Assert.InRange(attempt.Latency, TimeSpan.FromTicks(1), WebhookSender.DefaultTimeout);
        var request = Assert.Single(receiver.Received);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks/locktera?token=receivers-own", request.PathAndQuery);
        Assert.Equal(Body, request.Body);
        Assert.Equal("application/json", request.Header("content-type"));
        Assert.Equal("Locktera-Webhooks/1", request.Header("user-agent"));
        Assert.Equal(Id, request.Header("webhook-id"));
        Assert.Equal(Timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), request.Header("webhook-timestamp"));
        new StandardWebhook(secret).Verify(Encoding.UTF8.GetString(request.Body), new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => new StringValues(h.Value))));
    }

    [Fact]
    public async Task A_delivery_during_a_rotation_carries_one_signature_for_each_secret()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);
        var (current, old) = (WebhookSignature.NewSecret(), WebhookSignature.NewSecret());

        Assert.True((await SendAsync(Sender(), receiver.Url(), current, old)).Succeeded);

        Assert.Equal(WebhookSignature.Sign(Id, Timestamp, Body, [current, old]), Assert.Single(receiver.Received).Header("webhook-signature"));
    }

    [Theory]
    [InlineData(500, "status_500")]
    [InlineData(410, "status_410")]
    [InlineData(404, "status_404")]
    [InlineData(429, "status_429")]
    public async Task An_answer_other_than_2xx_fails_with_its_status(int status, string error)
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(status, "{\"error\":\"no\"}");

        var attempt = await SendAsync(Sender(), receiver.Url());

        Assert.False(attempt.Succeeded);
        Assert.Equal(status, attempt.StatusCode);
        Assert.Equal(error, attempt.Error);
        Assert.Equal("{\"error\":\"no\"}", attempt.ResponseSnippet);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_a_failed_attempt_and_is_not_followed(int status)
    {
        await using var target = await WebhookReceiver.AnsweringAsync(200);
        await using var redirecting = await WebhookReceiver.StartAsync(context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = target.Url().ToString();
            return Task.CompletedTask;
        });

        var attempt = await SendAsync(Sender(), redirecting.Url());

        Assert.False(attempt.Succeeded);
        Assert.Equal(status, attempt.StatusCode);
        Assert.Equal(WebhookAttempt.RedirectNotFollowed, attempt.Error);
        Assert.Single(redirecting.Received);
        Assert.Empty(target.Received);
    }

    /// <summary>On the service's clock (a fake one here): the attempt ends at its limit to the tick, and not before.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public async Task A_receiver_that_never_answers_times_out_at_the_limit(int? seconds)
    {
        var clock = new FakeTimeProvider(Timestamp);
        var limit = seconds is { } s ? TimeSpan.FromSeconds(s) : WebhookSender.DefaultTimeout;
        await using var receiver = await WebhookReceiver.SilentAsync();

        var sending = SendAsync(Sender(time: clock, timeout: seconds is null ? null : limit), receiver.Url());
        await receiver.FirstRequest.WaitAsync(Patience);
        clock.Advance(limit - TimeSpan.FromTicks(1));
        Assert.False(sending.IsCompleted);
        clock.Advance(TimeSpan.FromTicks(1));
        var attempt = await sending.WaitAsync(Patience);

        Assert.False(attempt.Succeeded);
        Assert.Null(attempt.StatusCode);
        Assert.Equal(WebhookAttempt.Timeout, attempt.Error);
        Assert.Equal(limit, attempt.Latency);
        Assert.Equal(Timestamp, attempt.At);
    }

    /// <summary>
    /// The limit is the whole attempt's: an answer whose body never ends is cut at it, and keeps its
    /// status and what had arrived. On the real clock: the sender must have read the start of the body
    /// before the limit, which nothing outside it can tell.
    /// </summary>
    [Fact]
    public async Task An_answer_whose_body_never_ends_is_cut_at_the_limit_and_keeps_its_status()
    {
        var limit = TimeSpan.FromSeconds(1);
        await using var receiver = await WebhookReceiver.StartAsync(async context =>
        {
            await context.Response.WriteAsync("accepted, ");
            await context.Response.Body.FlushAsync();
            var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            context.RequestAborted.Register(gone.SetResult);
            await gone.Task;
        });

        var attempt = await SendAsync(Sender(timeout: limit), receiver.Url()); // real time: the 1 s limit runs out

        Assert.True(attempt.Succeeded);
        Assert.Equal(200, attempt.StatusCode);
        Assert.Equal("accepted, ", attempt.ResponseSnippet);
        // The system's timers fire to within their tick of the time they were set for.
        Assert.InRange(attempt.Latency, limit - TimeSpan.FromMilliseconds(50), Patience);
    }

    /// <summary>
    /// An answer longer than the limit is not read to its end: its connection is closed, so the next
    /// attempt comes on a new one, where an answer read whole (or drained: SocketsHttpHandler would
    /// read up to a megabyte more to keep the connection) would have left it for reuse. What the
    /// receiver manages to write first says nothing: the two ends' socket buffers hold megabytes.
    /// </summary>
    [Theory]
    [InlineData(256 * 1024)]
    [InlineData(10 * 1024 * 1024)]
    public async Task An_answer_longer_than_64_KiB_is_cut_off_not_read_to_its_end(int length)
    {
        await using var receiver = await WebhookReceiver.StartAsync(async context =>
        {
            context.Response.ContentLength = length;
            var chunk = Enumerable.Repeat((byte)'a', 64 * 1024).ToArray();
            try
            {
                // Kestrel drops writes to a connection its client has closed rather than fail them.
                for (var sent = 0; sent < length && !context.RequestAborted.IsCancellationRequested; sent += chunk.Length)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The sender closed the connection: the rest of the answer is never sent.
            }
        });
        var sender = Sender();

        var attempt = await SendAsync(sender, receiver.Url());
        await SendAsync(sender, receiver.Url());

        Assert.True(attempt.Succeeded);
        Assert.Equal(new string('a', WebhookSender.SnippetBytes), attempt.ResponseSnippet);
        Assert.Equal(2, receiver.Received.Select(r => r.ConnectionId).Distinct().Count());
    }

    /// <summary>Why the sender reads up to 64 KiB rather than only its snippet: a shorter answer read to its end leaves its connection for the next attempt.</summary>
    [Fact]
    public async Task An_answer_shorter_than_64_KiB_is_read_whole_and_its_connection_kept()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200, new string('a', WebhookSender.MaxResponseBytes - 1));
        var sender = Sender();

        Assert.True((await SendAsync(sender, receiver.Url())).Succeeded);
        Assert.True((await SendAsync(sender, receiver.Url())).Succeeded);

        Assert.Single(receiver.Received.Select(r => r.ConnectionId).Distinct());
    }

    [Fact]
    public async Task The_snippet_of_an_answer_shows_its_control_characters_escaped()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(400, "bad\r\nforged: line\u0007");

        var attempt = await SendAsync(Sender(), receiver.Url());

        Assert.Equal("bad\\u000D\\u000Aforged: line\\u0007", attempt.ResponseSnippet);
    }

    [Fact]
    public async Task A_receiver_that_closes_the_connection_without_answering_is_reported_so()
    {
        await using var receiver = await WebhookReceiver.StartAsync(context =>
        {
            context.Abort();
            return Task.CompletedTask;
        });

        var attempt = await SendAsync(Sender(), receiver.Url());

        Assert.Null(attempt.StatusCode);
        Assert.Equal(WebhookAttempt.NoResponse, attempt.Error);
    }

    [Fact]
    public async Task A_port_where_nothing_listens_is_a_refused_connection()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var attempt = await SendAsync(Sender(), new Uri($"http://127.0.0.1:{port}/hooks"));

        Assert.Null(attempt.StatusCode);
        Assert.Equal(WebhookAttempt.ConnectionRefused, attempt.Error);
    }

    [Fact]
    public async Task Https_to_a_receiver_without_tls_is_a_tls_error()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);

        var attempt = await SendAsync(Sender(), new Uri($"https://127.0.0.1:{receiver.Port}/hooks"));

        Assert.Equal(WebhookAttempt.TlsError, attempt.Error);
        Assert.Empty(receiver.Received);
    }

    /// <summary>
    /// One handler serves every tenant's endpoints, storage and webhook receivers alike: a cookie that
    /// one sets must not come back with the next request, which may be another org's.
    /// </summary>
    [Fact]
    public async Task A_cookie_an_endpoint_sets_is_never_sent_back()
    {
        await using var receiver = await WebhookReceiver.StartAsync(context =>
        {
            context.Response.Headers.SetCookie = "session=first-tenant; Path=/";
            return Task.CompletedTask;
        });
        var sender = Sender();
        using var storageClient = new HttpClient(Policy(development: true).Handler, disposeHandler: false);

        for (var i = 0; i < 2; i++)
        {
            Assert.True((await SendAsync(sender, receiver.Url())).Succeeded);
            (await storageClient.GetAsync(receiver.Url())).EnsureSuccessStatusCode();
        }

        Assert.Equal(4, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Null(r.Header("cookie")));
    }

    [Fact]
    public async Task Nothing_but_the_host_of_the_url_is_logged_and_no_secret()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(500);
        using var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(logs));
        var secret = WebhookSignature.NewSecret();

        await SendAsync(Sender(logger: factory.CreateLogger<WebhookSender>()), receiver.Url("/hooks/path-of-receiver?token=receivers-own"), secret);
        await SendAsync(Sender(logger: factory.CreateLogger<WebhookSender>()), new Uri("http://user:password@127.0.0.1/hooks?token=receivers-own"), secret);

        var line = Assert.Single(logs.Lines, l => l.Contains("status_500", StringComparison.Ordinal));
        Assert.Contains($"{Id} to 127.0.0.1", line, StringComparison.Ordinal);
        Assert.Contains(logs.Lines, l => l.Contains(WebhookAttempt.UrlNotAllowed, StringComparison.Ordinal));
        var signature = WebhookSignature.Sign(Id, Timestamp, Body, [secret]);
        foreach (var hidden in new[] { "receivers-own", "path-of-receiver", "password", secret, secret[6..], signature[3..] })
        {
            Assert.DoesNotContain(logs.Lines, l => l.Contains(hidden, StringComparison.Ordinal));
        }
    }

    /// <summary>What the lead's subscriptions check when a URL is saved, and what an attempt to such a URL does: sends nothing.</summary>
    public static TheoryData<string, string> UrlsOfTheWrongForm => new()
    {
        { "http://hooks.example.com/", "must use https" },
        { "ftp://hooks.example.com/", "must use https" },
        { "https://user:password@hooks.example.com/", "must not carry a user name or password" },
        { "https://token@hooks.example.com/", "must not carry a user name or password" },
        { "https://hooks.example.com/in#fragment", "must not have a fragment" },
        { "https://hooks.example.com/#", "must not have a fragment" },
        { "/hooks", "must be an absolute URL" },
    };

    [Theory]
    [MemberData(nameof(UrlsOfTheWrongForm))]
    public async Task A_url_of_the_wrong_form_is_refused_when_saved_and_nothing_is_sent_to_it(string text, string problem)
    {
        var url = new Uri(text, UriKind.RelativeOrAbsolute);
        var sender = Sender(development: false);

        Assert.Equal(problem, await sender.UrlProblemAsync(url, default));
        var attempt = await SendAsync(sender, url);

        Assert.Equal(WebhookAttempt.UrlNotAllowed, attempt.Error);
        Assert.Null(attempt.StatusCode);
        Assert.Equal(0, _lookups);
    }

    [Fact]
    public async Task Development_mode_allows_http_to_loopback()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);

        Assert.Null(await Sender(development: true).UrlProblemAsync(receiver.Url(), default));
        Assert.Equal("must use https", await Sender(development: false).UrlProblemAsync(receiver.Url(), default));
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/", false)]
    [InlineData("https://169.254.169.254/latest/meta-data/", true)]
    [InlineData("https://[fd00:ec2::254]/", true)]
    [InlineData("https://10.0.0.1/hooks", false)]
    [InlineData("https://127.0.0.1/hooks", false)]
    [InlineData("https://[::1]/hooks", false)]
    public async Task An_address_the_policy_refuses_is_refused_when_saved_and_when_connecting(string text, bool development)
    {
        var url = new Uri(text);
        var sender = Sender(development);

        Assert.Equal(StorageEndpointPolicy.NotAllowed, await sender.UrlProblemAsync(url, default));
        var attempt = await SendAsync(sender, url);

        Assert.Equal(WebhookAttempt.AddressNotAllowed, attempt.Error);
        Assert.Null(attempt.StatusCode);
    }

    /// <summary>
    /// DNS rebinding: the name resolved to a public address when the subscription was saved and to
    /// loopback, where a receiver listens, when the attempt connects. Had the sender connected, the
    /// attempt would have been a TLS error against the plain-http receiver, not a refusal.
    /// </summary>
    [Fact]
    public async Task A_host_name_that_passed_when_saved_is_refused_when_it_resolves_to_a_private_address_at_connect_time()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);
        var url = new Uri($"https://hooks.rebind.test:{receiver.Port}/hooks");
        var sender = Sender(development: false);
        _dns["hooks.rebind.test"] = IPAddress.Parse("93.184.215.14");
        Assert.Null(await sender.UrlProblemAsync(url, default));

        _dns["hooks.rebind.test"] = IPAddress.Loopback;
        var lookups = _lookups;
        var attempt = await SendAsync(sender, url);

        Assert.Equal(WebhookAttempt.AddressNotAllowed, attempt.Error);
        Assert.True(_lookups > lookups, "the attempt resolved the name again as it connected");
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task A_host_name_that_does_not_resolve_is_refused_when_saved_and_a_dns_failure_when_sending()
    {
        var url = new Uri("https://nowhere.example/hooks");
        var sender = Sender(development: false);

        Assert.Equal("has a host name that does not resolve", await sender.UrlProblemAsync(url, default));
        Assert.Equal(WebhookAttempt.DnsFailure, (await SendAsync(sender, url)).Error);
    }

    /// <summary>The registered sender is the one the lead's delivery function gets: held to the configured rule.</summary>
    [Fact]
    public async Task The_registered_sender_delivers_under_the_configured_rule()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Locktera:OperatorKey"] = new string('o', 40),
            ["Locktera:MasterKey"] = Convert.ToBase64String(new byte[32]),
            ["Locktera:AllowPrivateStorageEndpoints"] = "true",
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddLockteraCore(configuration, "Storage").BuildServiceProvider();
        var sender = services.GetRequiredService<WebhookSender>();

        Assert.Same(sender, services.GetRequiredService<WebhookSender>());
        Assert.Null(await sender.UrlProblemAsync(receiver.Url(), default));
        Assert.True((await SendAsync(sender, receiver.Url())).Succeeded);
    }
}
