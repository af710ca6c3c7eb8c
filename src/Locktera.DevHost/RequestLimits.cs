using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Locktera.DevHost;

/// <summary>
/// The limits Kestrel enforces on a request before any middleware runs (the request line, the number
/// and size of headers, header text that is not UTF-8) are enforced here instead, as
/// the first middleware, so that the refusal has the documented problem+json shape: Kestrel answers
/// them with an empty body. Kestrel's own limits are raised above these (within the request buffer it
/// keeps anyway). Beyond those, and for what Kestrel cannot parse at all (a NUL in the path or in a
/// header, a malformed request line, a missing Host), Kestrel still answers itself; see
/// docs/compatibility.md.
/// </summary>
public static class RequestLimits
{
    /// <summary>Kestrel's default limits, which the Functions host's Kestrel applies too.</summary>
    public const int MaxRequestLineBytes = 8 * 1024;

    public const int MaxHeaderBytes = 32 * 1024;
    public const int MaxHeaderCount = 100;

    /// <summary>How far Kestrel's own limits are raised: requests between ours and these get our answer.</summary>
    private const int Headroom = 8;

    /// <summary>Lets Kestrel pass what these limits refuse, so that this middleware can answer it.</summary>
    public static void Relax(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxRequestLineSize = Headroom * MaxRequestLineBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = Headroom * MaxHeaderBytes;
        kestrel.Limits.MaxRequestHeaderCount = Headroom * MaxHeaderCount;
        // Bytes that are not UTF-8 become U+FFFD instead of a bare 400; such a value is refused below.
        kestrel.RequestHeaderEncodingSelector = _ => Encoding.UTF8;
    }

    public static async Task RefuseOversizedOrUnreadable(HttpContext context, RequestDelegate next)
    {
        if (Refusal(context) is { } refusal)
        {
            await RequestPipeline.Problem(context, refusal.Code, refusal.Message, refusal.Fields).ExecuteAsync(context);
            return;
        }
        await next(context);
    }

    private static (ErrorCode Code, string Message, Dictionary<string, string>? Fields)? Refusal(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        // As Kestrel counts it: method, target and version, the spaces between them and the CRLF.
        if (request.Method.Length + target.Length + request.Protocol.Length + 4 > MaxRequestLineBytes)
        {
            return (ErrorCode.UriTooLong, $"The request line is longer than {MaxRequestLineBytes} bytes.", null);
        }
        var count = 0;
        var bytes = 0;
        Dictionary<string, string>? unreadable = null;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                count++;
                bytes += name.Length + Encoding.UTF8.GetByteCount(value ?? "") + 4;
                if (value is not null && value.Contains('\uFFFD', StringComparison.Ordinal))
                {
                    (unreadable ??= [])[name] = "must be ASCII or UTF-8 text";
                }
            }
        }
        if (count > MaxHeaderCount || bytes > MaxHeaderBytes)
        {
            return (ErrorCode.HeadersTooLarge, $"The request has more than {MaxHeaderCount} headers, or more than {MaxHeaderBytes} bytes of them.", null);
        }
        return unreadable is null ? null : (ErrorCode.ValidationFailed, "A header value could not be read.", unreadable);
    }
}
