namespace Locktera.Core.Content;

/// <summary>
/// The part of an upload both adapters share: writes fill one buffer of a block's size, and a full
/// buffer is sent as a block only once more data arrives, so that the last block is never empty
/// and an object smaller than one block can be written in one request at commit.
/// </summary>
internal abstract class BufferedUpload(int blockSize) : IContentUpload
{
    private readonly byte[] _buffer = new byte[blockSize];
    private int _filled;
    private bool _committed;

    /// <summary>How many blocks have been sent so far.</summary>
    protected int BlockCount { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        while (!data.IsEmpty)
        {
            if (_filled == _buffer.Length)
            {
                await SendBlockAsync(_buffer, BlockCount + 1, cancellationToken);
                BlockCount++;
                _filled = 0;
            }
            var count = Math.Min(data.Length, _buffer.Length - _filled);
            data[..count].CopyTo(_buffer.AsMemory(_filled));
            _filled += count;
            data = data[count..];
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        await CompleteAsync(_buffer.AsMemory(0, _filled), cancellationToken);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            _committed = true;
            await DiscardAsync();
        }
    }

    /// <summary>Sends one full block; <paramref name="number"/> counts from 1.</summary>
    protected abstract Task SendBlockAsync(ReadOnlyMemory<byte> block, int number, CancellationToken cancellationToken);

    /// <summary>Sends what is left (possibly nothing) and makes the object visible.</summary>
    protected abstract Task CompleteAsync(ReadOnlyMemory<byte> rest, CancellationToken cancellationToken);

    /// <summary>Releases what was sent for an upload that will never be committed; must not throw.</summary>
    protected abstract ValueTask DiscardAsync();

    internal static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);
}
