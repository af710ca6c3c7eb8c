using Amazon.S3;
using Azure.Storage.Blobs;
using Moq;

namespace Locktera.Storage.Tests.Content;

/// <summary>The <see cref="IContentStore"/> contract, run against every adapter over a local stand-in of its service.</summary>
public abstract class ContentStoreContractTests
{
    protected abstract IContentStore Store { get; }

    /// <summary>The adapter's block (or part) size.</summary>
    protected abstract int BlockSize { get; }

    public static TheoryData<string> Sizes => ["empty", "one byte", "one block", "blocks and a partial one"];

    private int SizeOf(string name) => name switch
    {
        "empty" => 0,
        "one byte" => 1,
        "one block" => BlockSize,
        _ => 2 * BlockSize + 12345,
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Content_round_trips(string size)
    {
        var data = Data(SizeOf(size));
        var key = await WriteAsync(data);
        Assert.Equal(data, await ReadAsync(key, 0, data.Length));
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

    /// <summary>What an adapter can check beyond "nothing readable" after an upload was abandoned.</summary>
    protected virtual Task AssertNoUploadLeftAsync(string key) => Task.CompletedTask;

    private static string NewKey() => $"contract/{Guid.NewGuid():N}";

    private static byte[] Data(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    /// <summary>Writes in odd-sized pieces, so that writes straddle block boundaries.</summary>
    private async Task<string> WriteAsync(byte[] data)
    {
        var key = NewKey();
        await using var upload = await Store.StartUploadAsync(key, default);
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

    public async Task InitializeAsync() => await _container.CreateAsync();

    public async Task DisposeAsync() => await _container.DeleteAsync();
}

public sealed class S3ContentStoreTests : ContentStoreContractTests
{
    // A real client that records calls, to see that an abandoned multipart upload is aborted.
    private readonly Mock<AmazonS3Client> _client = new(
        new Amazon.Runtime.BasicAWSCredentials("S3RVER", "S3RVER"), S3ContentStore.ClientConfig(new Uri(TestServices.S3Endpoint), null))
    { CallBase = true };

    protected override IContentStore Store => new S3ContentStore(_client.Object, TestServices.S3Bucket);

    protected override int BlockSize => S3ContentStore.PartSize;

    protected override Task AssertNoUploadLeftAsync(string key)
    {
        _client.Verify(c => c.InitiateMultipartUploadAsync(TestServices.S3Bucket, key, It.IsAny<CancellationToken>()), Times.Once);
        _client.Verify(c => c.AbortMultipartUploadAsync(TestServices.S3Bucket, key, It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        return Task.CompletedTask;
    }
}
