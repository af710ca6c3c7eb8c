using Amazon.Runtime;
using Amazon.S3;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Moq;

namespace Locktera.Storage.Tests.Content;

/// <summary>The <see cref="IContentStore"/> contract, run against every adapter over a local stand-in of its service.</summary>
public abstract class ContentStoreContractTests
{
    protected abstract IContentStore Store { get; }

    /// <summary>The adapter's block (or part) size.</summary>
    protected abstract int BlockSize { get; }

    /// <summary>The adapter over the same service, every request of its client sent through <paramref name="handler"/>.</summary>
    protected abstract IContentStore StoreThrough(HttpMessageHandler handler);

    /// <summary>Whether a request of the adapter's client sends one block (or part) of an upload.</summary>
    protected abstract bool SendsBlock(HttpRequestMessage request);

    public static TheoryData<string> Sizes => ["empty", "one byte", "one block", "blocks and a partial one", "more blocks than are sent at once"];

    private int SizeOf(string name) => name switch
    {
        "empty" => 0,
        "one byte" => 1,
        "one block" => BlockSize,
        "blocks and a partial one" => 2 * BlockSize + 12345,
        _ => ((2 * BufferedUpload.MaxInFlight) + 1) * BlockSize + 12345,
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Content_round_trips(string size)
    {
        var data = Data(SizeOf(size));
        var key = await WriteAsync(data);
        Assert.Equal(data, await ReadAsync(key, 0, data.Length));
    }

    /// <summary>
    /// An upload keeps several blocks in flight, as an SDK's parallel upload does, and never more than
    /// its bound (so memory stays bounded): each block write is held a while, so that they overlap.
    /// </summary>
    [Fact]
    public async Task An_upload_sends_several_blocks_at_once_but_never_more_than_its_bound()
    {
        using var writes = new SlowBlockWrites(SendsBlock);
        var data = Data(((2 * BufferedUpload.MaxInFlight) + 1) * BlockSize + 10);
        var key = await WriteAsync(data, StoreThrough(writes));
        await AssertContentAsync(key, data);
        Assert.Equal(BufferedUpload.MaxInFlight, writes.MostAtOnce);
    }

    [Fact]
    public async Task Ranged_reads_return_the_range_at_the_start_middle_and_end()
    {
        var data = Data(BlockSize + 1000);
        var key = await WriteAsync(data);
        Assert.Equal(data[..100], await ReadAsync(key, 0, 100));
        Assert.Equal(data[(BlockSize - 50)..(BlockSize + 50)], await ReadAsync(key, BlockSize - 50, 100));
        Assert.Equal(data[^10..], await ReadAsync(key, data.Length - 10, 10));
    }

    [Fact]
    public async Task An_upload_disposed_without_commit_leaves_nothing()
    {
        var key = NewKey();
        await using (var upload = await Store.StartUploadAsync(key, default))
        {
            await upload.WriteAsync(Data(BlockSize + 10), default);
        }
        await Assert.ThrowsAsync<ContentNotFoundException>(() => Store.OpenReadAsync(key, 0, 1, default));
        await AssertNoUploadLeftAsync(key);
    }

    [Fact]
    public async Task Delete_removes_the_content_and_is_idempotent()
    {
        var key = await WriteAsync(Data(10));
        await Store.DeleteAsync(key, default);
        await Assert.ThrowsAsync<ContentNotFoundException>(() => Store.OpenReadAsync(key, 0, 10, default));
        await Store.DeleteAsync(key, default);
        await Store.DeleteAsync(NewKey(), default);
    }

    [Fact]
    public async Task A_range_past_the_end_is_too_short_and_one_running_past_it_is_cut()
    {
        var data = Data(100);
        var key = await WriteAsync(data);
        await Assert.ThrowsAsync<ContentTooShortException>(() => Store.OpenReadAsync(key, 100, 10, default));
        await Assert.ThrowsAsync<ContentTooShortException>(() => Store.OpenReadAsync(key, 5000, 10, default));
        // A range that starts inside and runs past the end yields what there is: the reader sees it is short.
        await using var stream = await Store.OpenReadAsync(key, 90, 20, default);
        var buffer = new byte[20];
        Assert.Equal(10, await stream.ReadAtLeastAsync(buffer, 20, throwOnEndOfStream: false));
        Assert.Equal(data[90..], buffer[..10]);
    }

    private const int MinPart = IContentStore.MinPartBytes;

    [Fact]
    public async Task Parts_written_out_of_order_and_in_parallel_commit_in_part_number_order()
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        byte[][] parts = [Data(MinPart, 1), Data(MinPart, 2), Data(MinPart, 3), Data(12345, 4)];
        var tags = new string[parts.Length];
        await Task.WhenAll(new[] { 3, 1, 4, 2 }.Select(number => Task.Run(async () =>
            tags[number - 1] = await Store.WritePartAsync(key, uploadId, number, parts[number - 1], default))));
        await AssertNothingUnderAsync(key);

        await Store.CommitPartsAsync(key, uploadId, [.. tags.Select((tag, i) => new ContentPart(i + 1, tag))], default);

        await AssertContentAsync(key, [.. parts.SelectMany(part => part)]);
    }

