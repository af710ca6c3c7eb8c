namespace Locktera.Core.Content;

/// <summary>
/// Where container bytes live: the platform's Azure Blob storage, an S3-compatible bucket, or an
/// organization's own account. Adapters stream; none buffers a whole object in memory.
/// </summary>
public interface IContentStore
{
    /// <summary>S3's smallest part: every part of an upload but the last must be at least this long.</summary>
    const int MinPartBytes = 5 * 1024 * 1024;

    /// <summary>S3's most parts of one upload (Azure allows 50,000 blocks); part numbers run from 1 to this.</summary>
    const int MaxParts = 10_000;

    /// <summary>
    /// Starts writing a new object under <paramref name="key"/>. Nothing is visible under the key
    /// until <see cref="IContentUpload.CommitAsync"/>; disposing an upload that was not committed
    /// discards what was written (no orphan object is left behind).
    /// </summary>
    Task<IContentUpload> StartUploadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Starts an object under <paramref name="key"/> that is written as numbered parts (1, 2, …) which
    /// may arrive in any order, from any instance, each in its own call; nothing is visible under the key
    /// until <see cref="CommitPartsAsync"/>. Returns the upload's id, to be kept with the session.
    /// </summary>
    Task<string> StartPartsAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes part <paramref name="number"/> (1-based) of an upload in one request; writing a part again
    /// replaces it. Every part but the last must be at least <see cref="MinPartBytes"/> long (S3's rule).
    /// Returns the store's tag of the part, which the commit needs (S3: the part's ETag; Azure: the block id).
    /// </summary>
    /// <exception cref="ContentUploadGoneException">The store knows the upload no more (S3 only: Azure cannot tell).</exception>
    Task<string> WritePartAsync(string key, string uploadId, int number, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>Makes the object of these parts, in this order, visible under the key, complete.</summary>
    /// <remarks>Part numbers must ascend (S3's rule); each tag must be the one the part's last write returned.</remarks>
    /// <exception cref="ContentPartsMissingException">A part named is not held for this upload.</exception>
    Task CommitPartsAsync(string key, string uploadId, IReadOnlyList<ContentPart> parts, CancellationToken cancellationToken);

    /// <summary>Discards every part of an upload that was not committed; aborting one that is gone succeeds.</summary>
    /// <remarks>An object committed under the key (by this upload or before it) is never removed.</remarks>
    Task AbortPartsAsync(string key, string uploadId, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="offset"/> with one ranged request.</summary>
    Task<Stream> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken);

    /// <summary>Deletes the object; deleting one that does not exist succeeds.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object being written. Writes are sequential; an adapter holds a bounded number of blocks (docs/storage.md).</summary>
public interface IContentUpload : IAsyncDisposable
{
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the object visible, complete, under its key.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>A written part of a multipart upload: its number and the store's tag for it.</summary>
public sealed record ContentPart(int Number, string Tag);

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
