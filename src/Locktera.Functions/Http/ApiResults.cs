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

    public static IResult Ok<T>(T value) => Results.Json(value, ApiJson.Options, statusCode: StatusCodes.Status200OK);

    public static IResult Created<T>(T value) => Results.Json(value, ApiJson.Options, statusCode: StatusCodes.Status201Created);

    public static IResult Accepted<T>(T value) => Results.Json(value, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);

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
        return Results.Json(problem, ApiJson.Options, ProblemContentType, status);
    }
}
