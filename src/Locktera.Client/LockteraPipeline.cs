using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Locktera.Client;

/// <summary>
/// Sends the client's requests: the key, retries of throttled and unavailable calls (Polly through
/// Microsoft.Extensions.Http.Resilience, honouring <c>Retry-After</c>), errors as
/// <see cref="LockteraException"/>, and paged listings followed by their <c>Link</c> header.
/// </summary>
internal sealed class LockteraPipeline : IDisposable
{
    /// <summary>The largest page the API serves (docs/openapi.yaml's <c>limit</c>).</summary>
    private const int NumberedPageSize = 200;

    private readonly string _key;
    private readonly ViewingSession? _session;
    private readonly bool _ownsHttp;

    public LockteraPipeline(Uri apiUrl, string key, LockteraClientOptions options)
    {
        _key = key;
        _ownsHttp = true;
        Options = options;
        var retries = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
                // Only what the API says is worth retrying (over the rate limit, storage briefly
                // unavailable), and only a request whose body can be sent again.
                ShouldHandle = args => ValueTask.FromResult(options.MaxRetries > 0
                    && args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } result
                    && !(result.RequestMessage?.Options.TryGetValue(OneShot, out var oneShot) == true && oneShot)),
            })
            .Build();
        var handler = new ResilienceHandler(retries) { InnerHandler = options.Transport ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } };
        var baseUrl = apiUrl.ToString().EndsWith('/') ? apiUrl : new Uri(apiUrl + "/");
        Http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = options.Timeout };
    }

    /// <summary>Marks a request whose body is read as it is sent (files streamed from disk): it cannot be sent again.</summary>
    public static readonly HttpRequestOptionsKey<bool> OneShot = new("Locktera.OneShot");

    /// <summary>A pipeline on <paramref name="parent"/>'s connections and retries that authenticates with another key and carries <paramref name="session"/>.</summary>
    private LockteraPipeline(LockteraPipeline parent, string key, ViewingSession? session)
    {
        _key = key;
        _session = session;
        Options = parent.Options;
        Http = parent.Http;
    }

    public LockteraClientOptions Options { get; }

    public HttpClient Http { get; }

    /// <summary>Sends a request of <paramref name="operation"/>; the response of a success (the caller disposes it), or the error as an exception.</summary>
    public async Task<HttpResponseMessage> SendAsync(Operation operation, string[] path, HttpContent? content, CancellationToken cancellationToken,
        string? query = null, Action<HttpRequestMessage>? configure = null, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = Request(new HttpMethod(operation.Method), operation.Url(path) + query, content);
        configure?.Invoke(request);
        return await SendAsync(request, completion, cancellationToken);
    }

    /// <summary>Sends <paramref name="request"/> as it is (an absolute URL the API gave, such as a session's).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken) =>
        _session is null ? SendNowAsync(request, completion, cancellationToken) : _session.SendAsync(request, r => SendNowAsync(r, completion, cancellationToken), cancellationToken);

    private async Task<HttpResponseMessage> SendNowAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var response = await Http.SendAsync(request, completion, cancellationToken);
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified)
        {
            return response;
        }
        using (response)
        {
            throw await ErrorAsync(response, cancellationToken);
        }
    }

    /// <summary>Sends a request of <paramref name="operation"/> and reads the answer's JSON as <typeparamref name="T"/>.</summary>
    public async Task<T> SendAsync<T>(Operation operation, string[] path, object? body, CancellationToken cancellationToken, string? query = null)
    {
        using var response = await SendAsync(operation, path, body is null ? null : JsonContent.Create(body, body.GetType(), options: LockteraJson.Options), cancellationToken, query);
        return await ReadAsync<T>(response, cancellationToken);
    }

    /// <summary>Sends a request of <paramref name="operation"/> whose answer has no body worth reading.</summary>
    public async Task SendAsync(Operation operation, string[] path, object? body, CancellationToken cancellationToken, string? query = null)
    {
        using var _ = await SendAsync(operation, path, body is null ? null : JsonContent.Create(body, body.GetType(), options: LockteraJson.Options), cancellationToken, query);
    }

    /// <summary>
    /// The same API as a viewer, with a viewer token instead of the client's key: the connections
    /// (and their retries) are shared, and every request carries the viewing session the first
    /// answer started, so that one viewing counts as one open.
    /// </summary>
    public LockteraPipeline AsViewer(string viewerToken) => new(this, viewerToken, new ViewingSession());

    /// <summary>The viewing session this pipeline carries (null for an org key's).</summary>
    public string? SessionId => _session?.Id;

    /// <summary>Every item of a paged listing: page after page, as the <c>Link: rel="next"</c> header leads, while the caller reads.</summary>
    public async IAsyncEnumerable<T> PageAsync<T>(Operation operation, string[] path, string? query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var url = operation.Url(path) + query;
        while (url is not null)
        {
            using var request = Request(HttpMethod.Get, url, null);
            using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            foreach (var item in await ReadAsync<List<T>>(response, cancellationToken))
            {
                yield return item;
            }
            url = NextPage(response);
        }
    }

    /// <summary>
    /// Every item of a listing that pages by number only (no cursor, so no <c>Link</c>): pages of
    /// the largest size, one after another, until one comes back short.
    /// </summary>
    public async IAsyncEnumerable<T> PageByNumberAsync<T>(Operation operation, string[] path, string? query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var url = operation.Url(path) + (query is null ? "?" : query + "&") + $"limit={NumberedPageSize}&page=";
        for (var page = 1; ; page++)
        {
            using var request = Request(HttpMethod.Get, url + page.ToString(System.Globalization.CultureInfo.InvariantCulture), null);
            using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var items = await ReadAsync<List<T>>(response, cancellationToken);
            foreach (var item in items)
            {
                yield return item;
            }
            if (items.Count < NumberedPageSize)
            {
                yield break;
            }
        }
    }

    /// <summary>A query string of the parameters given (null ones left out), each value escaped; null when none is given.</summary>
    public static string? Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? null : "?" + string.Join('&', given);
    }

    /// <summary>
    /// A request with the key. Some URLs come from answers (a <c>Link</c>, an upload session's
    /// endpoints) or from a resume file: the key goes only to the API the client was made for, never
    /// to another origin such a URL might name.
    /// </summary>
    public HttpRequestMessage Request(HttpMethod method, string url, HttpContent? content)
    {
        var target = Http.BaseAddress is { } api ? new Uri(api, url) : new Uri(url, UriKind.Absolute);
        if (Http.BaseAddress is { } origin && Uri.Compare(origin, target, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new InvalidOperationException($"Refusing to send the API key to {target.GetLeftPart(UriPartial.Authority)}: it is not the API's origin.");
        }
        var request = new HttpRequestMessage(method, target) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        return request;
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync<T>(LockteraJson.Options, cancellationToken)
        ?? throw new LockteraException((int)response.StatusCode, 0, "The API answered an empty body.", new Dictionary<string, string>(), null);

    public void Dispose()
    {
        if (_ownsHttp)
        {
            Http.Dispose();
        }
    }

    private static string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }
        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var parts = link.Split(';');
            if (parts.Length > 1 && parts.Skip(1).Any(p => p.Trim().Equals("rel=\"next\"", StringComparison.OrdinalIgnoreCase)))
            {
                return parts[0].Trim().TrimStart('<').TrimEnd('>');
            }
        }
        return null;
    }

    private static async Task<LockteraException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = JsonDocument.Parse(text);
            var root = problem.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("Not a problem object.");
            }
            var fields = root.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object
                ? f.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal)
                : [];
            return new LockteraException(status, root.TryGetProperty("code", out var code) && code.TryGetInt32(out var c) ? c : 0,
                root.TryGetProperty("message", out var message) ? message.GetString() ?? response.ReasonPhrase ?? "" : response.ReasonPhrase ?? "",
                fields, root.TryGetProperty("trace_id", out var trace) ? trace.GetString() : null);
        }
        catch (JsonException)
        {
            // Not the API's problem shape (a proxy's page, a host's own error).
            return new LockteraException(status, 0, $"{response.ReasonPhrase}: {text[..Math.Min(text.Length, 200)]}", new Dictionary<string, string>(), null);
        }
    }
}

