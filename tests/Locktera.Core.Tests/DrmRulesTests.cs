using System.Text.Json.Nodes;
using Locktera.Core.Drm;

namespace Locktera.Core.Tests;

public class DrmRulesTests
{
    private static Dictionary<string, string> Errors(string json)
    {
        var errors = new FieldErrors();
        DrmRules.Parse(JsonNode.Parse(json)!.AsObject(), errors, "drm.");
        try
        {
            errors.ThrowIfAny();
            return [];
        }
        catch (LockteraException e)
        {
            return e.Fields!.ToDictionary(f => f.Key, f => f.Value);
        }
    }

    [Theory]
    [InlineData("""{"ip":{"allow":["300.1.1.1"]}}""", "drm.ip.allow[0]")]
    [InlineData("""{"ip":{"allow":["10.0.0.0/33"]}}""", "drm.ip.allow[0]")]
    [InlineData("""{"ip":{"allow":["10.0.0.9-10.0.0.1"]}}""", "drm.ip.allow[0]")]
    [InlineData("""{"ip":{"allow":["10.0.0.1-2001:db8::1"]}}""", "drm.ip.allow[0]")]
    [InlineData("""{"ip":{"allow":["10.*.1"]}}""", "drm.ip.allow[0]")]
    [InlineData("""{"ip":{"allow":["2001:db8::*"]}}""", "drm.ip.allow[0]")]
    [InlineData("""{"ip":{"allow":["10.1"]}}""", "drm.ip.allow[0]")]
    [InlineData("""{"ip":{"allow":[5]}}""", "drm.ip.allow[0]")]
    [InlineData("""{"ip":{"allow":"10.0.0.1"}}""", "drm.ip.allow")]
    [InlineData("""{"ip":{"permit":[]}}""", "drm.ip.permit")]
    [InlineData("""{"ip":["10.0.0.1"]}""", "drm.ip")]
    [InlineData("""{"geo":{"allow":[{"country":"Atlantis"}]}}""", "drm.geo.allow[0].country")]
    [InlineData("""{"geo":{"allow":[{"continent":"Pangaea"}]}}""", "drm.geo.allow[0].continent")]
    [InlineData("""{"geo":{"block":[{}]}}""", "drm.geo.block[0]")]
    [InlineData("""{"geo":{"block":[{"town":"X"}]}}""", "drm.geo.block[0].town")]
    [InlineData("""{"recipients":["not-an-email"]}""", "drm.recipients[0]")]
    [InlineData("""{"recipients":["a*@example.com"]}""", "drm.recipients[0]")]
    [InlineData("""{"recipients":["ann\u202E@example.com"]}""", "drm.recipients[0]")]
    [InlineData("""{"recipients":["ann@exa\u200Bmple.com"]}""", "drm.recipients[0]")]
    [InlineData("""{"recipients":"ann@example.com"}""", "drm.recipients")]
    [InlineData("""{"opens":0}""", "drm.opens")]
    [InlineData("""{"opens":"3"}""", "drm.opens")]
    [InlineData("""{"time":{"end":"tomorrow"}}""", "drm.time.end")]
    [InlineData("""{"time":{"start":"2026-02-01T00:00:00Z","end":"2026-01-01T00:00:00Z"}}""", "drm.time.end")]
    [InlineData("""{"downloadable":"yes"}""", "drm.downloadable")]
    public void Every_malformed_entry_is_named_by_its_path(string json, string field)
    {
        var errors = Errors(json);
        Assert.True(errors.ContainsKey(field), $"expected an error for {field}, got: {string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}"))}");
    }

    [Fact]
    public void Several_bad_entries_are_all_reported()
    {
        var errors = Errors("""{"ip":{"allow":["1.2.3.4","bad","also bad"]},"opens":-2}""");
        Assert.Equal(["drm.ip.allow[1]", "drm.ip.allow[2]", "drm.opens"], errors.Keys.Order());
        Assert.Contains("'bad'", errors["drm.ip.allow[1]"], StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_round_trip_through_their_json_with_normalized_places()
    {
        var errors = new FieldErrors();
        var rules = DrmRules.Parse(JsonNode.Parse("""
            {"recipients":["Ann@Example.com","*@*"],"downloadable":true,"opens":3,
             "ip":{"allow":["10.0.0.0/8"],"block":["10.0.0.1"]},
             "geo":{"allow":[{"country":"germany","city":"Berlin"}],"block":[{"continent":"south america"}]},
             "time":{"start":"2026-01-01T00:00:00Z","end":"2026-06-01T12:00:00+02:00"}}
            """)!.AsObject(), errors);
        Assert.True(errors.IsEmpty);
        var json = rules.ToJson();
        Assert.Equal("ann@example.com", json["recipients"]![0]!.GetValue<string>());
        Assert.Equal("DE", json["geo"]!["allow"]![0]!["country"]!.GetValue<string>());
        Assert.Equal("SA", json["geo"]!["block"]![0]!["continent"]!.GetValue<string>());
        Assert.Equal("2026-06-01T10:00:00Z", json["time"]!["end"]!.GetValue<string>());

        var again = DrmRules.Parse(json, errors);
        Assert.True(errors.IsEmpty);
        Assert.Equal(json.ToJsonString(), again.ToJson().ToJsonString());
    }
}
