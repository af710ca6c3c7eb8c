using System.Collections.Concurrent;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Content;

/// <summary>
/// The platform store (a <c>{prefix}content</c> container of the platform account) and the stores
/// of organizations' configurations. Clients are built once per configuration version and kept:
/// versions never change, so a cached client can never go stale.
/// </summary>
public sealed class ContentStores(StorageAccount account, StorageConfigStore configs, StorageEndpointPolicy endpoints, IOptions<LockteraOptions> options) : IContentStores
{
    private readonly ConcurrentDictionary<(Guid OrgId, Guid ConfigId), IContentStore> _stores = new();

    public BlobContentStore Platform { get; } = new BlobContentStore(ct => account.ContainerAsync(options.Value.StoragePrefix + "content", ct));

    public async Task<ContentTarget> ForNewContainerAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var current = await configs.CurrentAsync(orgId, cancellationToken);
        return current is null || current.Settings.Type == StorageType.Default
            ? new ContentTarget(Platform, IContentStores.Platform)
            : new ContentTarget(Cached(current), current.Id.ToString());
    }

    public async Task<IContentStore> ForStoredAsync(Guid orgId, string storageId, CancellationToken cancellationToken)
    {
        if (storageId == IContentStores.Platform)
        {
            return Platform;
        }
        if (!Guid.TryParse(storageId, out var configId))
        {
            throw new InvalidOperationException($"'{storageId}' is not a storage id.");
        }
        if (_stores.TryGetValue((orgId, configId), out var store))
        {
            return store;
        }
        var config = await configs.FindAsync(orgId, configId, cancellationToken);
        // Only ids handed out by ForNewContainerAsync are stored with containers, and versions are never deleted.
        return config is { Settings.Type: not StorageType.Default }
            ? Cached(config)
            : throw new InvalidOperationException($"Organization {orgId} has no storage {storageId}.");
    }

    /// <summary>
    /// A store of an org's own, saved or not (a configuration being validated). Unlike the platform's
    /// account, which is the deployment's own configuration, its endpoint is the customer's word: every
    /// connection its client makes is checked by <see cref="StorageEndpointPolicy"/> as it is made.
    /// </summary>
    public IContentStore Connect(StorageSettings settings) => settings.Type switch
    {
        StorageType.Azure => new BlobContentStore(
            new BlobServiceClient(settings.Secret, StorageAccount.Configure(new BlobClientOptions { Transport = endpoints.Transport })).GetBlobContainerClient(settings.ContainerName)),
        StorageType.S3 => S3ContentStore.Connect(settings.Host, settings.Region, settings.Bucket!, settings.AccessKey!, settings.Secret!, endpoints.Handler),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), "The platform storage has no settings to connect with."),
    };

    private IContentStore Cached(StorageConfig config) => _stores.GetOrAdd((config.OrgId, config.Id), _ => Connect(config.Settings));
}
