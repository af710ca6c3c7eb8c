namespace Locktera.Functions.Http;

/// <summary>Query parameters of the list routes, read the same way everywhere.</summary>
internal static class QueryValues
{
    /// <summary>A parameter's value; an empty one counts as absent.</summary>
    public static string? Text(HttpRequest request, string name) => request.Query[name].ToString() is { Length: > 0 } value ? value : null;

    /// <summary>The <c>start</c> and <c>end</c> of a log listing (each optional); malformed ones are a 400.</summary>
    public static (DateTimeOffset? Start, DateTimeOffset? End) TimeWindow(HttpRequest request)
    {
        var errors = new FieldErrors();
        var window = (Timestamp(request, "start", errors), Timestamp(request, "end", errors));
        errors.ThrowIfAny(ErrorCode.InvalidPaging, "The list parameters are invalid.");
        return window;
    }

    /// <summary>An ISO-8601 timestamp (UTC unless it says otherwise); a malformed one is reported in <paramref name="errors"/>.</summary>
    public static DateTimeOffset? Timestamp(HttpRequest request, string name, FieldErrors errors)
    {
        if (Text(request, name) is not { } text)
        {
            return null;
        }
        if (Timestamps.Parse(text) is { } value)
        {
            return value;
        }
        errors.Add(name, Timestamps.Problem);
        return null;
    }
}
