using System.Buffers.Binary;
using System.Net;
using System.Text.Json.Nodes;
using CsCheck;
using Locktera.Core.Drm;

namespace Locktera.Core.Tests;

/// <summary>
/// The evaluator looks ip and geo entries up in compiled sets (ranges by bisection, masks and places
/// by hash). These properties hold it to a plain reference: each entry's meaning written out here and
/// every list scanned from its start, over random rule sets of every pattern kind and random viewers.
/// </summary>
public class DrmCompiledMatchingTests
{
    /// <summary>An ip entry as written, and which (normalized) addresses it means: IPv4 ones as 32-bit numbers.</summary>
    private sealed record IpEntry(string Text, bool IPv4, Func<UInt128, bool> Means);

    private static readonly Gen<int> Octet = Gen.Frequency((3, Gen.Int[0, 3]), (1, Gen.Int[0, 255]));

    private static readonly Gen<uint> V4 = Gen.Select(Octet, Octet, Octet, Octet, (a, b, c, d) => (uint)((a << 24) | (b << 16) | (c << 8) | d));

    // Mostly 0 and 1, so that entries overlap and addresses fall inside them; never IPv4-mapped (those are IPv4 entries).
    private static readonly Gen<UInt128> V6 = Gen.Frequency((4, Gen.Int[0, 1]), (1, Gen.Int[0, 0xffff])).Array[8]
        .Select(groups => groups.Aggregate(UInt128.Zero, (n, g) => (n << 16) | (uint)g))
        .Select(n => IsMapped(n) ? n | (UInt128.One << 127) : n);

    private static readonly Gen<uint> V4Mask = Gen.OneOf(V4, Gen.Int[0, 32].Select(PrefixMask4));

    private static readonly Gen<IpEntry> Entry = Gen.OneOf(
        V4.Select(x => new IpEntry(Text4(x), true, n => n == x)),
        Gen.Select(V4, Gen.Int[0, 32], (x, p) => new IpEntry($"{Text4(x)}/{p}", true, n => (n & PrefixMask4(p)) == (x & PrefixMask4(p)))),
        Gen.Select(V4, V4Mask, (x, m) => new IpEntry($"{Text4(x)}/{Text4(m)}", true, n => (n & m) == (x & m))),
        Gen.Frequency((1, Gen.Const(-1)), (1, Octet)).Array[4].Select(octets => new IpEntry(
            string.Join('.', octets.Select(o => o < 0 ? "*" : o.ToString(System.Globalization.CultureInfo.InvariantCulture))), true,
            n => octets.Select((o, i) => o < 0 || (int)((n >> (24 - (8 * i))) & 0xff) == o).All(b => b))),
        Gen.Select(V4, V4, (a, b) => new IpEntry($"{Text4(Math.Min(a, b))}-{Text4(Math.Max(a, b))}", true, n => n >= Math.Min(a, b) && n <= Math.Max(a, b))),
        V4.Select(x => new IpEntry($"::ffff:{Text4(x)}", true, n => n == x)),
        V6.Select(x => new IpEntry(Text6(x), false, n => n == x)),
        Gen.Select(V6, Gen.Int[0, 128], (x, p) => new IpEntry($"{Text6(x)}/{p}", false, n => (n & PrefixMask6(p)) == (x & PrefixMask6(p)))),
        Gen.Select(V6, V6, (a, b) => new IpEntry($"{Text6(UInt128.Min(a, b))}-{Text6(UInt128.Max(a, b))}", false, n => n >= UInt128.Min(a, b) && n <= UInt128.Max(a, b))));

    private static readonly Gen<IPAddress> Client = Gen.OneOf(
        V4.Select(x => IPAddress.Parse(Text4(x))),
        V4.Select(x => IPAddress.Parse(Text4(x)).MapToIPv6()),
        V6.Select(x => IPAddress.Parse(Text6(x))));

    [Fact]
    public void The_ip_verdict_is_the_linear_scans_verdict() =>
        Gen.Select(Entry.Array[0, 40], Entry.Array[0, 40], Client.Array[1, 20]).Sample((allow, block, clients) =>
        {
            var rules = Parse(new JsonObject { ["ip"] = new JsonObject { ["allow"] = Texts(allow), ["block"] = Texts(block) } });
            foreach (var client in clients)
            {
                Assert.Equal(ExpectedIp(allow, block, client), DrmEvaluator.Evaluate(rules, Facts(client, null)).Trace[2]);
            }
        }, iter: 2000);

