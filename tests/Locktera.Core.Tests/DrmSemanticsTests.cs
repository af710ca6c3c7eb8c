using System.Net;
using System.Text.Json.Nodes;
using Locktera.Core.Drm;

namespace Locktera.Core.Tests;

/// <summary>The cases table of docs/drm.md, run as it stands: the document is the specification.</summary>
public class DrmSemanticsTests
{
    public static TheoryData<string, string, string, string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string, string, string, string>();
        var path = Path.Combine(AppContext.BaseDirectory, "docs", "drm.md");
        var rows = File.ReadAllLines(path)
            .SkipWhile(l => !l.StartsWith("| rules |", StringComparison.Ordinal))
            .Skip(2)
            .TakeWhile(l => l.StartsWith('|'));
        foreach (var row in rows)
        {
            var cells = row.Trim('|').Split(" | ").Select(c => c.Trim().Trim('`')).ToArray();
            data.Add(cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]);
        }
        return data;
    }

    [Fact]
    public void The_table_has_every_rule_type() =>
        Assert.True(Cases().Count >= 50, "docs/drm.md lost its cases table");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_documented_case_holds(string rules, string viewer, string ip, string location, string time, string verdict)
    {
        var errors = new FieldErrors();
        var parsed = DrmRules.Parse(JsonNode.Parse(rules)!.AsObject(), errors);
        Assert.True(errors.IsEmpty, $"rules {rules} did not parse");

        var place = location == "-" ? null : location.Split('/') is var p ? new GeoFacts(p[0], p[1], p[2], p[3]) : null;
        var facts = new ViewerFacts(DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture),
            ip == "-" ? null : IPAddress.Parse(ip), place, viewer == "-" ? null : viewer);
        var result = DrmEvaluator.Evaluate(parsed, facts);

        Assert.Equal(verdict, result.Allowed ? "allow" : "deny:" + result.Denial!.Rule);
        Assert.Equal(4, result.Trace.Count);
    }
}
