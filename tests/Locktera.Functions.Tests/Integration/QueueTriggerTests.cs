using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure.Storage.Queues.Models;
using Locktera.DevHost;
using Locktera.Functions.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Queue-triggered functions run by the DevHost over Azurite's queue service, as the Functions host
/// runs them: a message is handed to one instance at a time, deleted once its function returns,
/// tried again when it throws and moved to the poison queue in the end; an instance that stops
/// leaves its message to another. Each test has a queue of its own, and instances that run only
/// this file's functions. Azurite keeps the messages' visibility on the real clock, so the waits
/// here are real time, each bounded.
/// </summary>
public sealed class QueueTriggerTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private StorageAccount Storage => fixture.Services.GetRequiredService<StorageAccount>();

    private string NewQueue() => fixture.StoragePrefix + "q" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>An instance that runs <paramref name="catalog"/>'s functions on <paramref name="queue"/>, known to them as <paramref name="instance"/>.</summary>
    private Task<ApiClient> StartAsync(FunctionCatalog catalog, string queue, string instance, params (string Name, string Value)[] settings)
    {
        var overrides = new Dictionary<string, string?> { [QueueProbe.QueueSetting] = queue, [QueueProbe.InstanceSetting] = instance };
        foreach (var (name, value) in settings)
        {
            overrides[name] = value;
        }
        return fixture.StartInstanceAsync(overrides: overrides, catalog: catalog);
    }

    [Fact]
    public async Task A_message_runs_its_function_once_and_is_then_deleted()
    {
        var queue = NewQueue();
        await StartAsync(TextProbe.Catalog, queue, "a");

        // Characters beyond ASCII, and XML's own: the text arrives as it was sent.
        var plan = await SendAsync(queue, "{\"note\":\"héllo ✓ <&>\"}");

        Assert.Equal("a", (await plan.NextAsync()).Instance);
        Assert.Equal(1, await DeliveriesOnceDeletedAsync(queue, plan));
    }

    [Fact]
    public async Task A_failing_message_is_tried_again_after_the_visibility_timeout_and_then_moved_to_the_poison_queue()
    {
        var queue = NewQueue();
        await StartAsync(QueueProbe.Catalog, queue, "a",
            ("AzureFunctionsJobHost:extensions:queues:maxDequeueCount", "3"),
            ("AzureFunctionsJobHost:extensions:queues:visibilityTimeout", "00:00:01"));

        var plan = await SendAsync(queue, "fails", p => p.Fails = true);

        var tries = new[] { await plan.NextAsync(), await plan.NextAsync(), await plan.NextAsync() };
        Assert.Equal([1L, 2L, 3L], tries.Select(t => t.DequeueCount));
        // Each try came after the one before had been invisible for the visibility timeout.
        Assert.All(tries.Zip(tries.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At >= TimeSpan.FromSeconds(0.9), $"{pair.Second.At - pair.First.At} between tries"));
        var poisoned = await PoisonedAsync(queue);
        Assert.Equal(plan.Text, poisoned.Body.ToString());
        Assert.Equal(3, await DeliveriesOnceDeletedAsync(queue, plan));
    }

    [Fact]
    public async Task A_message_being_processed_is_not_handed_to_another_instance_while_its_lease_is_renewed()
    {
        var queue = NewQueue();
        var lease = (QueueTriggerSettings.LeaseSetting, "00:00:02");
        await StartAsync(QueueProbe.Catalog, queue, "a", lease);
        await StartAsync(QueueProbe.Catalog, queue, "b", lease);

        var plan = await SendAsync(queue, "held", p => p.Hold = new TaskCompletionSource());
        await plan.NextAsync();
        await Task.Delay(TimeSpan.FromSeconds(5)); // real time: the 2-second lease must be renewed twice while both instances poll

        Assert.Single(plan.Deliveries);
        plan.Hold!.SetResult();
        Assert.Equal(1, await DeliveriesOnceDeletedAsync(queue, plan));
    }

    [Fact]
    public async Task An_instance_stopped_mid_processing_leaves_the_message_to_another_after_its_lease()
    {
        var queue = NewQueue();
        var a = await StartAsync(QueueProbe.Catalog, queue, "a", (QueueTriggerSettings.LeaseSetting, "00:00:02"));

        var plan = await SendAsync(queue, "interrupted", p => p.Hold = new TaskCompletionSource());
        Assert.Equal("a", (await plan.NextAsync()).Instance);
        await fixture.StopInstanceAsync(a);

        // The function saw its token cancelled, and the message is still there for another instance.
        await plan.Cancelled.Task.WaitAsync(Patience);
        Assert.Equal(1, await MessagesInAsync(queue));
        plan.Hold = null;
        await StartAsync(QueueProbe.Catalog, queue, "b");
        var retry = await plan.NextAsync();
        Assert.Equal(("b", 2L), (retry.Instance, retry.DequeueCount));
        Assert.Equal(2, await DeliveriesOnceDeletedAsync(queue, plan));
    }

    [Fact]
    public async Task A_message_sent_with_a_delay_runs_once_the_delay_has_passed()
    {
        var queue = NewQueue();
        await StartAsync(QueueProbe.Catalog, queue, "a");

        var sent = DateTimeOffset.UtcNow;
        var plan = await SendAsync(queue, "later", delay: TimeSpan.FromSeconds(3));

        var delivery = await plan.NextAsync();
        Assert.True(delivery.At - sent >= TimeSpan.FromSeconds(2.9), $"ran {delivery.At - sent} after it was sent");
        Assert.Equal(1, await DeliveriesOnceDeletedAsync(queue, plan));
    }

    /// <summary>
    /// Sends a message of its own (<paramref name="label"/> and a unique id) through the API's storage
    /// account, as the API enqueues, to be handed out after <paramref name="delay"/>; answers the plan the
    /// functions follow for it, set by <paramref name="plan"/> before it is sent.
    /// </summary>
    private async Task<MessagePlan> SendAsync(string queue, string label, Action<MessagePlan>? plan = null, TimeSpan delay = default)
    {
        var planned = QueueProbe.PlanFor($"{label} {Guid.NewGuid()}");
        plan?.Invoke(planned);
        await Storage.SendMessageAsync(queue, planned.Text, delay, CancellationToken.None);
        return planned;
    }

    /// <summary>
    /// Waits until <paramref name="queue"/> holds no message, visible or not (so the planned one was
    /// deleted, not merely leased), and answers how often it had been handed out by then.
    /// </summary>
    private async Task<int> DeliveriesOnceDeletedAsync(string queue, MessagePlan plan)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (await MessagesInAsync(queue) != 0)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"queue {queue} never emptied");
            await Task.Delay(50); // real time: the instance settles the message against Azurite
        }
        return plan.Deliveries.Count;
    }

    /// <summary>How many messages <paramref name="queue"/> holds, visible or not.</summary>
    private async Task<int> MessagesInAsync(string queue) =>
        (await (await Storage.QueueAsync(queue, CancellationToken.None)).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    /// <summary>The one message of the poison queue of <paramref name="queue"/>, once it is there.</summary>
    private async Task<PeekedMessage> PoisonedAsync(string queue)
    {
        var poison = await Storage.QueueAsync(queue + "-poison", CancellationToken.None);
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (true)
        {
            var peeked = (await poison.PeekMessagesAsync(maxMessages: 32)).Value;
            if (peeked.Length > 0)
            {
                return Assert.Single(peeked);
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"nothing reached {poison.Name}");
            await Task.Delay(50); // real time: the instance moves the message in Azurite
        }
    }
}