/// <summary>
/// A viewer's viewing session (docs/drm.md, "Opens"): the id the first decode answered in
/// <c>X-Locktera-Session</c>, sent back with every later request so that they join it rather than
/// each start one (and count one open more). Until there is one, requests go one at a time: a
/// caller that starts reading a manifest and three files at once still opens the container once.
/// </summary>
internal sealed class ViewingSession
{
    public const string Header = "X-Locktera-Session";

    private readonly Lock _lock = new();
    private Task _previous = Task.CompletedTask;
    private string? _id;

    public string? Id => Volatile.Read(ref _id);

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Func<HttpRequestMessage, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        if (Id is null)
        {
            // In line behind the request before (a chain of tasks: nothing to dispose).
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task previous;
            lock (_lock)
            {
                previous = _previous;
                _previous = mine.Task;
            }
            try
            {
                await previous.WaitAsync(cancellationToken);
                if (Id is null)
                {
                    return Keep(await send(request));
                }
            }
            finally
            {
                // A request cancelled while it waited lets the next one go only once the one before is done.
                _ = previous.ContinueWith(_ => mine.SetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        request.Headers.Remove(Header);
        request.Headers.TryAddWithoutValidation(Header, Id);
        return Keep(await send(request));
    }

    /// <summary>Keeps the session an answer names (a new one when the previous one expired).</summary>
    private HttpResponseMessage Keep(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues(Header, out var values) && values.FirstOrDefault() is { Length: > 0 } id)
        {
            Volatile.Write(ref _id, id);
        }
        return response;
    }
}
