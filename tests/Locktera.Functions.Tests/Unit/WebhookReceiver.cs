using System.Collections.Concurrent;
using System.Net;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// A webhook receiver for tests: Kestrel on loopback over http. It keeps each request it receives
/// (read whole), then answers it as the test says.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WebhookReceiver(Func<HttpContext, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        // A request still held open when the test ends is cut off, not waited for.
        builder.WebHost.UseShutdownTimeout(TimeSpan.Zero);
        _app = builder.Build();
        _app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            _received.Enqueue(new ReceivedWebhook(context.Connection.Id, context.Request.Method, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            _first.TrySetResult();
            await answer(context);
        });
    }

    /// <summary>Starts a receiver that answers every request with <paramref name="answer"/>.</summary>
    public static async Task<WebhookReceiver> StartAsync(Func<HttpContext, Task> answer)
    {
        var receiver = new WebhookReceiver(answer);
        await receiver._app.StartAsync();
        return receiver;
    }

    /// <summary>Starts a receiver that answers every request with <paramref name="status"/> and <paramref name="body"/>.</summary>
    public static Task<WebhookReceiver> AnsweringAsync(int status, string body = "") => StartAsync(context =>
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(body);
    });

    /// <summary>A receiver that never answers: each request is held until its client goes away.</summary>
    public static Task<WebhookReceiver> SilentAsync() => StartAsync(context =>
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        context.RequestAborted.Register(gone.SetResult);
        return gone.Task;
    });

    public int Port => new Uri(_app.Urls.Single()).Port;

    public Uri Url(string pathAndQuery = "/hooks") => new($"http://127.0.0.1:{Port}{pathAndQuery}");

    /// <summary>The requests received so far, in order.</summary>
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>Completes when the first request has been received.</summary>
    public Task FirstRequest => _first.Task;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A request as a receiver got it, and the connection it came on; header names are matched ignoring case.</summary>
public sealed record ReceivedWebhook(string ConnectionId, string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
