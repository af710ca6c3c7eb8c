namespace Locktera.Client;

/// <summary>How a <see cref="LockteraClient"/> behaves; every setting has a default that suits most callers.</summary>
public sealed class LockteraClientOptions
{
    /// <summary>How often a call answered 429 or 503 is sent again (after the server's <c>Retry-After</c>, else an exponential backoff with jitter).</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>The first backoff when the server names none; each retry doubles it.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Containers of more bytes than this are sent in an upload session; smaller ones in one request.</summary>
    public long SingleRequestLimit { get; set; } = 32 * 1024 * 1024;

    /// <summary>How many parts of an upload session are sent at once.</summary>
    public int UploadParallelism { get; set; } = 4;

    /// <summary>How often one part is sent again after its connection failed, before the upload gives up (it can be resumed).</summary>
    public int PartAttempts { get; set; } = 4;

    /// <summary>How long one request may take (a part, a page, a decode's headers).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The handler that sends the requests (tests, proxies); by default a <see cref="SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler? Transport { get; set; }
}