/// <summary>One handing of a message to a function: by which instance, on which try, when (real time).</summary>
public sealed record Delivery(string Instance, long DequeueCount, DateTimeOffset At);

/// <summary>What a test planned for the message with a given text, and what became of it.</summary>
public sealed class MessagePlan(string text)
{
    private readonly Channel<Delivery> _next = Channel.CreateUnbounded<Delivery>();
    private readonly ConcurrentQueue<Delivery> _deliveries = new();

    public string Text { get; } = text;

    /// <summary>Every try throws.</summary>
    public bool Fails { get; set; }

    /// <summary>While set, a try waits for it (or for the host to stop) before it returns.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Completed when a try saw its cancellation token cancelled.</summary>
    public TaskCompletionSource Cancelled { get; } = new();

    public IReadOnlyCollection<Delivery> Deliveries => _deliveries;

    /// <summary>The next delivery, within half a minute.</summary>
    public async Task<Delivery> NextAsync() => await _next.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public async Task RunAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        _deliveries.Enqueue(delivery);
        _next.Writer.TryWrite(delivery);
        if (Hold is { } hold)
        {
            try
            {
                await hold.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled.TrySetResult();
                throw;
            }
        }
        if (Fails)
        {
            throw new InvalidOperationException("This try fails, as planned.");
        }
    }
}

/// <summary>A queue function of the tests': hands each message, bound as the message itself, to its plan.</summary>
public sealed class QueueProbe(IConfiguration configuration)
{
    public const string QueueSetting = "QueueProbeQueue";
    public const string InstanceSetting = "QueueProbeInstance";

    private static readonly ConcurrentDictionary<string, MessagePlan> Plans = new(StringComparer.Ordinal);

    public static FunctionCatalog Catalog { get; } = new(typeof(QueueProbe));

    public static MessagePlan PlanFor(string text) => Plans.GetOrAdd(text, t => new MessagePlan(t));

    [Function(nameof(QueueProbe))]
    public Task Run([QueueTrigger("%" + QueueSetting + "%")] QueueMessage message, CancellationToken cancellationToken) =>
        PlanFor(message.Body.ToString()).RunAsync(new Delivery(configuration[InstanceSetting]!, message.DequeueCount, DateTimeOffset.UtcNow), cancellationToken);
}

/// <summary>The same, with the message bound as its text.</summary>
public sealed class TextProbe(IConfiguration configuration)
{
    public static FunctionCatalog Catalog { get; } = new(typeof(TextProbe));

    [Function(nameof(TextProbe))]
    public Task Run([QueueTrigger("%" + QueueProbe.QueueSetting + "%")] string text, CancellationToken cancellationToken) =>
        QueueProbe.PlanFor(text).RunAsync(new Delivery(configuration[QueueProbe.InstanceSetting]!, 0, DateTimeOffset.UtcNow), cancellationToken);
}
