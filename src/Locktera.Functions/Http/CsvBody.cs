using Microsoft.Net.Http.Headers;

namespace Locktera.Functions.Http;

/// <summary>The body of an import: CSV, read as a stream so a large file is never held whole.</summary>
internal static class CsvBody
{
    public static Stream Of(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Value is "text/csv" or "application/csv"
            ? request.Body
            : throw LockteraException.Validation("content-type", "must be text/csv");
}
