using System.Buffers;

namespace Locktera.Core.Tera;

/// <summary>
/// Decrypts a byte range of a run of segments (<see cref="TeraRun"/>: a file's own, or a version-2
/// stream), reading only the segments the range touches, from a stream holding exactly
/// <see cref="TeraRun.StoredRange"/>. Each segment is authenticated before any of its bytes is
/// written. <see cref="StartAsync"/> already reads and authenticates the first segment, so a caller
/// learns that stored bytes are damaged or not the container's before it answers at all. While a
/// segment is written, the next one is being read and then decrypted into a second buffer (one
/// segment ahead, no more), so reading, decrypting and writing overlap.
/// </summary>
public sealed class TeraReader : IAsyncDisposable
{
    private readonly TeraHeader _header;
    private readonly TeraKeys _keys;
    private readonly TeraRun _run;
    private readonly Stream _stored;
    private readonly long _from;
    private readonly long _to;
    private readonly long _lastSegment;
    private byte[] _plaintext;

    /// <summary>The plaintext being written while the next segment is decrypted into <see cref="_plaintext"/>.</summary>
    private byte[] _writing;
    private byte[] _sealed;

    /// <summary>Where the next segment's stored bytes are being read to, while <see cref="_reading"/> runs.</summary>
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
        _sealed = ArrayPool<byte>.Shared.Rent(header.SegmentSize + Aead.TagSize);
        _ahead = ArrayPool<byte>.Shared.Rent(header.SegmentSize + Aead.TagSize);
        _plaintext = ArrayPool<byte>.Shared.Rent(header.SegmentSize);
        _writing = ArrayPool<byte>.Shared.Rent(header.SegmentSize);
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
                await reader.ReadSegmentAsync(cancellationToken);
            }
            return reader;
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the range to <paramref name="output"/>, segment by segment, each authenticated first.</summary>
    public async Task CopyToAsync(Stream output, CancellationToken cancellationToken)
    {
        var writing = Write(output, cancellationToken);
        try
        {
            while (_next <= _lastSegment)
            {
                // The segment just authenticated is written from the other buffer while this one fills.
                (_plaintext, _writing) = (_writing, _plaintext);
                await ReadSegmentAsync(cancellationToken);
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

    /// <summary>Starts writing the decrypted part of the current segment (its range's bytes), from its own buffer.</summary>
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
        CryptographicOperations.ZeroMemory(_plaintext.AsSpan(0, _header.SegmentSize));
        CryptographicOperations.ZeroMemory(_writing.AsSpan(0, _header.SegmentSize));
        ArrayPool<byte>.Shared.Return(_sealed);
        ArrayPool<byte>.Shared.Return(_ahead);
        ArrayPool<byte>.Shared.Return(_plaintext);
        ArrayPool<byte>.Shared.Return(_writing);
    }

    private async Task ReadSegmentAsync(CancellationToken cancellationToken)
    {
        var size = _header.SegmentSize;
        var segment = _next++;
        var plainLength = PlainLength(segment);
        var sealedLength = plainLength + Aead.TagSize;
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
            _reading = ReadSealedAsync(_ahead, PlainLength(_next) + Aead.TagSize, cancellationToken);
        }
        TeraSegments.Open(_header, _keys.SegmentKey, _run.Index, segment, segment == _run.SegmentCount - 1, _sealed.AsSpan(0, sealedLength), _plaintext);
        _start = segment == _from / size ? (int)(_from % size) : 0;
        _end = segment == _to / size ? (int)(_to % size) + 1 : plainLength;
    }

    private int PlainLength(long segment) => (int)Math.Min(_header.SegmentSize, _run.Size - (segment * _header.SegmentSize));

    private Task<int> ReadSealedAsync(byte[] buffer, int length, CancellationToken cancellationToken) =>
        _stored.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).AsTask();
}
