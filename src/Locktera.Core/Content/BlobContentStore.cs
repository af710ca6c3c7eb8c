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

    private sealed class Upload(BlockBlobClient blob) : BufferedUpload(BlockSize)
    {
        private readonly List<string> _blockIds = [];

        protected override async Task SendBlockAsync(ReadOnlyMemory<byte> block, int number, CancellationToken cancellationToken)
        {
            // Block ids must all have the same length within a blob.
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(number.ToString("D6", CultureInfo.InvariantCulture)));
            using var stream = AsStream(block);
            await blob.StageBlockAsync(id, stream, cancellationToken: cancellationToken);
            _blockIds.Add(id);
        }

        protected override async Task CompleteAsync(ReadOnlyMemory<byte> rest, CancellationToken cancellationToken)
        {
            if (!rest.IsEmpty)
            {
                await SendBlockAsync(rest, BlockCount + 1, cancellationToken);
            }
            await blob.CommitBlockListAsync(_blockIds, cancellationToken: cancellationToken);
        }

        // Staged blocks that are never committed are invisible and expire on their own.
        protected override ValueTask DiscardAsync() => ValueTask.CompletedTask;
    }
}
