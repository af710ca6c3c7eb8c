using System.Buffers;
using System.IO.Pipelines;

namespace Locktera.Core.Tera;

/// <summary>
/// Decrypts a byte range of a run of segments (<see cref="TeraRun"/>: a file's own, or a version-2
/// stream), reading only the segments the range touches, from a stream holding exactly
/// <see cref="TeraRun.StoredRange"/>. Segments go in batches of up to <see cref="BatchBytes"/>: one
/// read, each segment of it authenticated, one write, so that a large range costs few reads, writes
/// and thread wake-ups rather than three per 64 KiB segment. No byte of a batch is written before
/// all of its segments are authenticated. <see cref="StartAsync"/> already reads and authenticates
/// the first segment, a batch of its own, so a caller learns that stored bytes are damaged or not
/// the container's before it answers at all, and answers as soon as one segment has come. While a
/// batch is decrypted and written, the next one is being read (one batch ahead, no more), so
/// reading overlaps with both.
/// <para>
/// Every batch after the first is decrypted straight into the output's own memory
/// (<see cref="PipeWriter.GetMemory"/>) and committed only once all of it authenticated: a decode
/// copies its plaintext once, into the response, rather than twice. The plaintext then lives in the
/// output's buffers, as any response's bytes do; the reader zeroes the one buffer of its own.
/// </para>
/// </summary>
public sealed class TeraReader : IAsyncDisposable
{
    /// <summary>
    /// The most stored bytes one batch holds: whatever the range, a decode holds two buffers of at most
    /// this size (the shared pool's own, a power of two) and one segment of its own, and the output
    /// one batch of plaintext.
    /// </summary>
    public const int BatchBytes = 1024 * 1024;

    private readonly TeraHeader _header;
    private readonly TeraKeys _keys;
    private readonly TeraRun _run;
    private readonly Stream _stored;
    private readonly long _from;
    private readonly long _to;
    private readonly long _lastSegment;
    private readonly int _batchSegments;
    /// <summary>The first segment's plaintext, authenticated by <see cref="StartAsync"/> before the caller answers.</summary>
    private readonly byte[] _first;
    private byte[] _sealed;

    /// <summary>Where the next batch's stored bytes are being read to, while <see cref="_reading"/> runs.</summary>
    private byte[] _ahead;
    private Task<int>? _reading;
    private long _next;

    /// <summary>Where the range's bytes end in <see cref="_first"/> (they start at the range's offset in its segment).</summary>
    private int _firstEnd;

    private TeraReader(TeraHeader header, TeraKeys keys, TeraRun run, Stream stored, long from, long to)
    {
        _header = header;
        _keys = keys;
        _run = run;
        _stored = stored;
        _from = from;
        _to = to;
        _next = from / header.SegmentSize;
        _lastSegment = run.ReadsNothing(from, to) ? _next - 1 : Math.Min(run.SegmentCount - 1, Math.Max(from, to) / header.SegmentSize);
        _batchSegments = BatchSegments(header.SegmentSize);
        var batch = (int)Math.Min(_batchSegments, Math.Max(1, _lastSegment - _next + 1));
        _sealed = ArrayPool<byte>.Shared.Rent(batch * (header.SegmentSize + Aead.TagSize));
        _ahead = ArrayPool<byte>.Shared.Rent(batch * (header.SegmentSize + Aead.TagSize));
        _first = ArrayPool<byte>.Shared.Rent(header.SegmentSize);
    }