    private static readonly Gen<JsonObject> GeoEntry = Gen.Select(
        Gen.Null(Gen.OneOf("EU", "NA", "Europe", "north america"), 0.6),
        Gen.Null(Gen.OneOf("DE", "US", "deu", "Germany", "usa"), 0.4),
        Gen.Null(Gen.OneOf("Bavaria", "bavaria", "Ontario"), 0.6),
        Gen.Null(Gen.OneOf("Munich", "MUNICH", "Toronto"), 0.6),
        (continent, country, subdivision, city) =>
        {
            var entry = new JsonObject();
            foreach (var (name, value) in new[] { ("continent", continent), ("country", country), ("subdivision", subdivision), ("city", city) })
            {
                if (value is not null)
                {
                    entry[name] = value;
                }
            }
            return entry.Count == 0 ? new JsonObject { ["country"] = "DE" } : entry;
        });

    private static readonly Gen<GeoFacts> Place = Gen.Select(
        Gen.Null(Gen.OneOf("EU", "eu", "NA"), 0.2),
        Gen.Null(Gen.OneOf("DE", "de", " US ", "FR"), 0.2),
        Gen.Null(Gen.OneOf("Bavaria", "BAVARIA", " ontario"), 0.3),
        Gen.Null(Gen.OneOf("Munich", "munich", "Toronto "), 0.3),
        (continent, country, subdivision, city) => new GeoFacts(continent, country, subdivision, city));

    [Fact]
    public void The_geo_verdict_is_the_linear_scans_verdict() =>
        Gen.Select(GeoEntry.Array[0, 12], GeoEntry.Array[0, 12], Place.Array[1, 20]).Sample((allow, block, places) =>
        {
            var rules = Parse(new JsonObject { ["geo"] = new JsonObject { ["allow"] = new JsonArray([.. allow]), ["block"] = new JsonArray([.. block]) } });
            foreach (var place in places)
            {
                Assert.Equal(ExpectedGeo(rules.Geo, place), DrmEvaluator.Evaluate(rules, Facts(null, place)).Trace[3]);
            }
        }, iter: 2000);

    private static RuleCheck ExpectedIp(IpEntry[] allow, IpEntry[] block, IPAddress client)
    {
        if (allow.Length == 0 && block.Length == 0)
        {
            return new("ip", true, "no address restriction");
        }
        var ipv4 = client.IsIPv4MappedToIPv6 || client.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var bytes = (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).GetAddressBytes();
        var number = ipv4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
        bool Matches(IpEntry entry) => entry.IPv4 == ipv4 && entry.Means(number);
        if (allow.Length > 0 && !allow.Any(Matches))
        {
            return new("ip", false, $"the address {client} is not in the allow list");
        }
        return block.FirstOrDefault(Matches) is { } blocked
            ? new("ip", false, $"the address {client} is blocked by '{blocked.Text}'")
            : new("ip", true, $"the address {client} is allowed");
    }

    private static RuleCheck ExpectedGeo(RuleList<GeoRule> rules, GeoFacts place)
    {
        if (rules.IsEmpty)
        {
            return new("geo", true, "no location restriction");
        }
        static bool Same(string? wanted, string? actual) => wanted is null || string.Equals(wanted, actual?.Trim(), StringComparison.OrdinalIgnoreCase);
        bool Matches(GeoRule rule) =>
            Same(rule.Continent, place.Continent) && Same(rule.Country, place.Country) && Same(rule.Subdivision, place.Subdivision) && Same(rule.City, place.City);
        static string Describe(string?[] parts) => string.Join("/", parts.Where(p => p is not null));
        var where = Describe([place.Continent, place.Country, place.Subdivision, place.City]) is { Length: > 0 } text ? text : "(nowhere)";
        if (rules.Allow.Count > 0 && !rules.Allow.Any(Matches))
        {
            return new("geo", false, $"the location {where} is not in the allow list");
        }
        return rules.Block.FirstOrDefault(Matches) is { } blocked
            ? new("geo", false, $"the location {where} is blocked by {Describe([blocked.Continent, blocked.Country, blocked.Subdivision, blocked.City])}")
            : new("geo", true, $"the location {where} is allowed");
    }

    private static DrmRules Parse(JsonObject json)
    {
        var errors = new FieldErrors();
        var rules = DrmRules.Parse(json, errors);
        Assert.True(errors.IsEmpty, $"{json.ToJsonString()} did not parse");
        return rules;
    }

    private static ViewerFacts Facts(IPAddress? ip, GeoFacts? place) => new(DateTimeOffset.UnixEpoch, ip, place, null);

    private static JsonArray Texts(IpEntry[] entries) => new([.. entries.Select(e => JsonValue.Create(e.Text))]);

    private static uint PrefixMask4(int bits) => bits == 0 ? 0 : uint.MaxValue << (32 - bits);

    private static UInt128 PrefixMask6(int bits) => bits == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - bits);

    private static bool IsMapped(UInt128 n) => n >> 32 == 0xffff;

    private static string Text4(uint n) => $"{n >> 24}.{(n >> 16) & 0xff}.{(n >> 8) & 0xff}.{n & 0xff}";

    private static string Text6(UInt128 n)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, n);
        return new IPAddress(bytes).ToString();
    }
}
