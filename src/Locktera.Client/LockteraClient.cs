namespace Locktera.Client;

/// <summary>
/// A client of the Locktera API for one organization and key, with a sub-client per resource.
/// Throttled (429) and unavailable (503) calls are retried; every other error is a
/// <see cref="LockteraException"/>. Thread-safe; keep one for the process.
/// </summary>
public sealed class LockteraClient : IDisposable
{
    private readonly LockteraPipeline _pipeline;

    /// <summary>A client with the credentials <see cref="LockteraCredentials.Resolve()"/> finds.</summary>
    public LockteraClient(LockteraClientOptions? options = null)
        : this(LockteraCredentials.Resolve(), options)
    {
    }

    public LockteraClient(LockteraCredentials credentials, LockteraClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        Credentials = credentials;
        _pipeline = new LockteraPipeline(credentials.ApiUrl, credentials.ApiKey, options ?? new LockteraClientOptions());
        Orgs = new OrgsClient(_pipeline, credentials.OrgId);
        ApiKeys = new ApiKeysClient(_pipeline, credentials.OrgId);
        Containers = new ContainersClient(_pipeline, credentials.OrgId);
    }

    public LockteraCredentials Credentials { get; }

    public OrgsClient Orgs { get; }

    public ApiKeysClient ApiKeys { get; }

    public ContainersClient Containers { get; }

    /// <summary>The health of the service (no key needed).</summary>
    public Task<ServiceStatus> GetServiceStatusAsync(CancellationToken cancellationToken = default) =>
        _pipeline.SendAsync<ServiceStatus>(Operations.GetServiceStatus, [], null, cancellationToken);

    public void Dispose() => _pipeline.Dispose();
}
