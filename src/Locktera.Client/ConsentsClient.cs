namespace Locktera.Client;

/// <summary>
/// Consents: the node's own and its viewers' (by <see cref="ConsentFilter.Email"/>), current and
/// as they changed. <see cref="Viewers"/> reads and records one viewer's.
/// </summary>
public sealed class ConsentsClient : SubClient
{
    internal ConsentsClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId) => Viewers = new ViewerConsentsClient(pipeline);

    /// <summary>One viewer's consents, as the organization records them for it.</summary>
    public ViewerConsentsClient Viewers { get; }

    /// <summary>The current consents, in order of subject (`org` for the node's own, else the viewer's email, compared escaped), then of consent id.</summary>
    public IAsyncEnumerable<Consent> ListAsync(ConsentFilter? filter = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<Consent>(Operations.ListOrgConsents, [OrgId], LockteraPipeline.Query(("email", filter?.Email), ("consent_id", filter?.ConsentId)), cancellationToken);

    /// <summary>Records the node's own consent (or, with <see cref="ConsentInput.Email"/>, a viewer's) to <paramref name="consentId"/>.</summary>
    public Task<Consent> SetAsync(string consentId, ConsentInput consent, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Consent>(Operations.PutOrgConsent, [OrgId, consentId], consent, cancellationToken);

    /// <summary>Every change, each the consent as it was set.</summary>
    public IAsyncEnumerable<Consent> ListHistoryAsync(ConsentFilter? filter = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageByNumberAsync<Consent>(Operations.ListOrgConsentHistory, [OrgId], LockteraPipeline.Query(
            ("email", filter?.Email), ("consent_id", filter?.ConsentId), ("start", filter?.Start?.ToString("O")), ("end", filter?.End?.ToString("O"))), cancellationToken);
}

/// <summary>A viewer's consents: with an org key, the viewer's in that organization; with a viewer token (<see cref="ViewerClient.Consents"/>), its own.</summary>
public sealed class ViewerConsentsClient
{
    private readonly LockteraPipeline _pipeline;

    internal ViewerConsentsClient(LockteraPipeline pipeline) => _pipeline = pipeline;

    public async Task<IReadOnlyList<Consent>> ListAsync(string email, CancellationToken cancellationToken = default) =>
        await _pipeline.SendAsync<List<Consent>>(Operations.ListViewerConsents, [email], null, cancellationToken);

    /// <summary>Records the viewer's decision on <paramref name="consentId"/>.</summary>
    public Task<Consent> SetAsync(string email, string consentId, ConsentInput consent, CancellationToken cancellationToken = default) =>
        _pipeline.SendAsync<Consent>(Operations.PutViewerConsent, [email, consentId], consent, cancellationToken);

    /// <summary>Every change of the viewer's consents.</summary>
    public IAsyncEnumerable<Consent> ListHistoryAsync(string email, ConsentFilter? filter = null, CancellationToken cancellationToken = default) =>
        _pipeline.PageByNumberAsync<Consent>(Operations.ListViewerConsentHistory, [email], LockteraPipeline.Query(
            ("consent_id", filter?.ConsentId), ("start", filter?.Start?.ToString("O")), ("end", filter?.End?.ToString("O"))), cancellationToken);
}
