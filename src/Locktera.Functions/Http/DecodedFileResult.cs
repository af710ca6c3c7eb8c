using Locktera.Core.Containers;
using Locktera.Core.Content;
using Locktera.Core.Errors;
using Locktera.Core.Tera;
using Locktera.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Locktera.Functions.Http;

/// <summary>
/// Streams (a range of) one decrypted file. Only the segments the range touches are read, with one
/// ranged read, and each is authenticated before any of its bytes is sent. If the very first
/// segment fails, the response becomes a 502 problem; a later failure aborts the connection, so a
/// client never receives a byte that did not authenticate.
/// </summary>
public sealed partial class DecodedFileResult(OpenedContainer container, int fileIndex, ByteRange? range, bool inline, Func<string, Task> recordIntegrityFailure, ILogger logger) : IResult
{
    private readonly TeraFile _file = container.Index.Files[fileIndex];

    public static string ETag(TeraFile file) => $"\"{file.Sha256}\"";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = range is null ? StatusCodes.Status200OK : StatusCodes.Status206PartialContent;
        response.ContentType = MediaTypeHeaderValue.TryParse(_file.Type, out var type) ? type.ToString() : "application/octet-stream";
        response.ContentLength = range?.Length ?? _file.Size;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = ETag(_file);
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        // Viewers of a container that is not downloadable get content to display, not to save.
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment") { FileNameStar = _file.Name }.ToString();
        if (range is { } r)
        {
            response.Headers.ContentRange = r.ContentRange(_file.Size);
        }
        if (_file.Size == 0)
        {
            return;
        }

        var from = range?.From ?? 0;
        var to = range?.To ?? _file.Size - 1;
        var (offset, length) = TeraReader.StoredRange(container.Header, _file, from, to);
        try
        {
            await using var stored = await container.Store.OpenReadAsync(container.Record.ObjectKey, offset, length, httpContext.RequestAborted);
            await TeraReader.CopyRangeAsync(container.Header, container.Keys, fileIndex, _file, stored, from, to, response.Body, httpContext.RequestAborted);
        }
        catch (Exception e) when (e is TeraIntegrityException or ContentNotFoundException)
        {
            LogIntegrityFailure(logger, container.Record.Id, e.Message);
            await recordIntegrityFailure(e.Message);
            if (response.HasStarted)
            {
                httpContext.Abort();
                return;
            }
            response.Headers.Remove(HeaderNames.ContentRange);
            response.Headers.Remove(HeaderNames.ContentDisposition);
            response.Headers.Remove(HeaderNames.ETag);
            response.ContentLength = null;
            var requestId = httpContext.FindRequestContext()?.RequestId ?? "";
            await ApiResults.Problem(ErrorCode.ContainerIntegrityFailed, "The stored container failed its integrity check; no content was served.", null, requestId)
                .ExecuteAsync(httpContext);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Container {ContainerId} failed authentication while decoding: {Reason}")]
    private static partial void LogIntegrityFailure(ILogger logger, Guid containerId, string reason);
}
