using System.Reflection;
using System.Text.RegularExpressions;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Locktera.Core.Storage;
using Locktera.Functions;
using Microsoft.Azure.Functions.Worker;

namespace Locktera.DevHost;

/// <summary>
/// Runs queue-triggered functions the way the Functions host does. Each function's queue (a
/// "%Name%" in it reads that setting) is polled in batches of <see cref="QueueTriggerSettings.BatchSize"/>,
/// a new batch once no more than <see cref="QueueTriggerSettings.NewBatchThreshold"/> messages are
/// still being processed; an empty queue is polled ever less often, up to
/// <see cref="QueueTriggerSettings.MaxPollingInterval"/>, and at once again after a message. A
/// message stays invisible while its function runs (a lease renewed at half time) and is deleted when
/// the function returns; when it throws, the message reappears after
/// <see cref="QueueTriggerSettings.VisibilityTimeout"/>, and after
/// <see cref="QueueTriggerSettings.MaxDequeueCount"/> tries it moves to <c>{queue}-poison</c>.
/// Stopping cancels the functions' token and leaves their messages to reappear when their lease ends.
/// Polling and leases run on the real clock, not the instance's TimeProvider: a message's visibility
/// is kept by the storage service's clock.
/// </summary>
public sealed partial class QueueListener(FunctionCatalog catalog, StorageAccount storage, QueueTriggerSettings settings, IServiceProvider services,
    IConfiguration configuration, ILogger<QueueListener> logger) : BackgroundService
{
    private const string PoisonSuffix = "-poison";

    private List<QueueFunction> _functions = [];

    /// <summary>A queue function as the DevHost runs it: the queues it reads and the arguments a message binds.</summary>
    public sealed record QueueFunction(FunctionEntry Entry, string Queue, string PoisonQueue, Func<QueueMessage, CancellationToken, object?[]> Arguments);

    /// <summary>Every queue function is described before any polls, so one the DevHost cannot run fails start-up.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _functions = [.. catalog.Entries.Where(e => e.Queue is not null).Select(Describe)];
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_functions.Select(f => PollAsync(f, stoppingToken)));

    /// <summary>How the DevHost runs a queue function; throws naming the function when it cannot.</summary>
    public QueueFunction Describe(FunctionEntry entry)
    {
        var trigger = entry.Queue!;
        if (trigger.Connection is { } connection && !string.Equals(connection, LockteraServices.StorageConnection, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Function {entry.Name}: the DevHost polls the queues of '{LockteraServices.StorageConnection}' only, not of '{connection}'.");
        }
        var queue = AppSettingReferences.Resolve(trigger.QueueName, entry, "queue", configuration);
        // The poison queue's name must be valid too: under the host a queue without one never gives up on a message.
        if (!QueueName().IsMatch(queue) || queue.Length + PoisonSuffix.Length > 63 || queue.EndsWith(PoisonSuffix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Function {entry.Name}: '{queue}' (from '{trigger.QueueName}') is not a queue name that leaves room for '{PoisonSuffix}': " +
                "3 to 56 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.");
        }
        var binders = entry.Method.GetParameters().Select(p => Binder(entry, p)).ToArray();
        return new QueueFunction(entry, queue, queue + PoisonSuffix, (message, token) => [.. binders.Select(b => b(message, token))]);
    }

    private static Func<QueueMessage, CancellationToken, object?> Binder(FunctionEntry entry, ParameterInfo parameter) => parameter switch
    {
        _ when parameter.ParameterType == typeof(CancellationToken) => (_, token) => token,
        _ when parameter.GetCustomAttribute<QueueTriggerAttribute>() is null => throw Unbindable(entry, parameter),
        _ when parameter.ParameterType == typeof(string) => (message, _) => message.Body.ToString(),
        _ when parameter.ParameterType == typeof(BinaryData) => (message, _) => message.Body,
        _ when parameter.ParameterType == typeof(QueueMessage) => (message, _) => message,
        _ => throw Unbindable(entry, parameter),
    };

    private static InvalidOperationException Unbindable(FunctionEntry entry, ParameterInfo parameter) => new(
        $"Function {entry.Name}: the DevHost cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}. " +
        "Take the message as string, BinaryData or QueueMessage, and a CancellationToken, so both hosts can run it.");

    private async Task PollAsync(QueueFunction function, CancellationToken stoppingToken)
    {
        var processing = new List<Task>();
        var idle = QueueTriggerSettings.MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            processing.RemoveAll(t => t.IsCompleted);
            if (processing.Count > settings.NewBatchThreshold)
            {
                await Task.WhenAny(processing);
                continue;
            }
            var batch = await ReceiveAsync(function, stoppingToken);
            if (batch.Length > 0)
            {
                idle = QueueTriggerSettings.MinPollingInterval;
                processing.AddRange(batch.Select(message => ProcessAsync(function, message, stoppingToken)));
                continue;
            }
            try
            {
                await Task.Delay(idle, stoppingToken); // real time: see the class's summary
            }
            catch (OperationCanceledException)
            {
                break;
            }
            idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks));
        }
        await Task.WhenAll(processing);
    }

    /// <summary>The next batch, each message leased; none when the poll fails (logged) or the host stops.</summary>
    private async Task<QueueMessage[]> ReceiveAsync(QueueFunction function, CancellationToken stoppingToken)
    {
        try
        {
            var queue = await storage.QueueAsync(function.Queue, stoppingToken);
            return (await queue.ReceiveMessagesAsync(settings.BatchSize, settings.Lease, stoppingToken)).Value;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return [];
        }
        catch (Exception e)
        {
            // Logged, never thrown: polling goes on (an outage heals), and the host keeps running.
            LogPollFailed(logger, e, function.Queue, function.Entry.Name);
            return [];
        }
    }

    /// <summary>Runs the function on one message and settles the message; never throws.</summary>
    private async Task ProcessAsync(QueueFunction function, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            // The client the batch came from (created once per queue), whatever the host's state now.
            var queue = await storage.QueueAsync(function.Queue, CancellationToken.None);
            // A message that took its instance down on every try (so was never settled) goes without another.
            if (message.DequeueCount > settings.MaxDequeueCount)
            {
                await MoveToPoisonAsync(function, queue, message, message.PopReceipt);
                return;
            }
            using var lease = new MessageLease(queue, message, settings.Lease, logger);
            Exception? failure = null;
            try
            {
                await FunctionInvoker.InvokeAsync(services, function.Entry, function.Arguments(message, stoppingToken));
            }
            catch (Exception e)
            {
                failure = e;
            }
            if (await lease.EndAsync() is not { } receipt)
            {
                return;
            }
            if (failure is null)
            {
                await queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
            }
            else if (!stoppingToken.IsCancellationRequested)
            {
                LogFunctionFailed(logger, failure, function.Entry.Name, message.MessageId, message.DequeueCount);
                if (message.DequeueCount >= settings.MaxDequeueCount)
                {
                    await MoveToPoisonAsync(function, queue, message, receipt);
                }
                else
                {
                    await queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
                }
            }
            // A function cut short by the host stopping is not a failure: its message reappears when its lease ends.
        }
        catch (Exception e) when (StorageFailures.IsLostMessage(e))
        {
            // Another instance received it meanwhile (or it is gone): it is that one's to settle.
        }
        catch (Exception e)
        {
            // Logged, never thrown: one message must not stop the queue's polling, nor the host.
            LogSettleFailed(logger, e, message.MessageId, function.Queue);
        }
    }

    private async Task MoveToPoisonAsync(QueueFunction function, QueueClient queue, QueueMessage message, string receipt)
    {
        LogPoisoned(logger, message.MessageId, function.Queue, settings.MaxDequeueCount, function.PoisonQueue);
        // The body as it came, in the same encoding.
        var poison = await storage.QueueAsync(function.PoisonQueue, CancellationToken.None);
        await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
        await queue.DeleteMessageAsync(message.MessageId, receipt, CancellationToken.None);
    }

    /// <summary>
    /// Keeps a message invisible while its function runs, renewing its visibility at half the lease
    /// (the Functions host renews its 10 minutes at 5). Each renewal changes the pop receipt that
    /// settling the message needs.
    /// </summary>
    private sealed class MessageLease : IDisposable
    {
        private readonly CancellationTokenSource _end = new();
        private readonly Task _renewals;
        private string? _receipt;

        public MessageLease(QueueClient queue, QueueMessage message, TimeSpan lease, ILogger logger)
        {
            _receipt = message.PopReceipt;
            _renewals = RenewAsync(queue, message.MessageId, lease, logger);
        }

        /// <summary>Stops renewing; the receipt to settle the message with, or null when the message was lost meanwhile.</summary>
        public async Task<string?> EndAsync()
        {
            await _end.CancelAsync();
            await _renewals;
            return _receipt;
        }

        public void Dispose() => _end.Dispose();

        private async Task RenewAsync(QueueClient queue, string messageId, TimeSpan lease, ILogger logger)
        {
            var wait = lease / 2;
            while (true)
            {
                try
                {
                    await Task.Delay(wait, _end.Token); // real time: the storage service's clock keeps the lease
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                try
                {
                    // Never cut short: a renewal that went through unseen would leave a receipt unknown to us.
                    _receipt = (await queue.UpdateMessageAsync(messageId, _receipt, visibilityTimeout: lease, cancellationToken: CancellationToken.None)).Value.PopReceipt;
                    wait = lease / 2;
                }
                catch (Exception e) when (StorageFailures.IsLostMessage(e))
                {
                    _receipt = null;
                    return;
                }
                catch (Exception e) when (StorageFailures.IsStorageError(e) || StorageFailures.IsOutage(e))
                {
                    LogRenewalFailed(logger, e, messageId, queue.Name);
                    wait = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, lease.Ticks / 2));
                }
            }
        }
    }

    /// <summary>Azure Storage's rule: 3 to 63 lowercase letters, digits and single hyphens, a letter or digit at each end.</summary>
    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex QueueName();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling queue {Queue} for function {Function} failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string queue, string function);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue function {Function} failed on message {MessageId} (try {DequeueCount})")]
    private static partial void LogFunctionFailed(ILogger logger, Exception exception, string function, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} of queue {Queue} was tried {MaxDequeueCount} times; moving it to {PoisonQueue}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, int maxDequeueCount, string poisonQueue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling message {MessageId} of queue {Queue} failed; it reappears when its lease ends")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of message {MessageId} of queue {Queue} failed")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, string messageId, string queue);
}