    [Fact]
    public async Task A_part_written_again_keeps_the_last_write()
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        await Store.WritePartAsync(key, uploadId, 1, Data(MinPart, 1), default);
        var first = await Store.WritePartAsync(key, uploadId, 1, Data(MinPart, 2), default);
        await Store.WritePartAsync(key, uploadId, 2, Data(1000, 3), default);
        var second = await Store.WritePartAsync(key, uploadId, 2, Data(1000, 3), default);

        await Store.CommitPartsAsync(key, uploadId, [new ContentPart(1, first), new ContentPart(2, second)], default);

        await AssertContentAsync(key, [.. Data(MinPart, 2), .. Data(1000, 3)]);
    }

    [Fact]
    public async Task One_part_smaller_than_the_minimum_is_a_whole_object_once_committed()
    {
        var (key, uploadId, tag) = await StartWithOnePartAsync(Data(10));
        await AssertNothingUnderAsync(key);

        await Store.CommitPartsAsync(key, uploadId, [new ContentPart(1, tag)], default);

        await AssertContentAsync(key, Data(10));
    }

    [Fact]
    public async Task An_aborted_upload_leaves_nothing_and_aborting_again_succeeds()
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        await Store.WritePartAsync(key, uploadId, 2, Data(100), default);
        await Store.WritePartAsync(key, uploadId, 1, Data(MinPart), default);

        await Store.AbortPartsAsync(key, uploadId, default);

        await AssertNothingUnderAsync(key);
        await AssertNoPartsLeftAsync(key, uploadId);
        await Store.AbortPartsAsync(key, uploadId, default);
        await AssertNothingUnderAsync(key);
    }

    [Fact]
    public async Task A_commit_naming_a_part_never_written_fails_and_makes_nothing()
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        var first = await Store.WritePartAsync(key, uploadId, 1, Data(MinPart), default);
        var third = await Store.WritePartAsync(key, uploadId, 3, Data(100), default);

        await Assert.ThrowsAsync<ContentPartsMissingException>(() => Store.CommitPartsAsync(
            key, uploadId, [new ContentPart(1, first), new ContentPart(2, third), new ContentPart(3, third)], default));

        await AssertNothingUnderAsync(key);
    }

    [Fact]
    public async Task A_commit_after_abort_fails_and_makes_nothing()
    {
        var (key, uploadId, tag) = await StartWithOnePartAsync(Data(100));
        await Store.AbortPartsAsync(key, uploadId, default);

        await Assert.ThrowsAsync<ContentPartsMissingException>(() => Store.CommitPartsAsync(key, uploadId, [new ContentPart(1, tag)], default));

        await AssertNothingUnderAsync(key);
    }

    [Fact]
    public async Task Abort_after_commit_keeps_the_object()
    {
        var (key, uploadId, tag) = await StartWithOnePartAsync(Data(100));
        await Store.CommitPartsAsync(key, uploadId, [new ContentPart(1, tag)], default);

        await Store.AbortPartsAsync(key, uploadId, default);

        await AssertContentAsync(key, Data(100));
    }

    /// <summary>Sessions write to fresh keys; were one not fresh, its abort still must not cost the object there.</summary>
    [Fact]
    public async Task Abort_keeps_the_object_that_was_under_the_key_before_the_upload()
    {
        var data = Data(BlockSize + 10);
        var key = await WriteAsync(data);
        var uploadId = await Store.StartPartsAsync(key, default);
        await Store.WritePartAsync(key, uploadId, 1, Data(200), default);

        await Store.AbortPartsAsync(key, uploadId, default);

        await AssertContentAsync(key, data);
    }

    [Fact]
    public async Task Bad_part_numbers_empty_parts_and_unordered_commits_are_refused()
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.WritePartAsync(key, uploadId, 0, Data(1), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.WritePartAsync(key, uploadId, IContentStore.MaxParts + 1, Data(1), default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.WritePartAsync(key, uploadId, 1, ReadOnlyMemory<byte>.Empty, default));
        var first = await Store.WritePartAsync(key, uploadId, 1, Data(MinPart), default);
        var second = await Store.WritePartAsync(key, uploadId, 2, Data(1), default);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitPartsAsync(key, uploadId, [], default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitPartsAsync(key, uploadId, [new ContentPart(2, second), new ContentPart(1, first)], default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitPartsAsync(key, uploadId, [new ContentPart(1, first), new ContentPart(1, first)], default));
        await AssertNothingUnderAsync(key);
        await Store.AbortPartsAsync(key, uploadId, default);
    }

    /// <summary>What an adapter can check beyond "nothing readable" after an upload was abandoned.</summary>
    protected virtual Task AssertNoUploadLeftAsync(string key) => Task.CompletedTask;

    /// <summary>What an adapter can check beyond "nothing readable" after a multipart upload was aborted.</summary>
    protected abstract Task AssertNoPartsLeftAsync(string key, string uploadId);

    /// <summary>A new upload under a new key, and the tag of its part 1.</summary>
    private async Task<(string Key, string UploadId, string Tag)> StartWithOnePartAsync(byte[] part)
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        return (key, uploadId, await Store.WritePartAsync(key, uploadId, 1, part, default));
    }

    private async Task AssertNothingUnderAsync(string key)
    {
        await Assert.ThrowsAsync<ContentNotFoundException>(() => Store.OpenReadAsync(key, 0, 1, default));
        await Assert.ThrowsAsync<ContentNotFoundException>(() => Store.OpenReadAsync(key, 0, 0, default));
    }

    /// <summary>Reads the object back in ranges that straddle every part boundary, and checks where it ends.</summary>
    private async Task AssertContentAsync(string key, byte[] expected)
    {
        const int Range = 3 * 1024 * 1024 + 7;
        for (var offset = 0; offset < expected.Length; offset += Range)
        {
            var length = Math.Min(Range, expected.Length - offset);
            Assert.Equal(expected[offset..(offset + length)], await ReadAsync(key, offset, length));
        }
        await Assert.ThrowsAsync<ContentTooShortException>(() => Store.OpenReadAsync(key, expected.Length, 1, default));
    }

    protected static string NewKey() => $"contract/{Guid.NewGuid():N}";

    /// <summary>Random bytes, the same for the same length and seed (cheap: one pass of a seeded generator).</summary>
    private static byte[] Data(int length, int? seed = null)
    {
        var data = new byte[length];
        new Random(seed ?? length).NextBytes(data);
        return data;
    }

    /// <summary>Writes in odd-sized pieces, so that writes straddle block boundaries.</summary>
    private async Task<string> WriteAsync(byte[] data, IContentStore? store = null)
    {
        var key = NewKey();
        await using var upload = await (store ?? Store).StartUploadAsync(key, default);
        for (var offset = 0; offset < data.Length; offset += 1_000_003)
        {
            await upload.WriteAsync(data.AsMemory(offset, Math.Min(1_000_003, data.Length - offset)), default);
        }
        await upload.CommitAsync(default);
        return key;
    }

    private async Task<byte[]> ReadAsync(string key, long offset, int length)
    {
        await using var stream = await Store.OpenReadAsync(key, offset, length, default);
        var buffer = new byte[length];
        await stream.ReadExactlyAsync(buffer);
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));
        return buffer;
    }
}

