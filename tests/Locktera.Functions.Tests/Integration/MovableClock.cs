namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The real clock, moved on by however much a test has advanced it. A test that needs time to pass
/// (a token to expire, a fresh rate-limit window) advances it instead of sleeping. Timers and
/// elapsed-time readings stay on the real clock, so background work (counter flushes, scheduled
/// timers) runs as it would anyway.
/// </summary>
public sealed class MovableClock(TimeSpan ahead = default) : TimeProvider
{
    private long _aheadTicks = ahead.Ticks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _aheadTicks));

    /// <summary>Moves the clock on; it never goes back.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _aheadTicks, by.Ticks);
    }

    /// <summary>Moves the clock on to the start of the next window of that length, counted from the Unix epoch (as the rate limiter counts its minutes).</summary>
    public void AdvanceToNextWindow(TimeSpan window)
    {
        var intoWindow = GetUtcNow().ToUnixTimeMilliseconds() % (long)window.TotalMilliseconds;
        Advance(window - TimeSpan.FromMilliseconds(intoWindow));
    }
}
