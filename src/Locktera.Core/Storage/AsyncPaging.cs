namespace Locktera.Core.Storage;

public static class AsyncPaging
{
    /// <summary>
    /// One page of what <paramref name="matches"/> accepts: skips <paramref name="skip"/> matches,
    /// takes <paramref name="take"/>, and stops reading the source as soon as the page is full.
    /// </summary>
    public static async Task<IReadOnlyList<T>> PageAsync<T>(this IAsyncEnumerable<T> source, Func<T, bool> matches, int skip, int take, CancellationToken cancellationToken)
    {
        var page = new List<T>(take);
        var skipped = 0;
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            if (!matches(item) || skipped++ < skip)
            {
                continue;
            }
            page.Add(item);
            if (page.Count == take)
            {
                break;
            }
        }
        return page;
    }
}
