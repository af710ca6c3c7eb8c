using Cronos;
using Microsoft.Azure.Functions.Worker;

namespace Locktera.DevHost;

/// <summary>
/// Runs timer-triggered functions on their CRON schedules (six fields, seconds first, as in the
/// Functions host; a "%Name%" in it reads that setting from configuration). A failing run is logged and
/// the schedule goes on.
/// </summary>
public sealed partial class TimerScheduler(FunctionCatalog catalog, IServiceProvider services, IConfiguration configuration, TimeProvider time, ILogger<TimerScheduler> logger)
    : BackgroundService
{
    private IEnumerable<FunctionEntry> Timers => catalog.Entries.Where(e => e.Timer is not null);

    /// <summary>Every schedule is parsed before any runs, so a bad one fails start-up rather than going quiet.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in Timers)
        {
            Schedule(entry);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Timers.Select(e => RunScheduleAsync(e, stoppingToken)));

    /// <summary>The parsed schedule of a timer function; throws naming the function when it is invalid.</summary>
    public CronExpression Schedule(FunctionEntry entry)
    {
        var text = AppSettingReferences.Resolve(entry.Timer!.Schedule, entry, "schedule", configuration);
        try
        {
            return CronExpression.Parse(text, CronFormat.IncludeSeconds);
        }
        catch (CronFormatException e)
        {
            throw new InvalidOperationException($"Function {entry.Name}: '{text}' is not a six-field CRON schedule.", e);
        }
    }

    /// <summary>Invokes a timer function once, as the schedule would.</summary>
    public Task InvokeAsync(FunctionEntry entry, CronExpression schedule, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var info = new TimerInfo
        {
            ScheduleStatus = new ScheduleStatus { Last = now, Next = schedule.GetNextOccurrence(now) ?? DateTime.MaxValue, LastUpdated = now },
        };
        var arguments = entry.Method.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(TimerInfo) => info,
            var t when t == typeof(CancellationToken) => (object)cancellationToken,
            _ => throw new InvalidOperationException($"Function {entry.Name}: the DevHost cannot bind parameter '{p.Name}'."),
        }).ToArray();
        return FunctionInvoker.InvokeAsync(services, entry, arguments);
    }

    private async Task RunScheduleAsync(FunctionEntry entry, CancellationToken stoppingToken)
    {
        var schedule = Schedule(entry);
        if (entry.Timer!.RunOnStartup)
        {
            await RunOnceAsync(entry, schedule, stoppingToken);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (schedule.GetNextOccurrence(now) is not { } next)
            {
                return;
            }
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await RunOnceAsync(entry, schedule, stoppingToken);
        }
    }

    private async Task RunOnceAsync(FunctionEntry entry, CronExpression schedule, CancellationToken stoppingToken)
    {
        try
        {
            await InvokeAsync(entry, schedule, stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogTimerFailed(logger, e, entry.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer function {Function} failed")]
    private static partial void LogTimerFailed(ILogger logger, Exception exception, string function);
}
