using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Locktera.Functions.Http;

/// <summary>
/// One byte range of an HTTP Range request, resolved against a length: <c>bytes=a-b</c>,
/// <c>bytes=a-</c> or <c>bytes=-n</c>. Several ranges are answered with the whole file (allowed by
/// RFC 9110), as is a range whose If-Range no longer matches.
/// </summary>
public readonly record struct ByteRange(long From, long To)
{
    public long Length => To - From + 1;

    /// <summary>Null for "send everything"; a range for 206; a 416 failure (with <c>Content-Range: bytes */size</c>) otherwise.</summary>
    public static ByteRange? Resolve(HttpRequest request, long size, string etag)
    {
        var header = request.Headers.Range.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }
        var ifRange = request.Headers.IfRange.ToString();
        if (ifRange.Length > 0 && ifRange != etag)
        {
            return null;
        }
        if (!RangeHeaderValue.TryParse(header, out var parsed) || !"bytes".Equals(parsed.Unit.Value, StringComparison.OrdinalIgnoreCase))
        {
            // A Range header that is not understood is ignored, as RFC 9110 says.
            return null;
        }
        if (parsed.Ranges.Count != 1)
        {
            return null;
        }
        var range = parsed.Ranges.First();
        if (range.From is { } from)
        {
            if (from >= size)
            {
                throw NotSatisfiable(request, size);
            }
            return new ByteRange(from, Math.Min(range.To ?? (size - 1), size - 1));
        }
        var suffix = range.To ?? 0;
        if (suffix <= 0 || size == 0)
        {
            throw NotSatisfiable(request, size);
        }
        return new ByteRange(Math.Max(0, size - suffix), size - 1);
    }

    public string ContentRange(long size) => string.Create(CultureInfo.InvariantCulture, $"bytes {From}-{To}/{size}");

    private static LockteraException NotSatisfiable(HttpRequest request, long size)
    {
        request.HttpContext.Response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes */{size}");
        return new LockteraException(ErrorCode.RangeNotSatisfiable, $"The range lies outside the file's {size} bytes.");
    }
}
