using Microsoft.Extensions.Caching.Memory;

namespace Locktera.Core.Storage;

/// <summary>
/// Rows that every request reads before its own work (the API key, the key's org node, the target
/// node), kept in memory for at most <see cref="Staleness"/> so that most requests read none of
/// them from storage. A change made on this instance takes effect here at once (its writer forgets
/// the row); on every other instance within <see cref="Staleness"/> (docs/authorization.md). Only
/// rows that exist are kept: a key or node created on another instance works there at once.
/// </summary>
public sealed class RecentRows(IMemoryCache cache, TimeProvider time)
{
    /// <summary>The most a row read here may lag behind a change made on another instance.</summary>
    public static readonly TimeSpan Staleness = TimeSpan.FromSeconds(5);

    /// <summary>The row under <paramref name="key"/> as read at most <see cref="Staleness"/> ago, else as <paramref name="read"/> reads it now.</summary>
    public async Task<T?> GetAsync<T>(string key, Func<Task<T?>> read) where T : class
    {
        var now = time.GetUtcNow();
        if (cache.TryGetValue((nameof(RecentRows), key), out Entry? entry) && entry is { Row: T row } && now - entry.ReadAt <= Staleness)
        {
            return row;
        }
        var fresh = await read();
        if (fresh is null)
        {
            Forget(key);
            return null;
        }
        cache.Set((nameof(RecentRows), key), new Entry(fresh, now), Kept);
        return fresh;
    }

    /// <summary>
    /// This instance changed the row as <paramref name="change"/> does, and nothing else in it: what is
    /// kept shows the change and stays as old as its read, so the next request need not read it again.
    /// </summary>
    public void Change<T>(string key, Func<T, T> change) where T : class
    {
        if (cache.TryGetValue((nameof(RecentRows), key), out Entry? entry) && entry is { Row: T row })
        {
            cache.Set((nameof(RecentRows), key), entry with { Row = change(row) }, Kept);
        }
    }

    /// <summary>This instance changed or removed the row: the next read reads it from storage.</summary>
    public void Forget(string key) => cache.Remove((nameof(RecentRows), key));

    // Kept by the real clock somewhat longer than it may serve; the read time decides.
    private static readonly MemoryCacheEntryOptions Kept = new() { AbsoluteExpirationRelativeToNow = 2 * Staleness, Size = 1 };

    private sealed record Entry(object Row, DateTimeOffset ReadAt);
}
