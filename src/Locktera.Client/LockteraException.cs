namespace Locktera.Client;

/// <summary>
/// An error answer of the API, in its problem+json shape: the HTTP <see cref="Status"/>, the stable
/// numeric <see cref="Code"/> (docs/errors.md), the <see cref="Fields"/> at fault and the
/// <see cref="TraceId"/> to quote when reporting it.
/// </summary>
public sealed class LockteraException(int status, int code, string message, IReadOnlyDictionary<string, string> fields, string? traceId)
    : Exception($"{message} ({status}, code {code}{(traceId is null ? "" : $", trace {traceId}")})")
{
    public int Status { get; } = status;

    public int Code { get; } = code;

    /// <summary>The API's own message, without the status and code this exception's <see cref="Exception.Message"/> adds.</summary>
    public string ApiMessage { get; } = message;

    public IReadOnlyDictionary<string, string> Fields { get; } = fields;

    public string? TraceId { get; } = traceId;
}
