using Azure.Data.Tables;
using Locktera.DevHost;
using Locktera.Functions.Pipeline;

namespace Locktera.Functions.Tests.Integration;

/// <summary>The timer functions bind and run as the hosts invoke them, and record their outcome.</summary>
public class TimerFunctionsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("ExpirySweep")]
    [InlineData("Purge")]
    [InlineData("HealthChecks")]
    public async Task A_timer_runs_and_records_its_outcome(string name)
    {
        var scheduler = fixture.Services.GetRequiredService<TimerScheduler>();
        var entry = FunctionCatalog.Locktera.Entries.Single(e => e.Name == name);
        await scheduler.InvokeAsync(entry, scheduler.Schedule(entry), CancellationToken.None);

        // This run or a scheduled one of the same period (only one of them does the work) left its outcome.
        var storage = fixture.Services.GetRequiredService<StorageAccount>();
        var runs = await storage.TableAsync(storage.Names.TimerRuns, CancellationToken.None);
        var row = (await runs.GetEntityAsync<TableEntity>("timer", name)).Value;
        Assert.False(string.IsNullOrEmpty(row.GetString("Outcome")));
        Assert.NotNull(row.GetDateTimeOffset("FinishedAt"));
    }
}
