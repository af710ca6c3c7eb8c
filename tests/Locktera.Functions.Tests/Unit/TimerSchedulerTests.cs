using Locktera.DevHost;
using Locktera.Functions.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Locktera.Functions.Tests.Unit;

/// <summary>Timer functions of a test assembly's own, run by the DevHost's scheduler.</summary>
public class TimerSchedulerTests
{
    private static TimerScheduler Scheduler(IConfiguration? configuration = null, TimeProvider? time = null) => new(
        new FunctionCatalog(typeof(TimerSchedulerTests).Assembly),
        new ServiceCollection().BuildServiceProvider(),
        configuration ?? new ConfigurationBuilder().Build(),
        time ?? TimeProvider.System,
        NullLogger<TimerScheduler>.Instance);

    private static IConfiguration WithSchedule() =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["TestSchedule"] = "0 */5 * * * *" }).Build();

    private static FunctionEntry Entry(string name) =>
        new FunctionCatalog(typeof(TimerSchedulerTests).Assembly).Entries.Single(e => e.Name == name);

    [Fact]
    public async Task A_timer_function_runs_on_its_schedule_until_the_host_stops()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var scheduler = Scheduler(WithSchedule(), clock);
        await scheduler.StartAsync(CancellationToken.None);
        await SecondsPassUntilItRunsAsync(clock);
        await SecondsPassUntilItRunsAsync(clock);
        await scheduler.StopAsync(CancellationToken.None);
        var runs = EverySecond.Runs;
        Assert.True(runs >= 2, $"ran {runs} times");
        Assert.NotNull(EverySecond.LastInfo?.ScheduleStatus);
        Assert.True(EverySecond.LastInfo!.ScheduleStatus!.Next > EverySecond.LastInfo.ScheduleStatus.Last);

        // Stopped, it runs no more however much time passes.
        while (EverySecond.Ran.Wait(0))
        {
            // Runs already counted above.
        }
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(await EverySecond.Ran.WaitAsync(TimeSpan.FromMilliseconds(100)), "ran after the host stopped");
        Assert.Equal(runs, EverySecond.Runs);
    }

    /// <summary>
    /// Moves the clock on a second at a time until the every-second function has run once more (the
    /// scheduler may not be waiting yet when the clock first moves, and each run lands on the thread pool).
    /// </summary>
    private static async Task SecondsPassUntilItRunsAsync(FakeTimeProvider clock)
    {
        for (var second = 0; ; second++)
        {
            Assert.True(second < 500, "the every-second function did not run");
            clock.Advance(TimeSpan.FromSeconds(1));
            if (await EverySecond.Ran.WaitAsync(TimeSpan.FromMilliseconds(20)))
            {
                return;
            }
        }
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

    /// <summary>Released once by every run.</summary>
    public static SemaphoreSlim Ran { get; } = new(0);

    [Function("EverySecond")]
    public static Task Run([TimerTrigger("* * * * * *")] TimerInfo info, CancellationToken cancellationToken)
    {
        LastInfo = info;
        Interlocked.Increment(ref _runs);
        Ran.Release();
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
