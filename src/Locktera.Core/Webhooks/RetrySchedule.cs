namespace Locktera.Core.Webhooks;

/// <summary>When failed webhook deliveries are tried again (<see cref="LockteraOptions.WebhookRetrySchedule"/>).</summary>
public static class RetrySchedule
{
    /// <summary>No attempt is made later than this after a delivery's round began.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(24);

    /// <summary>"5s,5m,2h" as its delays; null when any part is not a whole number of s, m or h from 1 second to 24 hours, or there is none.</summary>
    public static IReadOnlyList<TimeSpan>? Parse(string schedule)
    {
        var delays = new List<TimeSpan>();
        foreach (var part in schedule.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length < 2 || !int.TryParse(part.AsSpan(0, part.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
            {
                return null;
            }
            TimeSpan? delay = part[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => null,
            };
            if (delay is not { } valid || valid < TimeSpan.FromSeconds(1) || valid > Horizon)
            {
                return null;
            }
            delays.Add(valid);
        }
        return delays.Count > 0 ? delays : null;
    }

    /// <summary>The delay before the next attempt, varied by up to a tenth either way.</summary>
    public static TimeSpan Jittered(TimeSpan delay) => delay * (0.9 + (Random.Shared.NextDouble() * 0.2));
}
