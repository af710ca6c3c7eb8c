namespace Locktera.Core;

/// <summary>The periods that counters, claims and roll-ups are kept by (UTC).</summary>
public static class Periods
{
    /// <summary>The start of the period of length <paramref name="period"/> (counted from year 1) that holds <paramref name="at"/>.</summary>
    public static DateTimeOffset Floor(DateTimeOffset at, TimeSpan period) =>
        new(at.UtcTicks - (at.UtcTicks % period.Ticks), TimeSpan.Zero);

    /// <summary>The first instant of the calendar month that holds <paramref name="at"/>.</summary>
    public static DateTime MonthStart(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);
}
