namespace Locktera.Core.Validation;

/// <summary>Times given by callers (bodies and query strings), read the same way everywhere.</summary>
public static class Timestamps
{
    public const string Problem = "must be an ISO-8601 timestamp, e.g. 2026-01-31T23:59:59Z";

    /// <summary>An ISO-8601 time, in UTC unless it names its offset; null when it is not one.</summary>
    public static DateTimeOffset? Parse(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value) ? value : null;
}