    /// <summary>
    /// Starts reading run positions <paramref name="from"/>..<paramref name="to"/> (inclusive; see
    /// <see cref="TeraRun.Of(TeraFile, long, long)"/>): the first segment is read and authenticated now.
    /// The reader owns <paramref name="stored"/> from here on.
    /// </summary>
    public static async Task<TeraReader> StartAsync(TeraHeader header, TeraKeys keys, TeraRun run, Stream stored, long from, long to, CancellationToken cancellationToken)
    {
        var reader = new TeraReader(header, keys, run, stored, from, to);
        try
        {
            if (reader._next <= reader._lastSegment)
            {
                reader._firstEnd = await reader.ReadBatchAsync(reader._first, reader._next, cancellationToken);
            }
            return reader;
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Writes the range to <paramref name="output"/>, batch by batch, each authenticated before it is
    /// committed and flushed. It stops early, with no error, once the output's reader is gone.
    /// </summary>
    public async Task CopyToAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        var firstStart = (int)(_from % _header.SegmentSize);
        if (_firstEnd > firstStart)
        {
            output.Write(_first.AsSpan(firstStart, _firstEnd - firstStart));
        }
        var flushed = await output.FlushAsync(cancellationToken);
        while (_next <= _lastSegment && !flushed.IsCompleted)
        {
            // The previous flush is awaited first: a writer asked for memory during a flush may hand out a copy of its own.
            var last = LastOfBatch(_next);
            output.Advance(await ReadBatchAsync(output.GetMemory(PlainLength(_next, last)), last, cancellationToken));
            flushed = await output.FlushAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A read ahead that is still running owns its buffer until it ends; how it ends no longer matters.
        if (_reading is not null)
        {
            await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        await _stored.DisposeAsync();
        CryptographicOperations.ZeroMemory(_first);
        ArrayPool<byte>.Shared.Return(_sealed);
        ArrayPool<byte>.Shared.Return(_ahead);
        ArrayPool<byte>.Shared.Return(_first);
    }

    /// <summary>
    /// Reads the next batch, up to segment <paramref name="last"/>, and decrypts it into
    /// <paramref name="plaintext"/>, which must hold its whole segments; answers where the range's
    /// bytes end in it (only the first batch can start inside a segment). Throws before it answers if
    /// any segment fails to authenticate.
    /// </summary>
    private async Task<int> ReadBatchAsync(Memory<byte> plaintext, long last, CancellationToken cancellationToken)
    {
        var size = _header.SegmentSize;
        var first = _next;
        _next = last + 1;
        var sealedLength = SealedLength(first, last);
        int read;
        if (_reading is null)
        {
            read = await ReadSealedAsync(_sealed, sealedLength, cancellationToken);
        }
        else
        {
            read = await _reading;
            _reading = null;
            (_sealed, _ahead) = (_ahead, _sealed);
        }
        if (read != sealedLength)
        {
            throw new TeraIntegrityException("The stored container is truncated.");
        }
        if (_next <= _lastSegment)
        {
            _reading = ReadSealedAsync(_ahead, SealedLength(_next, LastOfBatch(_next)), cancellationToken);
        }
        var offset = 0;
        for (var segment = first; segment <= last; segment++)
        {
            var plainLength = PlainLength(segment);
            var plainAt = (int)(segment - first) * size;
            TeraSegments.Open(_header, _keys.SegmentKey, _run.Index, segment, segment == _run.SegmentCount - 1,
                _sealed.AsSpan(offset, plainLength + Aead.TagSize), plaintext.Span[plainAt..]);
            offset += plainLength + Aead.TagSize;
        }
        return ((int)(last - first) * size) + (last == _to / size ? (int)(_to % size) + 1 : PlainLength(last));
    }

    /// <summary>How many whole sealed segments of <paramref name="segmentSize"/> fit in <see cref="BatchBytes"/> (at least one).</summary>
    internal static int BatchSegments(int segmentSize) => Math.Max(1, BatchBytes / (segmentSize + Aead.TagSize));

    /// <summary>The last segment of the batch that starts at segment <paramref name="first"/>.</summary>
    private long LastOfBatch(long first) => Math.Min(_lastSegment, first + _batchSegments - 1);

    /// <summary>The stored length of segments <paramref name="first"/>..<paramref name="last"/>: each one's plaintext and tag.</summary>
    private int SealedLength(long first, long last) =>
        (int)((last - first + 1) * Aead.TagSize + (Math.Min(_run.Size, (last + 1) * _header.SegmentSize) - (first * _header.SegmentSize)));

    /// <summary>The plaintext length of segments <paramref name="first"/>..<paramref name="last"/>, whole.</summary>
    private int PlainLength(long first, long last) => (int)((last - first) * _header.SegmentSize) + PlainLength(last);

    private int PlainLength(long segment) => (int)Math.Min(_header.SegmentSize, _run.Size - (segment * _header.SegmentSize));

    private Task<int> ReadSealedAsync(byte[] buffer, int length, CancellationToken cancellationToken) =>
        _stored.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).AsTask();
}
