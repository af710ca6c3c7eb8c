using Locktera.DevHost;
using Locktera.Functions.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Locktera.Functions.Tests.Unit;

/// <summary>Timer functions of a test assembly's own, run by the DevHost's scheduler.</summary>
public class TimerSchedulerTests
{
    private static TimerScheduler Scheduler(IConfiguration? configuration = null) => new(
        new FunctionCatalog(typeof(TimerSchedulerTests).Assembly),
        new ServiceCollection().BuildServiceProvider(),
        configuration ?? new ConfigurationBuilder().Build(),
        TimeProvider.System,
        NullLogger<TimerScheduler>.Instance);

    private static IConfiguration WithSchedule() =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["TestSchedule"] = "0 */5 * * * *" }).Build();

    private static FunctionEntry Entry(string name) =>
        new FunctionCatalog(typeof(TimerSchedulerTests).Assembly).Entries.Single(e => e.Name == name);

    [Fact]
    public async Task A_timer_function_runs_on_its_schedule_until_the_host_stops()
    {
        var scheduler = Scheduler(WithSchedule());
        await scheduler.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (EverySecond.Runs < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await scheduler.StopAsync(CancellationToken.None);
        var runs = EverySecond.Runs;
        Assert.True(runs >= 2, $"ran {runs} times");
        Assert.NotNull(EverySecond.LastInfo?.ScheduleStatus);
        Assert.True(EverySecond.LastInfo!.ScheduleStatus!.Next > EverySecond.LastInfo.ScheduleStatus.Last);

        await Task.Delay(1500);
        Assert.Equal(runs, EverySecond.Runs);
    }

    [Fact]
    public void Schedules_can_come_from_settings()
    {
        var schedule = Scheduler(WithSchedule()).Schedule(Entry("FromSetting"));
        var next = schedule.GetNextOccurrence(new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2026, 1, 1, 0, 5, 0, DateTimeKind.Utc), next);
    }

    [Fact]
    public async Task A_missing_schedule_setting_fails_start_up_naming_the_function_and_the_setting()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Scheduler().StartAsync(CancellationToken.None));
        Assert.Contains("FromSetting", e.Message, StringComparison.Ordinal);
        Assert.Contains("TestSchedule", e.Message, StringComparison.Ordinal);
    }
}

public static class EverySecond
{
    private static int _runs;

    public static int Runs => Volatile.Read(ref _runs);

    public static TimerInfo? LastInfo { get; private set; }

    [Function("EverySecond")]
    public static Task Run([TimerTrigger("* * * * * *")] TimerInfo info, CancellationToken cancellationToken)
    {
        LastInfo = info;
        Interlocked.Increment(ref _runs);
        return Task.CompletedTask;
    }
}

public static class FromSetting
{
    [Function("FromSetting")]
    public static void Run([TimerTrigger("%TestSchedule%")] TimerInfo info)
    {
    }
}
