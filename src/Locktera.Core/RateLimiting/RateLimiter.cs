namespace Locktera.Core.RateLimiting;

/// <summary>The outcome of one request against its subject's limit, with what the RateLimit headers report.</summary>
public sealed record RateLimitDecision(bool Allowed, int Limit, int Remaining, TimeSpan ResetAfter);

/// <summary>
/// Fixed one-minute windows per subject (API key), counted in table storage so that every
/// instance shares one count. One row per subject holds the current window and its count; each
/// request increments it under an ETag, so concurrent requests on any number of instances can
/// neither lose a count nor let more than the limit through. A request over the limit writes nothing.
/// </summary>
public sealed class RateLimiter(StorageAccount storage, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const string Row = "window";

    public async Task<RateLimitDecision> AcquireAsync(string subject, int limit, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(storage.Names.RateLimits, cancellationToken);
        return await table.UpdateAsync(subject, Row, row =>
        {
            var now = time.GetUtcNow();
            var window = now.ToUnixTimeMilliseconds() / (long)Window.TotalMilliseconds;
            var resetAfter = DateTimeOffset.FromUnixTimeMilliseconds((window + 1) * (long)Window.TotalMilliseconds) - now;
            var current = row is not null && row.GetInt64("Window") == window ? row.GetInt32("Count") ?? 0 : 0;
            return current >= limit
                ? (null, new RateLimitDecision(false, limit, 0, resetAfter))
                : (new TableEntity(subject, Row) { ["Window"] = window, ["Count"] = current + 1 }, new RateLimitDecision(true, limit, limit - current - 1, resetAfter));
        }, cancellationToken);
    }
}
