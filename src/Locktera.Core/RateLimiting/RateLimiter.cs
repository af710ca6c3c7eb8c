using System.Collections.Concurrent;

namespace Locktera.Core.RateLimiting;

/// <summary>The outcome of one request against its subject's limit, with what the RateLimit headers report.</summary>
public sealed record RateLimitDecision(bool Allowed, int Limit, int Remaining, TimeSpan ResetAfter);

/// <summary>
/// Fixed one-minute windows per subject (API key), shared by every instance through one row in
/// table storage: the window and how much of its quota instances have taken. An instance takes
/// quota in leases — a few requests at a time while much is left, one at a time near the limit —
/// under the row's ETag, and admits requests from its lease in memory: most requests write
/// nothing, and the leases of all instances together never exceed the limit. What a lease holds
/// when its window ends is lost, so spread over instances slightly fewer than the limit may be
/// admitted (at most <see cref="MaxLease"/> − 1 per instance, less near the limit).
/// </summary>
public sealed class RateLimiter(StorageAccount storage, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>The most requests one lease takes: 1 write per 10 requests at most, while little is lost at the window's end.</summary>
    public const int MaxLease = 10;

    private const string Row = "window";

    /// <summary>Past this many subjects, the leases of windows gone by are dropped, so that memory follows the keys in use, not all keys ever seen.</summary>
    private const int KeptSubjects = 10_000;

    private readonly ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    public async Task<RateLimitDecision> AcquireAsync(string subject, int limit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var window = WindowOf(now);
        var resetAfter = ResetAfter(window, now);
        if (_leases.Count > KeptSubjects)
        {
            foreach (var (stale, _) in _leases.Where(l => l.Value.EndedBefore(window)))
            {
                _leases.TryRemove(stale, out _);
            }
        }
        var lease = _leases.GetOrAdd(subject, _ => new Lease());
        if (lease.TryTake(window, limit, resetAfter) is { } fromLease)
        {
            return fromLease;
        }
        // One lease at a time per subject on this instance: requests that arrive meanwhile take from it.
        await lease.Gate.WaitAsync(cancellationToken);
        try
        {
            if (lease.TryTake(window, limit, resetAfter) is { } meanwhile)
            {
                return meanwhile;
            }
            var table = await storage.TableAsync(storage.Names.RateLimits, cancellationToken);
            var (leased, granted, taken) = await table.UpdateAsync(subject, Row, row =>
            {
                // Decided on the time of the write, never behind the row: a request that waited past
                // the window's end (or an instance whose clock lags) must not turn a newer window back.
                var current = Math.Max(WindowOf(time.GetUtcNow()), row?.GetInt64("Window") ?? 0);
                var taken = row is not null && row.GetInt64("Window") == current ? row.GetInt32("Count") ?? 0 : 0;
                // A quarter of what is left, so that instances share the rest and the last ones go one by one.
                var grant = Math.Clamp((limit - taken) / 4, 1, MaxLease);
                return taken >= limit
                    ? (null, (current, 0, taken))
                    : (new TableEntity(subject, Row) { ["Window"] = current, ["Count"] = taken + grant }, (current, grant, taken + grant));
            }, cancellationToken);
            return lease.Add(leased, granted, taken, limit, ResetAfter(leased, time.GetUtcNow()));
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    private static long WindowOf(DateTimeOffset now) => now.ToUnixTimeMilliseconds() / (long)Window.TotalMilliseconds;

    private static TimeSpan ResetAfter(long window, DateTimeOffset now) =>
        TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, (DateTimeOffset.FromUnixTimeMilliseconds((window + 1) * (long)Window.TotalMilliseconds) - now).Ticks));

    /// <summary>What this instance holds of one subject's current window: requests it may still admit, and how much all instances had taken when it last leased.</summary>
    private sealed class Lease
    {
        private readonly Lock _lock = new();
        private long _window = -1;
        private int _left;
        private int _taken;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool EndedBefore(long window)
        {
            lock (_lock)
            {
                return _window < window;
            }
        }

        public RateLimitDecision? TryTake(long window, int limit, TimeSpan resetAfter)
        {
            lock (_lock)
            {
                if (_window != window || _left == 0)
                {
                    return null;
                }
                _left--;
                return new RateLimitDecision(true, limit, Remaining(limit), resetAfter);
            }
        }

        public RateLimitDecision Add(long window, int granted, int taken, int limit, TimeSpan resetAfter)
        {
            lock (_lock)
            {
                if (_window != window)
                {
                    // A new window: what the old lease held is gone.
                    (_window, _left) = (window, 0);
                }
                _left += granted;
                _taken = taken;
                if (_left == 0)
                {
                    return new RateLimitDecision(false, limit, 0, resetAfter);
                }
                _left--;
                return new RateLimitDecision(true, limit, Remaining(limit), resetAfter);
            }
        }

        /// <summary>What is left of the limit as this instance knows it: what no instance has taken, and what its own lease still holds.</summary>
        private int Remaining(int limit) => Math.Max(0, limit - _taken + _left);
    }
}
