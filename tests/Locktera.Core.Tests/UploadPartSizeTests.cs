using Locktera.Core.Uploads;

namespace Locktera.Core.Tests;

/// <summary>The part size a session asks for: the configured one, larger only where S3's 10,000 parts would not hold the files.</summary>
public class UploadPartSizeTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(0L, 16 * MiB)]
    [InlineData(1L, 16 * MiB)]
    [InlineData(10_000 * 16 * MiB, 16 * MiB)]
    [InlineData((10_000 * 16 * MiB) + 1, (16 * MiB) + (64 * 1024))]
    [InlineData(10_000 * 64 * MiB, 64 * MiB)]
    public void Parts_grow_in_whole_segments_only_beyond_ten_thousand(long streamSize, long expected)
    {
        var limits = new LockteraOptions();
        var partSize = UploadSessions.PartSizeFor(streamSize, limits);
        Assert.Equal(expected, partSize);
        Assert.Equal(0, partSize % Tera.TeraHeader.DefaultSegmentSize);
        Assert.True((streamSize + partSize - 1) / partSize <= LockteraOptions.MaxUploadParts);
    }

    [Fact]
    public void The_default_container_limit_is_what_the_largest_parts_hold()
    {
        var limits = new LockteraOptions();
        Assert.Equal(LockteraOptions.MaxUploadParts * (long)LockteraOptions.MaxUploadPartBytes, limits.MaxContainerBytes);
        Assert.Equal(LockteraOptions.MaxUploadPartBytes, UploadSessions.PartSizeFor(limits.MaxContainerBytes, limits));
        Assert.Contains(new LockteraOptions { MaxContainerBytes = limits.MaxContainerBytes + 1 }.Problems(), e => e.Contains("MaxContainerBytes", StringComparison.Ordinal));
    }
}
