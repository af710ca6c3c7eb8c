namespace Locktera.Client;

/// <summary>The viewers of the organization's containers: their tokens, their attempts, and lifting a lockout.</summary>
public sealed class ViewersClient : SubClient
{
    internal ViewersClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>
    /// A token for <paramref name="email"/> to view one container (its decode routes and DRM
    /// context, nothing else), for <paramref name="lifetime"/> (an hour when null, at most 7 days).
    /// Hand it to the viewer, who uses it through <see cref="LockteraClient.ForViewer"/>.
    /// </summary>
    public Task<ViewerToken> IssueTokenAsync(Guid containerId, string email, TimeSpan? lifetime = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<ViewerToken>(Operations.IssueViewerToken, [OrgId, containerId.ToString()],
            new { email, ttl_seconds = lifetime is { } l ? (int?)Math.Ceiling(l.TotalSeconds) : null }, cancellationToken);

    /// <summary>Every viewer who tried the container: wrong passwords, lockout, opens.</summary>
    public async Task<IReadOnlyList<ViewerAttempt>> ListAttemptsAsync(Guid containerId, CancellationToken cancellationToken = default) =>
        await Pipeline.SendAsync<List<ViewerAttempt>>(Operations.ListViewerAttempts, [OrgId, containerId.ToString()], null, cancellationToken);

    /// <summary>Lets a viewer locked out by wrong passwords try again.</summary>
    public Task UnlockAsync(Guid containerId, string email, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync(Operations.UnlockViewer, [OrgId, containerId.ToString(), email], null, cancellationToken);
}

/// <summary>
/// The API as one viewer sees it, with a viewer token (<see cref="ViewersClient.IssueTokenAsync"/>):
/// the DRM facts of its requests, the container's manifest and files (DRM applies), and its consents.
/// The first decode starts a viewing session; every later request carries it
/// (<c>X-Locktera-Session</c>), so that one viewing, however many Range reads it takes, counts as
/// one open of the container's <c>opens</c>. A viewer token names no organization, so the client
/// uses the container's own routes.
/// </summary>
public sealed class ViewerClient
{
    private readonly LockteraPipeline _pipeline;

    internal ViewerClient(LockteraPipeline pipeline)
    {
        _pipeline = pipeline;
        Consents = new ViewerConsentsClient(pipeline);
    }

    /// <summary>The viewing session the client carries; null until the first decode started one.</summary>
    public string? SessionId => _pipeline.SessionId;

    /// <summary>The viewer's consents.</summary>
    public ViewerConsentsClient Consents { get; }

    /// <summary>The facts a DRM decision uses for this viewer's requests: the time, address, place and email.</summary>
    public Task<DrmFacts> GetDrmContextAsync(CancellationToken cancellationToken = default) =>
        _pipeline.SendAsync<DrmFacts>(Operations.GetDrmContext, [], null, cancellationToken);

    /// <summary>The decrypted manifest: the container's name and its files.</summary>
    public async Task<DecodedManifest> GetManifestAsync(Guid containerId, string? password = null, CancellationToken cancellationToken = default)
    {
        using var response = await _pipeline.SendAsync(Operations.DecodeManifestById, [containerId.ToString()], null, cancellationToken,
            configure: r => ContainersClient.Password(r, password));
        return await LockteraPipeline.ReadAsync<DecodedManifest>(response, cancellationToken);
    }

    /// <summary>One decoded file as a read-only, seekable stream that asks for the bytes it is read at; its reads stay in one viewing session.</summary>
    public Task<Stream> OpenReadAsync(Guid containerId, string fileName, string? password = null, CancellationToken cancellationToken = default) =>
        RangedFileStream.OpenAsync(_pipeline, Operations.DecodeFileById.Url(containerId.ToString(), fileName), r => ContainersClient.Password(r, password), cancellationToken);

    /// <summary>Downloads one decoded file to <paramref name="path"/>, resumably (as <see cref="ContainersClient.DownloadToAsync"/>); a container that is not downloadable refuses a viewer.</summary>
    public Task DownloadToAsync(Guid containerId, string fileName, string path, IProgress<TransferProgress>? progress = null, string? password = null, CancellationToken cancellationToken = default) =>
        Downloads.ToFileAsync(_pipeline, Operations.DecodeFileById.Url(containerId.ToString(), fileName) + "?download=true", r => ContainersClient.Password(r, password),
            path, progress, cancellationToken);
}
