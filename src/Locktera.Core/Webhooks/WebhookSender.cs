using System.Buffers;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Locktera.Core.Content;
using Locktera.Core.Validation;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Webhooks;

/// <summary>
/// What one delivery attempt came to: when it started (<paramref name="At"/>), how long it took, up to
/// the end of the answer as far as it was read (<paramref name="Latency"/>), the receiver's status
/// when it answered at all. <paramref name="Error"/> is null for a 2xx and otherwise one
/// of a fixed set of short reasons (the constants below, or <c>status_{code}</c> for an answer other
/// than 2xx and 3xx), safe to show the subscription's owner: never an exception's message, which may
/// quote internals. <paramref name="ResponseSnippet"/> is the start of the receiver's answer (its
/// first KiB as text, control characters escaped; null for an empty one), for the owner to see what
/// their receiver said; nothing else of the answer is kept.
/// </summary>
public sealed record WebhookAttempt(DateTimeOffset At, int? StatusCode, TimeSpan Latency, string? Error, string? ResponseSnippet)
{
    /// <summary>No answer within the sender's time limit (15 seconds unless configured otherwise).</summary>
    public const string Timeout = "timeout";

    /// <summary>The URL is not one the service sends to (its scheme, user name or password, fragment); nothing was sent.</summary>
    public const string UrlNotAllowed = "url_not_allowed";

    /// <summary>The host resolved, at connect time, to no address the endpoint policy allows; nothing was sent.</summary>
    public const string AddressNotAllowed = "address_not_allowed";

    public const string DnsFailure = "dns_failure";
    public const string ConnectionRefused = "connection_refused";

    /// <summary>The connection failed otherwise: unreachable, reset while sending.</summary>
    public const string ConnectionFailed = "connection_failed";

    public const string TlsError = "tls_error";

    /// <summary>The receiver closed or reset the connection without answering.</summary>
    public const string NoResponse = "no_response";

    /// <summary>The receiver's answer was not valid HTTP, or its headers were beyond the client's limits.</summary>
    public const string InvalidResponse = "invalid_response";

    /// <summary>The receiver answered 3xx: redirects are never followed (the URL should be updated instead).</summary>
    public const string RedirectNotFollowed = "redirect_not_followed";

    /// <summary>The spec's definition of success: a 2xx answer.</summary>
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends one delivery attempt of a webhook: a POST of the body, signed as Standard Webhooks 1.0 says
/// (<see cref="WebhookSignature"/>), held to the rule for tenants' endpoints
/// (<see cref="StorageEndpointPolicy"/>: https to public addresses, checked as each connection is made,
/// no proxy, no redirect followed) and to a total time limit; at most <see cref="MaxResponseBytes"/>
/// of the answer is read. It reports what happened and never throws for anything the receiver or the
/// network did; it throws when the caller cancels, and for a malformed id or secret (its caller's bug).
/// </summary>
/// <remarks>
/// Its own connection pool rather than the storage clients': receivers are arbitrary hosts of any
/// tenant, and an answer left unread is cut off (the connection is closed) instead of drained as the
/// storage pool would, so a receiver can never make the service read more than the limit.
/// A URL's query may carry the receiver's own token: the sender logs the host, never the URL.
/// </remarks>
public sealed partial class WebhookSender : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How much of an answer is read; the rest is not, and its connection is closed.</summary>
    public const int MaxResponseBytes = 64 * 1024;

    /// <summary>How much of the answer is kept as <see cref="WebhookAttempt.ResponseSnippet"/>.</summary>
    public const int SnippetBytes = 1024;

    private readonly StorageEndpointPolicy _endpoints;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookSender> _logger;
    private readonly TimeSpan _timeout;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _client;

