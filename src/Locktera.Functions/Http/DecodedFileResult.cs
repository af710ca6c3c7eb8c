using Locktera.Core.Containers;
using Locktera.Core.Tera;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Locktera.Functions.Http;

/// <summary>
/// Streams (a range of) one decrypted file whose first segment has already authenticated
/// (<see cref="ContainerService.ReadFileAsync"/>): a container that fails there is answered as a 502
/// problem before this result exists. A later segment that fails aborts the connection, so a client
/// never receives a byte that did not authenticate.
/// <para>
/// The files are the senders', served from the API's own origin: nothing in them may run there.
/// Every response forbids sniffing and sandboxes the document (no script, no plugin, no same-origin
/// access), and a type a browser would run script in goes out as an attachment, never inline.
/// </para>
/// </summary>
public sealed partial class DecodedFileResult(Guid containerId, TeraFile file, string version, OpenedFile content, ByteRange? range, bool viewOnly, ILogger logger) : IResult
{
    /// <summary>No script, no plugin, no request anywhere; inline styles only, for a browser's own rendering of text and images.</summary>
    public const string ContentSecurityPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'";

    /// <summary>The ETag of a file's bytes, from <see cref="OpenedContainer.VersionOf"/>.</summary>
    public static string ETag(string version) => $"\"{version}\"";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        // A type stored before encodes checked them may not be one a header can carry.
        var type = ManifestReader.MediaTypeProblem(file.Type) is null && MediaTypeHeaderValue.TryParse(file.Type, out var parsed)
            ? parsed
            : new MediaTypeHeaderValue("application/octet-stream");
        response.StatusCode = range is null ? StatusCodes.Status200OK : StatusCodes.Status206PartialContent;
        response.ContentType = type.ToString();
        response.ContentLength = range?.Length ?? file.Size;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = ETag(version);
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        // Viewers of a container that is not downloadable get content to display, not to save; active content is never displayed.
        var disposition = viewOnly && !ActiveContent.Is(type) ? "inline" : "attachment";
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue(disposition) { FileNameStar = file.Name }.ToString();
        if (range is { } r)
        {
            response.Headers.ContentRange = r.ContentRange(file.Size);
        }
        try
        {
            await content.CopyToAsync(response.BodyWriter, httpContext.RequestAborted);
        }
        catch (Exception e) when (!httpContext.RequestAborted.IsCancellationRequested)
        {
            // Part of the answer may be out already: the only honest end is to cut the connection.
            LogStreamFailure(logger, containerId, e.GetType().Name, e is TeraIntegrityException ? e.Message : "reading the stored container failed");
            httpContext.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Container {ContainerId}: decoding stopped part-way ({Error}): {Reason}")]
    private static partial void LogStreamFailure(ILogger logger, Guid containerId, string error, string reason);
}

/// <summary>Media types a browser runs script in when it shows them as a document.</summary>
public static class ActiveContent
{
    private static readonly HashSet<string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl", "application/xslt+xml",
        "text/javascript", "application/javascript", "application/ecmascript", "text/ecmascript", "application/x-javascript",
        "application/x-shockwave-flash", "application/vnd.wap.xhtml+xml", "multipart/x-mixed-replace", "text/cache-manifest",
    };

    /// <summary>Any XML type (<c>+xml</c>) counts: a browser may render it with scripts, as it does SVG and XHTML.</summary>
    public static bool Is(MediaTypeHeaderValue type) =>
        type.MediaType.Value is { } media && (Types.Contains(media) || media.EndsWith("+xml", StringComparison.OrdinalIgnoreCase));
}
