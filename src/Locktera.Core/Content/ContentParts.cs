namespace Locktera.Core.Content;

/// <summary>
/// The rules of multipart uploads that every adapter holds its callers to before it sends anything,
/// so that a mistake fails the same way on every store, not only on the one that happens to mind.
/// </summary>
internal static class ContentParts
{
    public static void CheckPart(int number, ReadOnlyMemory<byte> bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, IContentStore.MaxParts);
        // Azure refuses an empty block; S3 would take one, but no object needs it.
        if (bytes.IsEmpty)
        {
            throw new ArgumentException("A part cannot be empty.", nameof(bytes));
        }
    }

    /// <summary>At least one part, numbers in range and ascending (S3 refuses any other order).</summary>
    public static void CheckCommit(IReadOnlyList<ContentPart> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("An object is committed from at least one part.", nameof(parts));
        }
        var previous = 0;
        foreach (var part in parts)
        {
            if (part.Number <= previous || part.Number > IContentStore.MaxParts)
            {
                throw new ArgumentException($"Part numbers must ascend from 1 to at most {IContentStore.MaxParts}; {part.Number} follows {previous}.", nameof(parts));
            }
            previous = part.Number;
        }
    }
}