    /// <param name="timeout">The whole attempt's limit, connecting and reading the answer included: <see cref="DefaultTimeout"/> unless given.</param>
    public WebhookSender(StorageEndpointPolicy endpoints, TimeProvider time, ILogger<WebhookSender> logger, TimeSpan? timeout = null)
    {
        _endpoints = endpoints;
        _time = time;
        _logger = logger;
        _timeout = timeout ?? DefaultTimeout;
        _handler = endpoints.NewHandler();
        // An answer left unread closes its connection rather than being drained (see remarks).
        _handler.MaxResponseDrainSize = 0;
        // The attempt's own deadline (on the service's clock) is the limit, not the client's.
        _client = new HttpClient(_handler, disposeHandler: false) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Why <paramref name="url"/> may not be a subscription's URL, in words that follow "the URL",
    /// or null when it may: an absolute https URL (http too in development) without a user name,
    /// password or fragment (they would be kept, and shown, with the URL), whose host resolves only to
    /// addresses the endpoint policy allows. Checked when a subscription is saved; every attempt is
    /// checked again as it connects.
    /// </summary>
    public async Task<string?> UrlProblemAsync(Uri url, CancellationToken cancellationToken) =>
        FormProblem(url) ?? await _endpoints.ProblemAsync(url, cancellationToken);

    /// <summary>
    /// Posts <paramref name="body"/> to <paramref name="url"/> with the headers of Standard Webhooks
    /// (<c>webhook-id</c>, <c>webhook-timestamp</c> in Unix seconds, <c>webhook-signature</c> with one
    /// signature for each of <paramref name="secrets"/>, in their order) and reports the attempt.
    /// </summary>
    /// <param name="webhookId">The delivery's id, the same on every retry: 1 to 128 ASCII letters, digits, '_' or '-'.</param>
    public async Task<WebhookAttempt> SendAsync(Uri url, string webhookId, DateTimeOffset timestamp, byte[] body, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var signature = WebhookSignature.Sign(webhookId, timestamp, body, secrets);
        var at = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var (status, error, snippet) = FormProblem(url) is null
            ? await PostAsync(url, webhookId, timestamp, body, signature, cancellationToken)
            : (null, WebhookAttempt.UrlNotAllowed, null);
        var attempt = new WebhookAttempt(at, status, _time.GetElapsedTime(started), error, snippet);
        LogAttempt(_logger, webhookId, url.IsAbsoluteUri ? url.Host : "", error ?? "delivered", (long)attempt.Latency.TotalMilliseconds);
        return attempt;
    }

    public void Dispose()
    {
        _client.Dispose();
        _handler.Dispose();
    }

    private async Task<(int? Status, string? Error, string? Snippet)> PostAsync(
        Uri url, string webhookId, DateTimeOffset timestamp, byte[] body, string signature, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Locktera-Webhooks", "1"));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var limit = new CancellationTokenSource(_timeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (null, WebhookAttempt.Timeout, null);
        }
        catch (HttpRequestException e)
        {
            return (null, Reason(e), null);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            var error = status switch
            {
                >= 200 and < 300 => null,
                >= 300 and < 400 => WebhookAttempt.RedirectNotFollowed,
                _ => string.Create(CultureInfo.InvariantCulture, $"status_{status}"),
            };
            return (status, error, await SnippetAsync(response.Content, deadline.Token, cancellationToken));
        }
    }

    /// <summary>
    /// The first <see cref="SnippetBytes"/> of the answer as visible text, having read at most
    /// <see cref="MaxResponseBytes"/> of it (within the attempt's deadline); null when it is empty.
    /// The answer's status is what counts: an answer that breaks off or outlasts the deadline while
    /// its body is read keeps its status and what had been read.
    /// </summary>
    private static async Task<string?> SnippetAsync(HttpContent content, CancellationToken deadline, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxResponseBytes);
        var read = 0;
        try
        {
            await using var stream = await content.ReadAsStreamAsync(deadline);
            int n;
            while (read < MaxResponseBytes && (n = await stream.ReadAsync(buffer.AsMemory(read, MaxResponseBytes - read), deadline)) > 0)
            {
                read += n;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The status has arrived; the rest of the answer is not needed.
        }
        try
        {
            return read == 0 ? null : VisibleText.Escape(Encoding.UTF8.GetString(buffer, 0, Math.Min(read, SnippetBytes)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private string? FormProblem(Uri url) =>
        !url.IsAbsoluteUri ? "must be an absolute URL"
        : _endpoints.SchemeProblem(url) is { } scheme ? scheme
        : url.UserInfo.Length > 0 ? "must not carry a user name or password"
        : url.OriginalString.Contains('#', StringComparison.Ordinal) ? "must not have a fragment"
        : null;

    /// <summary>The fixed reason of a failed request, from the innermost cause that names one.</summary>
    private static string Reason(HttpRequestException failure)
    {
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case EndpointRefusedException:
                    return WebhookAttempt.AddressNotAllowed;
                case AuthenticationException:
                    return WebhookAttempt.TlsError;
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return WebhookAttempt.DnsFailure;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return WebhookAttempt.ConnectionRefused;
                case SocketException { SocketErrorCode: SocketError.ConnectionReset }:
                    return WebhookAttempt.NoResponse;
            }
        }
        return failure.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => WebhookAttempt.DnsFailure,
            HttpRequestError.SecureConnectionError => WebhookAttempt.TlsError,
            HttpRequestError.ResponseEnded => WebhookAttempt.NoResponse,
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError or HttpRequestError.ConfigurationLimitExceeded => WebhookAttempt.InvalidResponse,
            _ => WebhookAttempt.ConnectionFailed,
        };
    }

    // The host only: the URL's path and query may hold the receiver's own secret.
    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {WebhookId} to {Host}: {Outcome} after {LatencyMs} ms")]
    private static partial void LogAttempt(ILogger logger, string webhookId, string host, string outcome, long latencyMs);
}
