namespace Locktera.Core.Content;

/// <summary>
/// The part of an upload both adapters share: writes fill a buffer of a block's size, and a full
/// buffer is sent as a block only once more data arrives, so that the last block is never empty
/// and an object smaller than one block can be written in one request at commit. Up to
/// <see cref="MaxInFlight"/> blocks are being sent while the next fills, as an SDK's parallel
/// upload does; so an upload holds at most <see cref="MaxInFlight"/> + 1 blocks in memory.
/// </summary>
internal abstract class BufferedUpload(int blockSize) : IContentUpload
{
    /// <summary>How many blocks are sent at once at most; a write waits for the oldest when as many are in flight.</summary>
    public const int MaxInFlight = 4;

    /// <summary>Blocks being sent, oldest first, each with its buffer (reused once it is sent).</summary>
    private readonly Queue<(byte[] Buffer, Task<string> Sent)> _inFlight = new();

    /// <summary>The store's tag of every block sent so far, in order.</summary>
    private readonly List<string> _tags = [];
    private byte[] _buffer = new byte[blockSize];
    private int _filled;
    private int _started;
    private bool _committed;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        while (!data.IsEmpty)
        {
            if (_filled == _buffer.Length)
            {
                await StartBlockAsync(cancellationToken);
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
        while (_inFlight.Count > 0)
        {
            await OldestSentAsync();
        }
        await CompleteAsync(_buffer.AsMemory(0, _filled), _tags, cancellationToken);
        _committed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            _committed = true;
            // Whatever is still being sent finishes (or fails) before its parts are discarded.
            while (_inFlight.TryDequeue(out var block))
            {
                await block.Sent.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            await DiscardAsync();
        }
    }

    /// <summary>
    /// Starts sending the full buffer, once fewer than <see cref="MaxInFlight"/> blocks are in flight
    /// (the oldest is waited for first), and takes another to fill: the oldest block's, or a new one.
    /// </summary>
    private async Task StartBlockAsync(CancellationToken cancellationToken)
    {
        var next = _inFlight.Count == MaxInFlight ? await OldestSentAsync() : new byte[_buffer.Length];
        _inFlight.Enqueue((_buffer, SendBlockAsync(_buffer, ++_started, cancellationToken)));
        _buffer = next;
        _filled = 0;
    }

    /// <summary>Waits for the oldest block in flight to be sent and keeps its tag; answers its buffer, free again.</summary>
    private async Task<byte[]> OldestSentAsync()
    {
        var (buffer, sent) = _inFlight.Dequeue();
        _tags.Add(await sent);
        return buffer;
    }

    /// <summary>
    /// Sends one full block; <paramref name="number"/> counts from 1. Several may run at once, so
    /// the block must not be touched after the returned task ends; answers the store's tag of it.
    /// </summary>
    protected abstract Task<string> SendBlockAsync(ReadOnlyMemory<byte> block, int number, CancellationToken cancellationToken);

    /// <summary>Sends what is left (possibly nothing) and makes the object of the blocks with these <paramref name="tags"/> (in order), then the rest, visible.</summary>
    protected abstract Task CompleteAsync(ReadOnlyMemory<byte> rest, IReadOnlyList<string> tags, CancellationToken cancellationToken);

    /// <summary>Releases what was sent for an upload that will never be committed; must not throw.</summary>
    protected abstract ValueTask DiscardAsync();

    internal static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);
}
