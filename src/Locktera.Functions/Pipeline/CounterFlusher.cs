using Locktera.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Locktera.Functions.Pipeline;

/// <summary>Writes the buffered counters every few seconds, and once more when the host stops gracefully.</summary>
public sealed class CounterFlusher(CounterBuffer counters, IOptions<LockteraOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CounterFlushSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await counters.FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync flushes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await counters.FlushAsync(cancellationToken);
    }
}
