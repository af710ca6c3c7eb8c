using System.Collections.Concurrent;

namespace Locktera.Core.RateLimiting;

/// <summary>The outcome of one request against its subject's limit, with what the RateLimit headers report.</summary>
public sealed record RateLimitDecision(bool Allowed, int Limit, int Remaining, TimeSpan ResetAfter);

/// <summary>
/// Fixed one-minute windows per subject (API key), shared by every instance through one row in
/// table storage: the window and how much of its quota instances have taken. An instance takes
/// quota in leases — a few requests at a time while much is left, one at a time near the limit —
/// under the row's ETag, and admits requests from its lease in memory: most requests write
/// nothing, and the leases of all instances together never exceed the limit. Far from the limit an
/// instance takes its next lease in the background once half of one is spent, so that no request
/// waits for storage. What a lease holds when its window ends is lost, so spread over instances
/// slightly fewer than the limit may be admitted (at most 1.5 × <see cref="MaxLease"/> per instance
/// while far from the limit, less near it).
/// </summary>
public sealed class RateLimiter(StorageAccount storage, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>The most requests one lease takes: 1 write per 10 requests at most, while little is lost at the window's end.</summary>
    public const int MaxLease = 10;

    /// <summary>
    /// How much of the window's quota must still be free for a lease to be renewed ahead: there, every
    /// lease is a whole <see cref="MaxLease"/>. Nearer the limit, leases shrink and are taken only when
    /// needed, so that an instance does not sit on quota that others could spend.
    /// </summary>
    private const int RenewAheadWhileFree = 4 * MaxLease;

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
            if (fromLease.RenewAhead)
            {
                RenewAhead(subject, limit, lease);
            }
            return fromLease.Decision;
        }
        // One lease at a time per subject on this instance: requests that arrive meanwhile take from it.
        await lease.Gate.WaitAsync(cancellationToken);
        try
        {
            if (lease.TryTake(window, limit, resetAfter) is { } meanwhile)
            {
                return meanwhile.Decision;
            }
            var (leased, granted, taken) = await LeaseAsync(subject, limit, cancellationToken);
            return lease.Add(leased, granted, taken, limit, ResetAfter(leased, time.GetUtcNow()));
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    /// <summary>
    /// Takes the subject's next lease while requests still take from the current one. It is no
    /// request's work: none waits for it (one that finds the lease spent meanwhile waits at the gate,
    /// then takes from what this added), and it carries no request's trace or cancellation. The gate is
    /// taken here, before this returns, so that no request can lease in its place. A failure is left to
    /// the next request that needs a lease, which takes one itself and reports it.
    /// </summary>
    private void RenewAhead(string subject, int limit, Lease lease)
    {
        if (!lease.Gate.Wait(0))
        {
            // A request is leasing already.
            return;
        }
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    var (leased, granted, taken) = await LeaseAsync(subject, limit, CancellationToken.None);
                    lease.AddAhead(leased, granted, taken);
                }
                catch (Exception)
                {
                    // See above: the request that needs the lease leases itself, and fails in its own right.
                }
                finally
                {
                    lease.Gate.Release();
                }
            });
        }
    }

    /// <summary>Takes a lease of the subject's quota under the window row's ETag: the window, what was granted (0 when the limit is spent) and what all instances have taken with it.</summary>
    private async Task<(long Window, int Granted, int Taken)> LeaseAsync(string subject, int limit, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(storage.Names.RateLimits, cancellationToken);
        return await table.UpdateAsync(subject, Row, row =>
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

        /// <summary>
        /// A request admitted from the lease, or null when it is spent or of another window. Says to
        /// renew ahead when this take leaves half of a whole lease while the window is far from its limit.
        /// </summary>
        public (RateLimitDecision Decision, bool RenewAhead)? TryTake(long window, int limit, TimeSpan resetAfter)
        {
            lock (_lock)
            {
                if (_window != window || _left == 0)
                {
                    return null;
                }
                _left--;
                var renewAhead = _left == MaxLease / 2 && limit - _taken >= RenewAheadWhileFree;
                return (new RateLimitDecision(true, limit, Remaining(limit), resetAfter), renewAhead);
            }
        }

        /// <summary>Adds a lease taken for a request, and admits that request from it when it granted anything.</summary>
        public RateLimitDecision Add(long window, int granted, int taken, int limit, TimeSpan resetAfter)
        {
            lock (_lock)
            {
                Extend(window, granted, taken);
                if (_left == 0)
                {
                    return new RateLimitDecision(false, limit, 0, resetAfter);
                }
                _left--;
                return new RateLimitDecision(true, limit, Remaining(limit), resetAfter);
            }
        }

        /// <summary>Adds a lease taken ahead of need.</summary>
        public void AddAhead(long window, int granted, int taken)
        {
            lock (_lock)
            {
                Extend(window, granted, taken);
            }
        }

        private void Extend(long window, int granted, int taken)
        {
            if (_window != window)
            {
                // A new window: what the old lease held is gone.
                (_window, _left) = (window, 0);
            }
            _left += granted;
            _taken = taken;
        }

        /// <summary>What is left of the limit as this instance knows it: what no instance has taken, and what its own lease still holds.</summary>
        private int Remaining(int limit) => Math.Max(0, limit - _taken + _left);
    }
}
