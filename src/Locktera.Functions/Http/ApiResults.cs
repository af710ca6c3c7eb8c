using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Locktera.Functions.Http;

/// <summary>The documented error shape: problem+json carrying upstream's message, code and fields.</summary>
public sealed record Problem(
    string Title,
    int Status,
    string Message,
    int Code,
    IReadOnlyDictionary<string, string>? Fields,
    string TraceId);

public static class ApiResults
{
    public const string ProblemContentType = "application/problem+json";

    public static IResult Ok<T>(T value) => Json(value, JsonContentType, StatusCodes.Status200OK);

    public static IResult Created<T>(T value) => Json(value, JsonContentType, StatusCodes.Status201Created);

    public static IResult Accepted<T>(T value) => Json(value, JsonContentType, StatusCodes.Status202Accepted);

    public static IResult NoContent() => Results.NoContent();

    public static IResult Problem(ErrorCode code, string message, IReadOnlyDictionary<string, string>? fields, string traceId)
    {
        var status = code.HttpStatus();
        var problem = new Problem(
            ReasonPhrases.GetReasonPhrase(status),
            status,
            message,
            (int)code,
            fields,
            traceId);
        return Json(problem, ProblemContentType, status);
    }

    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>
    /// A JSON document serialized whole before it is sent, so that it goes with its Content-Length in
    /// one write: the client has the whole answer with its first read (a streamed, chunked one ends
    /// with a write of its own), and HTTP/1.0 clients keep their connection.
    /// </summary>
    private static JsonDocumentResult Json<T>(T value, string contentType, int status) =>
        new JsonDocumentResult(JsonSerializer.SerializeToUtf8Bytes(value, ApiJson.Options), contentType, status);

    private sealed class JsonDocumentResult(byte[] body, string contentType, int status) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
    {
        public int? StatusCode => status;

        public string ContentType => contentType;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = contentType;
            response.ContentLength = body.Length;
            return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }
}
