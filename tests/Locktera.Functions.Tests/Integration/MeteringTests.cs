using System.Globalization;
using Azure.Data.Tables;
using Locktera.Core.Metering;
using Locktera.Functions.Timers;
using Microsoft.Azure.Functions.Worker;

namespace Locktera.Functions.Tests.Integration;

/// <summary>Metering: exact counts across instances without a write per request, storage figures, the roll-up and the consumption route.</summary>
public class MeteringTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private Task FlushAsync(ApiClient api) => fixture.ServicesOf(api).GetRequiredService<CounterBuffer>().FlushAsync(CancellationToken.None);

    private Task<int> RollUpAsync() => fixture.Services.GetRequiredService<UsageRollup>().RollUpAsync(CancellationToken.None);

    private async Task<JsonNode> ConsumptionAsync(TestOrg org, string query = "") =>
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consumption{query}", org.Key)).AssertStatus(200).Json!;

    private static long Long(JsonNode node, string name) => node[name]!.GetValue<long>();

    [Fact]
    public async Task Api_calls_from_two_instances_are_counted_exactly_without_a_write_per_request()
    {
        var org = await fixture.CreateRootOrgAsync();
        var second = await fixture.StartInstanceAsync();
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => (i % 2 == 0 ? fixture.Api : second).GetAsync("me", org.Key)));

        var storage = fixture.Services.GetRequiredService<StorageAccount>();
        var usage = await storage.TableAsync(storage.Names.Usage, CancellationToken.None);
        var today = UsageMeter.DayPartition(DateTime.UtcNow.Date);
        Assert.Equal(0, await usage.QueryAsync<TableEntity>(e => e.PartitionKey == today).CountAsync(e => e.GetString("OrgId") == org.Id));

        await FlushAsync(fixture.Api);
        await FlushAsync(second);
        await FlushAsync(second);
        await RollUpAsync();
        await RollUpAsync();
        var figures = await ConsumptionAsync(org);
        Assert.Equal(60, Long(figures, "api_calls"));
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM", CultureInfo.InvariantCulture), figures["month"]!.GetValue<string>());
        Assert.Equal(org.Id, figures["org_id"]!.GetValue<string>());
        Assert.NotNull(figures["as_of"]);

        // A graceful stop flushes what an instance counted since; the consumption read above counts too.
        await second.GetAsync("me", org.Key);
        await fixture.StopInstanceAsync(second);
        await FlushAsync(fixture.Api);
        await RollUpAsync();
        Assert.Equal(62, Long(await ConsumptionAsync(org), "api_calls"));
    }

    [Fact]
    public async Task Encodes_decodes_and_storage_are_metered_and_storage_is_checked_against_the_containers()
    {
        var org = await fixture.CreateRootOrgAsync();
        byte[] content = [.. Enumerable.Range(0, 10_000).Select(i => (byte)i)];
        var encoded = (await fixture.Api.EncodeAsync(org, """{"container":{"name":"c"}}""", ("a.bin", content, "application/octet-stream"), ("b.txt", [1, 2, 3], "text/plain"))).AssertStatus(201).Json!;
        var id = encoded["container"]!["uuid"]!.GetValue<string>();
        var size = Long(encoded["container"]!, "size");
        (await fixture.Api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/a.bin", org.Key, null, null, r => r.Headers.Range = new(0, 99))).AssertStatus(206);
        (await fixture.Api.GetAsync($"containers/{id}/decode", org.Key)).AssertStatus(200);
        await FlushAsync(fixture.Api);
        await RollUpAsync();

        var figures = await ConsumptionAsync(org);
        Assert.Equal(1, Long(figures, "encodes"));
        Assert.Equal(10_003, Long(figures, "bytes_in"));
        Assert.Equal(2, Long(figures, "decodes"));
        Assert.Equal(100, Long(figures, "bytes_out"));
        Assert.Equal(size, Long(figures, "storage_bytes"));
        Assert.Equal(1, Long(figures, "containers"));
        Assert.Equal(Math.Round(size / 1e9, 6), figures["storage_used"]!.GetValue<double>());
        Assert.True(Long(figures, "events") >= 1);

        // Figures that drifted (say, a crash between a delete and its count) are put right by the daily check.
        var meter = fixture.Services.GetRequiredService<UsageMeter>();
        await meter.CorrectStorageAsync(Guid.Parse(org.Id), _ => Task.FromResult(new StorageUse(5, 7)), CancellationToken.None);
        Assert.Equal(1, await fixture.Services.GetRequiredService<UsageRollup>().VerifyStorageAsync(CancellationToken.None));
        Assert.Equal(size, Long(await ConsumptionAsync(org), "storage_bytes"));

        // An encode that lands while the records are counted makes that count stale: it is not written.
        var stale = await meter.CorrectStorageAsync(Guid.Parse(org.Id), async ct =>
        {
            await meter.EncodedAsync(Guid.Parse(org.Id), "test", 1, 1000, ct);
            return new StorageUse(5, 7);
        }, CancellationToken.None);
        Assert.Null(stale);
        Assert.Equal(size + 1000, Long(await ConsumptionAsync(org), "storage_bytes"));
        await meter.DeletedAsync(Guid.Parse(org.Id), 1000, CancellationToken.None);

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"containers/{id}", org.Key)).AssertStatus(204);
        var after = await ConsumptionAsync(org);
        Assert.Equal(0, Long(after, "storage_bytes"));
        Assert.Equal(0, Long(after, "containers"));
    }

    [Fact]
    public async Task A_subtree_sums_its_nodes_and_months_form_a_series()
    {
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read", "write");
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => fixture.Api.GetAsync("me", user.Key)));
        await FlushAsync(fixture.Api);
        await RollUpAsync();
        var own = await ConsumptionAsync(org);
        var all = await ConsumptionAsync(org, "?include_children=true");
        Assert.Equal(5, Long(all, "api_calls") - Long(own, "api_calls"));
        Assert.True(all["include_children"]!.GetValue<bool>());

        var now = DateTime.UtcNow;
        var from = now.AddMonths(-2).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var to = now.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var series = (await fixture.Api.GetAsync($"orgs/{user.Id}/consumption?from={from}&to={to}", user.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(3, series.Count);
        Assert.Equal(0, Long(series[0]!, "api_calls"));
        Assert.Equal(5, Long(series[2]!, "api_calls"));
        var previous = (await fixture.Api.GetAsync($"orgs/{user.Id}/consumption?month={from}", user.Key)).AssertStatus(200).Json!;
        Assert.Equal(from, previous["month"]!.GetValue<string>());

        var stats = (await fixture.Api.GetAsync($"orgs/{org.Id}/stats", org.Key)).AssertStatus(200).Json!;
        Assert.Equal(1, Long(stats, "children"));
        Assert.Equal(1, Long(stats, "api_keys"));
        // upstream's usage is a number (this month's storage in GB); the whole month is in consumption.
        Assert.Equal(Long(own, "api_calls"), Long(stats["consumption"]!, "api_calls"));
        Assert.Equal(own["storage_used"]!.GetValue<double>(), stats["usage"]!.GetValue<double>());
        Assert.NotNull(stats["events_count"]);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consumption", ApiFixture.OperatorKey)).AssertStatus(200);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consumption", user.Key)).AssertProblem(403, 40302);
    }

    [Theory]
    [InlineData("?month=2026-13")]
    [InlineData("?month=1999-12")]
    [InlineData("?month=2999-01")]
    [InlineData("?month=soon")]
    [InlineData("?from=2026-01")]
    [InlineData("?from=2026-03&to=2026-01")]
    [InlineData("?from=2020-01&to=2026-01")]
    [InlineData("?month=2026-01&from=2026-01&to=2026-01")]
    [InlineData("?include_children=yes")]
    public async Task Bad_consumption_queries_are_400(string query)
    {
        var org = await fixture.CreateRootOrgAsync();
        (await fixture.Api.GetAsync($"orgs/{org.Id}/consumption{query}", org.Key)).AssertProblem(400, 40001);
    }

    [Fact]
    public async Task The_roll_up_timer_runs_once_per_period_across_instances()
    {
        var second = await fixture.StartInstanceAsync();
        var timers = new[] { fixture.Services, fixture.ServicesOf(second) }.Select(s => ActivatorUtilities.CreateInstance<Metering>(s)).ToArray();
        await Task.WhenAll(timers.Select(t => t.RollUp(new TimerInfo(), CancellationToken.None)));
        var storage = fixture.Services.GetRequiredService<StorageAccount>();
        var runs = await storage.TableAsync(storage.Names.TimerRuns, CancellationToken.None);
        var rollup = (await runs.GetEntityAsync<TableEntity>("timer", "usage-rollup")).Value;
        Assert.Contains("rolled up", rollup.GetString("Outcome"), StringComparison.Ordinal);
    }
}