public sealed class BlobContentStoreTests : ContentStoreContractTests, IAsyncLifetime
{
    private readonly BlobContainerClient _container = new BlobServiceClient(TestServices.AzuriteConnection)
        .GetBlobContainerClient("contract" + Guid.NewGuid().ToString("N")[..12]);

    protected override IContentStore Store => new BlobContentStore(_container);

    protected override int BlockSize => BlobContentStore.BlockSize;

    protected override IContentStore StoreThrough(HttpMessageHandler handler) =>
        new BlobContentStore(new BlobServiceClient(TestServices.AzuriteConnection, new BlobClientOptions { Transport = new HttpClientTransport(handler) })
            .GetBlobContainerClient(_container.Name));

    protected override bool SendsBlock(HttpRequestMessage request) => request.RequestUri!.Query.Contains("comp=block&", StringComparison.Ordinal);

    public async Task InitializeAsync() => await _container.CreateAsync();

    public async Task DisposeAsync() => await _container.DeleteAsync();

    /// <summary>Not only invisible: no uncommitted block is left for Azure's 7-day clean-up to find.</summary>
    protected override async Task AssertNoPartsLeftAsync(string key, string uploadId)
    {
        var e = await Assert.ThrowsAsync<RequestFailedException>(() => _container.GetBlockBlobClient(key).GetBlockListAsync(BlockListTypes.All));
        Assert.Equal(404, e.Status);
    }

    /// <summary>Azure cannot tell a part of an aborted upload from any other: it is staged, stays invisible, and another abort removes it.</summary>
    [Fact]
    public async Task A_part_written_after_abort_stays_invisible_until_another_abort_removes_it()
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        await Store.AbortPartsAsync(key, uploadId, default);

