using System.Net;

namespace Locktera.Core.Drm;

/// <summary>
/// An ip allow or block list compiled for lookup: a decision costs a bisection (and one hash
/// lookup per distinct gapped mask), not a scan. It answers which entry matches first in list
/// order, because a denial names the first block entry that matches.
/// </summary>
internal sealed class IpSet
{
    private readonly Family _v4;
    private readonly Family _v6;

    private static readonly IpSet None = new([]);

    private IpSet(IReadOnlyList<IpPattern> patterns)
    {
        var v4 = new List<(IpPattern, int)>();
        var v6 = new List<(IpPattern, int)>();
        for (var i = 0; i < patterns.Count; i++)
        {
            (patterns[i].IsIPv4 ? v4 : v6).Add((patterns[i], i));
        }
        _v4 = new Family(v4);
        _v6 = new Family(v6);
    }

    /// <summary>Most rules have no ip lists, or only one: an empty list costs nothing to compile.</summary>
    public static IpSet Of(IReadOnlyList<IpPattern> patterns) => patterns.Count == 0 ? None : new(patterns);

    /// <summary>The index of the first entry that matches <paramref name="address"/> (normalized, <see cref="IpPattern.Normalize"/>), or -1.</summary>
    public int FirstMatch(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return (written == 4 ? _v4 : _v6).FirstMatch(IpPattern.Number(bytes[..written]));
    }

    /// <summary>
    /// The entries of one address family. Those that are ranges become segments: the family's
    /// numbers cut where some range starts or ends, each segment holding the first entry that
    /// covers it, neighbours with the same first entry merged. Gapped masks (<c>10.*.3.*</c>) are
    /// no range; they are grouped by mask, each group a hash of the masked values.
    /// </summary>
    private sealed class Family
    {
        private readonly UInt128[] _starts;
        private readonly int[] _first;
        private readonly (UInt128 Mask, Dictionary<UInt128, int> First)[] _gapped;

        public Family(List<(IpPattern Pattern, int Index)> entries)
        {
            var ranges = new List<(UInt128 Low, UInt128 High, int Index)>(entries.Count);
            var gapped = new Dictionary<UInt128, Dictionary<UInt128, int>>();
            foreach (var (pattern, index) in entries)
            {
                if (pattern.Interval is { } interval)
                {
                    ranges.Add((interval.Low, interval.High, index));
                }
                else
                {
                    var (mask, value) = pattern.Masked;
                    var first = gapped.TryGetValue(mask, out var values) ? values : gapped[mask] = [];
                    first.TryAdd(value, index);
                }
            }
            (_starts, _first) = Segments([.. ranges]);
            _gapped = [.. gapped.Select(g => (g.Key, g.Value))];
        }

        public int FirstMatch(UInt128 number)
        {
            var first = _first[Segment(number)];
            foreach (var (mask, values) in _gapped)
            {
                if (values.TryGetValue(number & mask, out var index) && (first < 0 || index < first))
                {
                    first = index;
                }
            }
            return first;
        }

        /// <summary>A sweep over the cut points, the ranges open at each kept by their list index (first on top).</summary>
        private static (UInt128[] Starts, int[] First) Segments((UInt128 Low, UInt128 High, int Index)[] ranges)
        {
            Array.Sort(ranges, (a, b) => a.Low.CompareTo(b.Low));
            var cuts = new UInt128[(2 * ranges.Length) + 1];
            var count = 1;
            foreach (var (low, high, _) in ranges)
            {
                cuts[count++] = low;
                if (high != UInt128.MaxValue)
                {
                    cuts[count++] = high + 1;
                }
            }
            Array.Sort(cuts, 0, count);
            var open = new PriorityQueue<UInt128, int>();
            var starts = new List<UInt128>();
            var first = new List<int>();
            var next = 0;
            for (var i = 0; i < count; i++)
            {
                var cut = cuts[i];
                if (i > 0 && cut == cuts[i - 1])
                {
                    continue;
                }
                for (; next < ranges.Length && ranges[next].Low == cut; next++)
                {
                    open.Enqueue(ranges[next].High, ranges[next].Index);
                }
                while (open.TryPeek(out var high, out _) && high < cut)
                {
                    open.Dequeue();
                }
                var covering = open.TryPeek(out _, out var index) ? index : -1;
                if (first.Count == 0 || first[^1] != covering)
                {
                    starts.Add(cut);
                    first.Add(covering);
                }
            }
            return ([.. starts], [.. first]);
        }

        /// <summary>The last segment starting at or before <paramref name="number"/> (the first starts at 0).</summary>
        private int Segment(UInt128 number)
        {
            int low = 0, high = _starts.Length - 1;
            while (low < high)
            {
                var middle = (low + high + 1) >>> 1;
                if (_starts[middle] <= number)
                {
                    low = middle;
                }
                else
                {
                    high = middle - 1;
                }
            }
            return low;
        }
    }
}
