using System.Buffers;

namespace Locktera.Core.Tera;

/// <summary>
/// Decrypts a byte range of a run of segments (<see cref="TeraRun"/>: a file's own, or a version-2
/// stream), reading only the segments the range touches, from a stream holding exactly
/// <see cref="TeraRun.StoredRange"/>. Segments go in batches of up to <see cref="BatchBytes"/>: one
/// read, each segment of it authenticated, one write, so that a large range costs few reads, writes
/// and thread wake-ups rather than three per 64 KiB segment. No byte of a batch is written before
/// all of its segments are authenticated. <see cref="StartAsync"/> already reads and authenticates
/// the first batch, so a caller learns that stored bytes are damaged or not the container's before
/// it answers at all. While a batch is written, the next one is being read and then decrypted into
/// a second buffer (one batch ahead, no more), so reading, decrypting and writing overlap.
/// </summary>
public sealed class TeraReader : IAsyncDisposable
{
    /// <summary>
    /// The most stored bytes one batch holds: a decode holds four buffers of at most this size (the
    /// shared pool's own, a power of two), whatever the range.
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
    private byte[] _plaintext;

    /// <summary>The plaintext being written while the next batch is decrypted into <see cref="_plaintext"/>.</summary>
    private byte[] _writing;
    private byte[] _sealed;

    /// <summary>Where the next batch's stored bytes are being read to, while <see cref="_reading"/> runs.</summary>
    private byte[] _ahead;
    private Task<int>? _reading;
    private long _next;
    private int _start;
    private int _end;

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
        _plaintext = ArrayPool<byte>.Shared.Rent(batch * header.SegmentSize);
        _writing = ArrayPool<byte>.Shared.Rent(batch * header.SegmentSize);
    }

    /// <summary>
    /// Starts reading run positions <paramref name="from"/>..<paramref name="to"/> (inclusive; see
    /// <see cref="TeraRun.Of(TeraFile, long, long)"/>): the first batch is read and authenticated now.
    /// The reader owns <paramref name="stored"/> from here on.
    /// </summary>
    public static async Task<TeraReader> StartAsync(TeraHeader header, TeraKeys keys, TeraRun run, Stream stored, long from, long to, CancellationToken cancellationToken)
    {
        var reader = new TeraReader(header, keys, run, stored, from, to);
        try
        {
            if (reader._next <= reader._lastSegment)
            {
                await reader.ReadBatchAsync(cancellationToken);
            }
            return reader;
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the range to <paramref name="output"/>, batch by batch, each authenticated first.</summary>
    public async Task CopyToAsync(Stream output, CancellationToken cancellationToken)
    {
        var writing = Write(output, cancellationToken);
        try
        {
            while (_next <= _lastSegment)
            {
                // The batch just authenticated is written from the other buffer while this one fills.
                (_plaintext, _writing) = (_writing, _plaintext);
                await ReadBatchAsync(cancellationToken);
                await writing;
                writing = Write(output, cancellationToken);
            }
        }
        catch
        {
            // No write may still hold a buffer when the reader lets it go; the first failure is the one reported.
            await writing.ContinueWith(_ => { }, TaskScheduler.Default);
            throw;
        }
        await writing;
    }

    /// <summary>Starts writing the decrypted part of the current batch (its range's bytes), from its own buffer.</summary>
    private Task Write(Stream output, CancellationToken cancellationToken) =>
        _end > _start ? output.WriteAsync(_plaintext.AsMemory(_start, _end - _start), cancellationToken).AsTask() : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // A read ahead that is still running owns its buffer until it ends; how it ends no longer matters.
        if (_reading is not null)
        {
            await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        await _stored.DisposeAsync();
        CryptographicOperations.ZeroMemory(_plaintext);
        CryptographicOperations.ZeroMemory(_writing);
        ArrayPool<byte>.Shared.Return(_sealed);
        ArrayPool<byte>.Shared.Return(_ahead);
        ArrayPool<byte>.Shared.Return(_plaintext);
        ArrayPool<byte>.Shared.Return(_writing);
    }

    private async Task ReadBatchAsync(CancellationToken cancellationToken)
    {
        var size = _header.SegmentSize;
        var first = _next;
        var last = Math.Min(_lastSegment, first + _batchSegments - 1);
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
            _reading = ReadSealedAsync(_ahead, SealedLength(_next, Math.Min(_lastSegment, _next + _batchSegments - 1)), cancellationToken);
        }
        var offset = 0;
        for (var segment = first; segment <= last; segment++)
        {
            var plainLength = PlainLength(segment);
            var plainAt = (int)(segment - first) * size;
            TeraSegments.Open(_header, _keys.SegmentKey, _run.Index, segment, segment == _run.SegmentCount - 1,
                _sealed.AsSpan(offset, plainLength + Aead.TagSize), _plaintext.AsSpan(plainAt));
            offset += plainLength + Aead.TagSize;
        }
        _start = first == _from / size ? (int)(_from % size) : 0;
        _end = (int)(last - first) * size + (last == _to / size ? (int)(_to % size) + 1 : PlainLength(last));
    }

    /// <summary>How many whole sealed segments of <paramref name="segmentSize"/> fit in <see cref="BatchBytes"/> (at least one).</summary>
    internal static int BatchSegments(int segmentSize) => Math.Max(1, BatchBytes / (segmentSize + Aead.TagSize));

    /// <summary>The stored length of segments <paramref name="first"/>..<paramref name="last"/>: each one's plaintext and tag.</summary>
    private int SealedLength(long first, long last) =>
        (int)((last - first + 1) * Aead.TagSize + (Math.Min(_run.Size, (last + 1) * _header.SegmentSize) - (first * _header.SegmentSize)));

    private int PlainLength(long segment) => (int)Math.Min(_header.SegmentSize, _run.Size - (segment * _header.SegmentSize));

    private Task<int> ReadSealedAsync(byte[] buffer, int length, CancellationToken cancellationToken) =>
        _stored.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).AsTask();
}
