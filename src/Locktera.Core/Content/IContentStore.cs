namespace Locktera.Core.Content;

/// <summary>
/// Where container bytes live: the platform's Azure Blob storage, an S3-compatible bucket, or an
/// organization's own account. Adapters stream; none buffers a whole object in memory.
/// </summary>
public interface IContentStore
{
    /// <summary>
    /// Starts writing a new object under <paramref name="key"/>. Nothing is visible under the key
    /// until <see cref="IContentUpload.CommitAsync"/>; disposing an upload that was not committed
    /// discards what was written (no orphan object is left behind).
    /// </summary>
    Task<IContentUpload> StartUploadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="offset"/> with one ranged request.</summary>
    Task<Stream> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken);

    /// <summary>Deletes the object; deleting one that does not exist succeeds.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object being written. Writes are sequential; an adapter buffers at most one block.</summary>
public interface IContentUpload : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the object visible, complete, under its key.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>The store to write a new container to, and the id under which that storage is remembered.</summary>
public sealed record ContentTarget(IContentStore Store, string StorageId);

/// <summary>
/// Resolves an organization's storage. New containers go to the org's current storage; each
/// container remembers the <see cref="ContentTarget.StorageId"/> it was written to, so changing an
/// org's storage never breaks existing containers.
/// </summary>
public interface IContentStores
{
    /// <summary>The id of the platform's own storage.</summary>
    const string Platform = "platform";

    Task<ContentTarget> ForNewContainerAsync(Guid orgId, CancellationToken cancellationToken);

    Task<IContentStore> ForStoredAsync(Guid orgId, string storageId, CancellationToken cancellationToken);
}
