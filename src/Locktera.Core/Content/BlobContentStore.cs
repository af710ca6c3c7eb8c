using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Locktera.Core.Content;

/// <summary>
/// Content in one Azure Blob container, as block blobs: blocks are staged as they fill and become
/// visible only when the block list is committed; uncommitted blocks are never visible and Azure
/// discards them after a week.
/// </summary>
public sealed class BlobContentStore(Func<CancellationToken, Task<BlobContainerClient>> container) : IContentStore
{
    public const int BlockSize = 4 * 1024 * 1024;

    public BlobContentStore(BlobContainerClient container) : this(_ => Task.FromResult(container))
    {
    }

    public async Task<IContentUpload> StartUploadAsync(string key, CancellationToken cancellationToken) =>
        new Upload((await container(cancellationToken)).GetBlockBlobClient(key));

    /// <summary>
    /// An upload id of the store's own (Azure has none): 16 random bytes in hex. Nothing is sent yet;
    /// parts are staged as blocks of the key's blob, with ids made of the upload id and the part number.
    /// </summary>
    public Task<string> StartPartsAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(UploadIdBytes)));

    public async Task<string> WritePartAsync(string key, string uploadId, int number, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        ContentParts.CheckPart(number, bytes);
        var id = PartBlockId(uploadId, number);
        await StageAsync((await container(cancellationToken)).GetBlockBlobClient(key), id, bytes, cancellationToken);
        return id;
    }

    public async Task CommitPartsAsync(string key, string uploadId, IReadOnlyList<ContentPart> parts, CancellationToken cancellationToken)
    {
        ContentParts.CheckCommit(parts);
        // A tag other than this upload's block id for the part's number names nothing this upload wrote.
        if (parts.Any(part => part.Tag != PartBlockId(uploadId, part.Number)))
        {
            throw new ContentPartsMissingException(key);
        }
        try
        {
            await (await container(cancellationToken)).GetBlockBlobClient(key)
                .CommitBlockListAsync(parts.Select(part => part.Tag), cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.InvalidBlockList)
        {
            throw new ContentPartsMissingException(key);
        }
    }

    /// <summary>
    /// Committing an empty block list drops every uncommitted block of the blob at once (Azure would
    /// otherwise keep them, invisible, for 7 days); the empty blob it leaves is then deleted. Both
    /// steps are conditional, so that an object committed under the key — before the upload, by it,
    /// or while this runs — is never emptied nor deleted: its blob's uncommitted blocks are left to
    /// Azure's 7-day rule instead.
    /// </summary>
    public async Task AbortPartsAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        CheckUploadId(uploadId);
        var blob = (await container(cancellationToken)).GetBlockBlobClient(key);
        try
        {
            var emptied = await blob.CommitBlockListAsync([], new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            await blob.DeleteIfExistsAsync(conditions: new BlobRequestConditions { IfMatch = emptied.Value.ETag }, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // A condition failed: an object is committed under the key, or was committed between the two steps.
        }
    }

    public async Task<Stream> OpenReadAsync(string key, long offset, long length, CancellationToken cancellationToken)
    {
        var blob = (await container(cancellationToken)).GetBlobClient(key);
        try
        {
            // The service reads a zero-length range as "to the end": an empty read only checks that the blob exists.
            if (length == 0)
            {
                await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
                return Stream.Null;
            }
            var download = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(offset, length) }, cancellationToken);
            // Azure answers a range from past the end with 416; Azurite with an empty one, at the very end.
            if (download.Value.Details.ContentLength == 0)
            {
                await download.Value.Content.DisposeAsync();
                throw new ContentTooShortException(key, offset);
            }
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new ContentNotFoundException(key);
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            throw new ContentTooShortException(key, offset);
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await (await container(cancellationToken)).GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>Deletes every object whose key starts with <paramref name="prefix"/> (say, a deleted org's "{org id}/"); returns how many.</summary>
    public async Task<int> DeleteAllAsync(string prefix, CancellationToken cancellationToken)
    {
        var client = await container(cancellationToken);
        var deleted = 0;
        await foreach (var blob in client.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            await client.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            deleted++;
        }
        return deleted;
    }

    private const int UploadIdBytes = 16;

    /// <summary>
    /// Block ids must all have the same length within a blob: the upload id (checked to be one this
    /// store makes, so of a fixed length) and the part number in five digits (up to MaxParts, 10,000).
    /// </summary>
    private static string PartBlockId(string uploadId, int number)
    {
        CheckUploadId(uploadId);
        return BlockId(uploadId + number.ToString("D5", CultureInfo.InvariantCulture));
    }

    private static void CheckUploadId(string uploadId)
    {
        if (uploadId.Length != 2 * UploadIdBytes || !uploadId.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException("Not an upload id of this store.", nameof(uploadId));
        }
    }

    private static string BlockId(string name) => Convert.ToBase64String(Encoding.ASCII.GetBytes(name));

    private static async Task StageAsync(BlockBlobClient blob, string id, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        using var stream = BufferedUpload.AsStream(block);
        await blob.StageBlockAsync(id, stream, cancellationToken: cancellationToken);
    }

    private sealed class Upload(BlockBlobClient blob) : BufferedUpload(BlockSize)
    {
        protected override async Task<string> SendBlockAsync(ReadOnlyMemory<byte> block, int number, CancellationToken cancellationToken)
        {
            // Block ids must all have the same length within a blob.
            var id = BlockId(number.ToString("D6", CultureInfo.InvariantCulture));
            await StageAsync(blob, id, block, cancellationToken);
            return id;
        }

        protected override async Task CompleteAsync(ReadOnlyMemory<byte> rest, IReadOnlyList<string> tags, CancellationToken cancellationToken)
        {
            var ids = rest.IsEmpty ? tags : [.. tags, await SendBlockAsync(rest, tags.Count + 1, cancellationToken)];
            await blob.CommitBlockListAsync(ids, cancellationToken: cancellationToken);
        }

        // Staged blocks that are never committed are invisible and expire on their own.
        protected override ValueTask DiscardAsync() => ValueTask.CompletedTask;
    }
}
