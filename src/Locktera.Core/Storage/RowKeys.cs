using System.Runtime.InteropServices;

namespace Locktera.Core.Storage;

public static class RowKeys
{
    /// <summary>
    /// The longest <see cref="Segment"/>: with the longest fixed part of a key that holds one (a
    /// consent's "c:{subject}:{consent id}", 67 characters) a key stays within the 512 characters
    /// Azurite accepts (the table service's limit is 1 KiB).
    /// </summary>
    public const int MaxSegmentLength = 440;

    /// <summary>
    /// A time as a fixed-width row-key part that sorts newest first (table storage lists rows in
    /// ascending key order, and the logs and audits are read newest first).
    /// </summary>
    public static string NewestFirst(DateTimeOffset at) =>
        (DateTimeOffset.MaxValue.UtcTicks - Math.Clamp(at.UtcTicks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks)).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>
    /// An ordered id (UUIDv7, <see cref="OrderedGuid"/>) as a fixed-width row-key part that sorts
    /// newest first: its big-endian bytes inverted, in lowercase hex. The id alone gives the key.
    /// </summary>
    public static string NewestFirst(Guid orderedId)
    {
        var bytes = orderedId.ToByteArray(bigEndian: true);
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)~bytes[i];
        }
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>
    /// A user-given string (an email, an address, an id a client chose) as one segment of a table
    /// key; every such string goes through here. Percent-encoded as RFC 3986 encodes data (letters,
    /// digits and "-._~" stay as they are), so a segment never holds what a key may not ('/', '\',
    /// '#', '?', control characters) nor the ':' between segments, and distinct strings never share
    /// one. A string whose encoding would be longer than <see cref="MaxSegmentLength"/>, or that is
    /// not well-formed UTF-16 (which percent-encoding would have to replace), is "!" and the SHA-256
    /// of its UTF-16 code units instead: '!' is always encoded, so no other segment starts with it.
    /// The encoding is the one these keys always had (<see cref="Uri.EscapeDataString(string)"/>), so
    /// rows written before keep their keys.
    /// </summary>
    public static string Segment(string value)
    {
        var encoded = IsWellFormed(value) ? Uri.EscapeDataString(value) : null;
        return encoded is { Length: <= MaxSegmentLength }
            ? encoded
            : "!" + Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(value.AsSpan())));
    }

    private static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }
        return true;
    }
}
