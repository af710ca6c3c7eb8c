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
        Drm = new DrmClient(_pipeline, credentials.OrgId);
        Viewers = new ViewersClient(_pipeline, credentials.OrgId);
        Events = new EventsClient(_pipeline, credentials.OrgId);
        Tags = new TagsClient(_pipeline, credentials.OrgId);
        Addresses = new AddressesClient(_pipeline, credentials.OrgId);
        Storage = new StorageClient(_pipeline, credentials.OrgId);
        Customizations = new CustomizationsClient(_pipeline, credentials.OrgId);
        ErrorLog = new ErrorLogClient(_pipeline, credentials.OrgId);
        Consents = new ConsentsClient(_pipeline, credentials.OrgId);
        Usage = new UsageClient(_pipeline, credentials.OrgId);
        Audit = new AuditClient(_pipeline, credentials.OrgId);
        Webhooks = new WebhooksClient(_pipeline, credentials.OrgId);
    }

    public LockteraCredentials Credentials { get; }

    public OrgsClient Orgs { get; }

    public ApiKeysClient ApiKeys { get; }

    public ContainersClient Containers { get; }

    public DrmClient Drm { get; }

    public ViewersClient Viewers { get; }

    public EventsClient Events { get; }

    public TagsClient Tags { get; }

    public AddressesClient Addresses { get; }

    public StorageClient Storage { get; }

    public CustomizationsClient Customizations { get; }

    public ErrorLogClient ErrorLog { get; }

    public ConsentsClient Consents { get; }

    public UsageClient Usage { get; }

    public AuditClient Audit { get; }

    public WebhooksClient Webhooks { get; }

    /// <summary>
    /// The API as the viewer <paramref name="viewerToken"/> was issued to (<see cref="ViewersClient.IssueTokenAsync"/>),
    /// on this client's connections and retries. Needs no disposing: it lives as long as this client.
    /// </summary>
    public ViewerClient ForViewer(string viewerToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(viewerToken);
        return new ViewerClient(_pipeline.AsViewer(viewerToken));
    }

    /// <summary>The health of the service (no key needed).</summary>
    public Task<ServiceStatus> GetServiceStatusAsync(CancellationToken cancellationToken = default) =>
        _pipeline.SendAsync<ServiceStatus>(Operations.GetServiceStatus, [], null, cancellationToken);

    /// <summary>The API's OpenAPI 3.1 document, as this instance serves it.</summary>
    public Task<System.Text.Json.Nodes.JsonObject> GetOpenApiDocumentAsync(CancellationToken cancellationToken = default) =>
        _pipeline.SendAsync<System.Text.Json.Nodes.JsonObject>(Operations.GetOpenApiDocument, [], null, cancellationToken);

    public void Dispose() => _pipeline.Dispose();
}
