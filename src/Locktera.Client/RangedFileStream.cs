using System.Net;
using System.Net.Http.Headers;

namespace Locktera.Client;

/// <summary>
/// A decoded file read by Range requests as the caller reads and seeks: each read asks for the
/// bytes from the position on (at least <see cref="MinimumRead"/>, so that small reads do not each
/// cost a request), and every request after the first names the file's version (If-Range), so a
/// file that changed meanwhile is an error rather than a mix of two versions.
/// </summary>
internal sealed class RangedFileStream : Stream
{
    /// <summary>The least a read asks the service for: one segment of the container format.</summary>
    public const int MinimumRead = 64 * 1024;

    private readonly LockteraPipeline _pipeline;
    private readonly string _url;
    private readonly Action<HttpRequestMessage> _configure;
    private readonly EntityTagHeaderValue? _version;
    private byte[] _window;
    private long _windowStart;
    private long _position;

    private RangedFileStream(LockteraPipeline pipeline, string url, Action<HttpRequestMessage> configure, long length, EntityTagHeaderValue? version, byte[] first)
    {
        _pipeline = pipeline;
        _url = url;
        _configure = configure;
        Length = length;
        _version = version;
        _window = first;
    }

    public static async Task<Stream> OpenAsync(LockteraPipeline pipeline, string url, Action<HttpRequestMessage> configure, CancellationToken cancellationToken)
    {
        using var request = pipeline.Request(HttpMethod.Get, url, null);
        configure(request);
        request.Headers.Range = new RangeHeaderValue(0, MinimumRead - 1);
        HttpResponseMessage response;
        try
        {
            // Headers first: an answer that ignored the Range (a 200 with the whole file) is never read whole.
            response = await pipeline.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (LockteraException e) when (e.Status == 416)
        {
            // Only an empty file has no byte 0.
            return new RangedFileStream(pipeline, url, configure, 0, null, []);
        }
        using (response)
        {
            if (response.StatusCode != System.Net.HttpStatusCode.PartialContent && (response.Content.Headers.ContentLength ?? long.MaxValue) > MinimumRead)
            {
                throw new InvalidOperationException("The server answered the whole file to a Range request: a seekable stream needs Range support.");
            }
            var first = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var length = ContentRanges.TotalOf(response) ?? first.Length;
            return new RangedFileStream(pipeline, url, configure, length, response.Headers.ETag, first);
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => Length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= Length)
        {
            return 0;
        }
        if (_position < _windowStart || _position >= _windowStart + _window.Length)
        {
            await FetchAsync(Math.Max(buffer.Length, MinimumRead), cancellationToken);
        }
        var available = _window.AsMemory((int)(_position - _windowStart));
        var n = Math.Min(available.Length, buffer.Length);
        available[..n].CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async Task FetchAsync(int want, CancellationToken cancellationToken)
    {
        var to = Math.Min(Length, _position + want) - 1;
        using var request = _pipeline.Request(HttpMethod.Get, _url, null);
        _configure(request);
        request.Headers.Range = new RangeHeaderValue(_position, to);
        if (_version is not null)
        {
            request.Headers.IfRange = new RangeConditionHeaderValue(_version);
        }
        using var response = await _pipeline.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.PartialContent)
        {
            throw new IOException("The file changed while it was read.");
        }
        _window = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        _windowStart = _position;
    }
}
