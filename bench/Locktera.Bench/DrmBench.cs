using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Locktera.Core.Drm;

/// <summary>
/// Row 4 of the benchmarks: one DRM decision against 1,000 IP and 100 geo entries vs. against no
/// rules, with the rules already parsed (as the service caches them) and with the parse included.
/// </summary>
internal static class DrmBench
{
    /// <summary>Decisions untimed first, so that the runtime has compiled them fully (tiered compilation).</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);

    /// <summary>Medians in µs: a decision with no rules and with many, then parse + decide for each.</summary>
    public static (double NoRules, double ManyRules, double ParseNone, double ParseMany) Measure() => (
        DecisionMicroseconds(new JsonObject(), parse: false),
        DecisionMicroseconds(LargeRuleSet(), parse: false),
        DecisionMicroseconds(new JsonObject(), parse: true),
        DecisionMicroseconds(LargeRuleSet(), parse: true));

    private static JsonObject LargeRuleSet()
    {
        var ips = new JsonArray();
        for (var i = 0; i < 1000; i++)
        {
            ips.Add(JsonValue.Create((i % 3) switch
            {
                0 => $"10.{i / 256}.{i % 256}.0/24",
                1 => $"172.16.{i % 256}.1-172.16.{i % 256}.200",
                _ => $"2001:db8:{i:x}::/48",
            }));
        }
        var places = new JsonArray();
        foreach (var (country, i) in "DE FR US GB JP BR IN CA AU ZA".Split(' ').Select((c, i) => (c, i)))
        {
            for (var city = 0; city < 10; city++)
            {
                places.Add(new JsonObject { ["country"] = country, ["city"] = $"City {i}-{city}" });
            }
        }
        return new JsonObject
        {
            ["recipients"] = new JsonArray("*@example.com"),
            ["ip"] = new JsonObject { ["allow"] = ips },
            ["geo"] = new JsonObject { ["allow"] = places },
        };
    }

    // A decision for a viewer the rules allow (the worst case for a linear search: every list is
    // searched to its end). The service parses a rules version once and caches it, so a decode pays
    // only the evaluation; with parse, the one-off parse of the stored JSON is measured with it.
    private static double DecisionMicroseconds(JsonObject rules, bool parse)
    {
        var stored = rules.ToJsonString();
        var cached = DrmRules.Parse(JsonNode.Parse(stored)!.AsObject(), (_, _) => { });
        // The last IPv6 entry's network and the last place: a linear search would have read nearly every entry.
        var facts = new ViewerFacts(DateTimeOffset.UtcNow, IPAddress.Parse("2001:db8:3e6::1"), new GeoFacts("AF", "ZA", null, "City 9-9"), "ann@example.com");
        if (!DrmEvaluator.Evaluate(cached, facts).Allowed)
        {
            throw new InvalidOperationException("The bench's viewer must be one the rules allow.");
        }
        void Decide() => DrmEvaluator.Evaluate(parse ? DrmRules.Parse(JsonNode.Parse(stored)!.AsObject(), (_, _) => { }) : cached, facts);
        // Two thousand decisions take milliseconds, less than the runtime waits before it compiles a hot
        // method fully (tiered compilation): without a warm-up by time they measure the first, quick JIT's code.
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < WarmUp)
        {
            Decide();
        }
        // A decision without a parse takes well under a microsecond, close to what reading the clock costs:
        // each of those samples times a hundred in a row.
        var perSample = parse ? 1 : 100;
        var samples = new List<double>();
        for (var i = 0; i < 2000; i++)
        {
            var watch = Stopwatch.StartNew();
            for (var j = 0; j < perSample; j++)
            {
                Decide();
            }
            samples.Add(watch.Elapsed.TotalMicroseconds / perSample);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
