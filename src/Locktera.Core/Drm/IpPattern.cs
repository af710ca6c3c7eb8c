using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Locktera.Core.Drm;

/// <summary>
/// One entry of an <c>ip</c> allow or block list: a single address, a CIDR prefix
/// (<c>192.168.1.0/24</c>, <c>2001:db8::/32</c>), an address with a mask
/// (<c>192.168.1.10/255.0.255.0</c>), octet wildcards (<c>192.*.1.*</c>) or an inclusive range
/// (<c>10.0.0.1-10.0.0.9</c>, either family). IPv4-mapped IPv6 clients match IPv4 entries.
/// </summary>
public sealed class IpPattern
{
    private readonly byte[] _low;
    private readonly byte[] _high;
    private readonly byte[]? _mask;

    private IpPattern(string text, byte[] low, byte[] high, byte[]? mask)
    {
        Text = text;
        _low = low;
        _high = high;
        _mask = mask;
    }

    /// <summary>The entry as written (normalized for white space).</summary>
    public string Text { get; }

    public static IpPattern? TryParse(string text)
    {
        var value = text.Trim();
        if (value.Contains('*', StringComparison.Ordinal))
        {
            return Wildcard(value);
        }
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            return Prefixed(value, value.AsSpan(..slash), value.AsSpan((slash + 1)..));
        }
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            return Range(value, value.AsSpan(..dash), value.AsSpan((dash + 1)..));
        }
        return Address(value) is { } single ? new IpPattern(value, single, single, null) : null;
    }

    public bool Matches(IPAddress address) => Matches(Normalize(address).GetAddressBytes());

    private bool Matches(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != _low.Length)
        {
            return false;
        }
        if (_mask is not null)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                if ((bytes[i] & _mask[i]) != (_low[i] & _mask[i]))
                {
                    return false;
                }
            }
            return true;
        }
        return Compare(bytes, _low) >= 0 && Compare(bytes, _high) <= 0;
    }

    /// <summary>IPv4 entries match IPv4 (and IPv4-mapped) addresses only, IPv6 entries IPv6 addresses only.</summary>
    internal bool IsIPv4 => _low.Length == 4;

    /// <summary>
    /// The addresses it matches as one inclusive range of numbers (<see cref="Number"/>), or null
    /// when its mask has gaps (<c>10.*.3.*</c>, <c>10.0.0.1/255.0.255.0</c>): those match many ranges.
    /// </summary>
    internal (UInt128 Low, UInt128 High)? Interval
    {
        get
        {
            if (_mask is null)
            {
                return (Number(_low), Number(_high));
            }
            var (mask, value) = Masked;
            var free = (IsIPv4 ? uint.MaxValue : UInt128.MaxValue) & ~mask;
            return (free & (free + 1)) == 0 ? (value, value | free) : null;
        }
    }

    /// <summary>For an entry with a mask: what an address must equal under it.</summary>
    internal (UInt128 Mask, UInt128 Value) Masked
    {
        get
        {
            var mask = Number(_mask ?? throw new InvalidOperationException("A range has no mask."));
            return (mask, Number(_low) & mask);
        }
    }

    /// <summary>An address's bytes as a big-endian number: ordered as the addresses are.</summary>
    internal static UInt128 Number(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);

    /// <summary>Clients reaching a dual-stack socket appear as ::ffff:a.b.c.d; rules are written for a.b.c.d.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static IpPattern? Wildcard(string value)
    {
        var octets = value.Split('.');
        if (octets.Length != 4)
        {
            return null;
        }
        var low = new byte[4];
        var high = new byte[4];
        var mask = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            if (octets[i] == "*")
            {
                high[i] = 255;
            }
            else if (byte.TryParse(octets[i], NumberStyles.None, CultureInfo.InvariantCulture, out var octet) && octets[i].Length <= 3)
            {
                low[i] = high[i] = octet;
                mask[i] = 255;
            }
            else
            {
                return null;
            }
        }
        return new IpPattern(value, low, high, mask);
    }

    private static IpPattern? Prefixed(string value, ReadOnlySpan<char> addressText, ReadOnlySpan<char> suffix)
    {
        if (Address(addressText) is not { } address)
        {
            return null;
        }
        var bits = address.Length * 8;
        if (int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) && prefix <= bits && suffix.Length <= 3)
        {
            var mask = new byte[address.Length];
            for (var i = 0; i < prefix; i++)
            {
                mask[i / 8] |= (byte)(0x80 >> (i % 8));
            }
            return new IpPattern(value, address, address, mask);
        }
        // An explicit mask (IPv4 only, as upstream documents it): any bits, not only a prefix.
        return address.Length == 4 && Address(suffix) is { Length: 4 } explicitMask ? new IpPattern(value, address, address, explicitMask) : null;
    }

    private static IpPattern? Range(string value, ReadOnlySpan<char> fromText, ReadOnlySpan<char> toText)
    {
        if (Address(fromText) is not { } from || Address(toText) is not { } to || from.Length != to.Length || Compare(from, to) > 0)
        {
            return null;
        }
        return new IpPattern(value, from, to, null);
    }

    /// <summary>Only plain dotted IPv4 (four decimal octets) or IPv6 text: "10.1" or "0x0a.0.0.1" are not addresses here.</summary>
    private static byte[]? Address(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (!IPAddress.TryParse(text, out var address))
        {
            return null;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork ? !IsDottedQuad(text) : address.ScopeId != 0)
        {
            return null;
        }
        return Normalize(address).GetAddressBytes();
    }

    /// <summary>Four groups of one to three decimal digits, separated by dots.</summary>
    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        int dots = 0, digits = 0;
        foreach (var c in text)
        {
            if (c == '.' && digits > 0)
            {
                dots++;
                digits = 0;
            }
            else if (char.IsAsciiDigit(c) && digits < 3)
            {
                digits++;
            }
            else
            {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }

    private static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);
}
