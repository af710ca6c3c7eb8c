namespace Locktera.Core;

/// <summary>
/// UUIDv7 ids that sort in the order this process made them. Lists keyed by id (an org's children,
/// its containers, its key pairs) show creation order, but <see cref="Guid.CreateVersion7()"/> fills
/// everything after the millisecond with random bits, so two ids of one millisecond sort at random.
/// Here an id that would not sort after the previous one is the previous one plus one instead
/// (RFC 9562, monotonic random). Ids of different instances in one millisecond still sort at random.
/// </summary>
public static class OrderedGuid
{
    private static readonly Lock Gate = new();
    private static Guid _last;

    public static Guid Next()
    {
        var id = Guid.CreateVersion7();
        lock (Gate)
        {
            _last = id.CompareTo(_last) > 0 ? id : After(_last);
            return _last;
        }
    }

    /// <summary>The next id: the random tail (the last six bytes) counted up by one.</summary>
    private static Guid After(Guid id)
    {
        var bytes = id.ToByteArray(bigEndian: true);
        for (var i = bytes.Length - 1; i >= 10; i--)
        {
            if (++bytes[i] != 0)
            {
                break;
            }
        }
        return new Guid(bytes, bigEndian: true);
    }
}