        await Store.WritePartAsync(key, uploadId, 1, new byte[10], default);
        await Assert.ThrowsAsync<ContentNotFoundException>(() => Store.OpenReadAsync(key, 0, 1, default));

        await Store.AbortPartsAsync(key, uploadId, default);
        await AssertNoPartsLeftAsync(key, uploadId);
    }

    [Fact]
    public async Task An_upload_id_the_store_did_not_make_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.WritePartAsync(NewKey(), "not-an-upload", 1, new byte[10], default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.AbortPartsAsync(NewKey(), new string('A', 32), default));
    }
}

public sealed class S3ContentStoreTests : ContentStoreContractTests
{
    // A real client that records calls, to see that an abandoned multipart upload is aborted; its
    // multipart calls are answered by the bookkeeping, which keeps the account of uploads s3rver lacks.
    private readonly Mock<AmazonS3Client> _client = new(Credentials, Config) { CallBase = true };

    private readonly S3MultipartBookkeeping _uploads;

    public S3ContentStoreTests() => _uploads = new(_client, new AmazonS3Client(Credentials, Config));

    private static BasicAWSCredentials Credentials => new("S3RVER", "S3RVER");

    private static AmazonS3Config Config => S3ContentStore.ClientConfig(new Uri(TestServices.S3Endpoint), null);

    protected override IContentStore Store => new S3ContentStore(_client.Object, TestServices.S3Bucket);

    protected override int BlockSize => S3ContentStore.PartSize;

    protected override IContentStore StoreThrough(HttpMessageHandler handler) =>
        S3ContentStore.Connect(new Uri(TestServices.S3Endpoint), null, TestServices.S3Bucket, "S3RVER", "S3RVER", handler);

    protected override bool SendsBlock(HttpRequestMessage request) => request.RequestUri!.Query.Contains("partNumber=", StringComparison.Ordinal);

    protected override Task AssertNoUploadLeftAsync(string key)
    {
        _client.Verify(c => c.InitiateMultipartUploadAsync(TestServices.S3Bucket, key, It.IsAny<CancellationToken>()), Times.Once);
        _client.Verify(c => c.AbortMultipartUploadAsync(TestServices.S3Bucket, key, It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        return Task.CompletedTask;
    }

    protected override Task AssertNoPartsLeftAsync(string key, string uploadId)
    {
        Assert.False(_uploads.IsOpen(uploadId));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_part_written_to_an_upload_that_is_gone_is_refused()
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        await Store.AbortPartsAsync(key, uploadId, default);
        await Assert.ThrowsAsync<ContentUploadGoneException>(() => Store.WritePartAsync(key, uploadId, 1, new byte[10], default));
    }

    /// <summary>s3rver itself, without the bookkeeping: it answers AbortMultipartUpload with 405.</summary>
    [Fact]
    public async Task Abort_succeeds_on_a_service_that_cannot_abort()
    {
        var store = new S3ContentStore(new AmazonS3Client(Credentials, Config), TestServices.S3Bucket);
        var key = NewKey();
        var uploadId = await store.StartPartsAsync(key, default);
        await store.WritePartAsync(key, uploadId, 1, new byte[10], default);

        await store.AbortPartsAsync(key, uploadId, default);

        await Assert.ThrowsAsync<ContentNotFoundException>(() => store.OpenReadAsync(key, 0, 1, default));
    }

    /// <summary>An S3 tag is the part's ETag, its bytes' MD5: after a write of other bytes, only the new one commits.</summary>
    [Fact]
    public async Task A_commit_with_the_tag_of_an_overwritten_part_fails()
    {
        var key = NewKey();
        var uploadId = await Store.StartPartsAsync(key, default);
        var first = await Store.WritePartAsync(key, uploadId, 1, new byte[10], default);
        var second = await Store.WritePartAsync(key, uploadId, 1, new byte[11], default);
        Assert.NotEqual(first, second);
        await Assert.ThrowsAsync<ContentPartsMissingException>(() => Store.CommitPartsAsync(key, uploadId, [new ContentPart(1, first)], default));
        await Store.CommitPartsAsync(key, uploadId, [new ContentPart(1, second)], default);
    }
}

/// <summary>Sends requests on, holding each block write a while; counts how many were in flight at once at most.</summary>
internal sealed class SlowBlockWrites(Func<HttpRequestMessage, bool> sendsBlock) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Lock _lock = new();
    private int _inFlight;

    public int MostAtOnce { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!sendsBlock(request))
        {
            return await base.SendAsync(request, cancellationToken);
        }
        lock (_lock)
        {
            MostAtOnce = Math.Max(MostAtOnce, ++_inFlight);
        }
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken); // real time: a slow link to the storage service, so that block writes overlap
            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }
    }
}
