using Azure.Storage.Queues.Models;
using Locktera.DevHost;
using Locktera.Functions.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// What the DevHost's queue listener decides before it polls: the queue a function reads, how its
/// parameters bind, and the host's queue settings. Nothing here reaches storage (the integration
/// tests in QueueTriggerTests poll Azurite).
/// </summary>
public class QueueListenerTests
{
    private static readonly string HostJson = Path.Combine(AppContext.BaseDirectory, "host.json");

    private static IConfiguration Settings(params (string Name, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Name, s => (string?)s.Value)).Build();

    private static QueueListener Listener(IConfiguration configuration, params Type[] functions) => new(
        new FunctionCatalog(functions),
        StorageAccount.FromConfiguration(Settings((LockteraServices.StorageConnection, "UseDevelopmentStorage=true")), LockteraServices.StorageConnection, new TableNames("unit")),
        QueueTriggerSettings.Read(HostJson, configuration),
        new ServiceCollection().BuildServiceProvider(),
        configuration,
        NullLogger<QueueListener>.Instance);

    private static FunctionEntry Entry(Type function) => new FunctionCatalog(function).Entries.Single();

    [Fact]
    public async Task A_missing_queue_setting_fails_start_up_naming_the_function_and_the_setting()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Listener(Settings(), typeof(QueueFromSetting)).StartAsync(CancellationToken.None));
        Assert.Contains(nameof(QueueFromSetting), e.Message, StringComparison.Ordinal);
        Assert.Contains("TestQueueName", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_queue_is_the_setting_the_trigger_names()
    {
        var function = Listener(Settings(("TestQueueName", "orders")), typeof(QueueFromSetting)).Describe(Entry(typeof(QueueFromSetting)));
        Assert.Equal("orders", function.Queue);
        Assert.Equal("orders-poison", function.PoisonQueue);
    }

    /// <summary>Storage's rule for queue names, with room left for the poison queue (a queue without one is never given up on).</summary>
    [Theory]
    [InlineData("Orders")]
    [InlineData("or")]
    [InlineData("or--ders")]
    [InlineData("-orders")]
    [InlineData("orders_1")]
    [InlineData("orders-poison")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567")]
    public void A_queue_name_storage_would_refuse_fails_start_up(string name)
    {
        var e = Assert.Throws<InvalidOperationException>(() => Listener(Settings(("TestQueueName", name)), typeof(QueueFromSetting)).Describe(Entry(typeof(QueueFromSetting))));
        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_longest_name_that_leaves_room_for_its_poison_queue_is_taken()
    {
        var name = new string('a', 56);
        Assert.Equal(name + "-poison", Listener(Settings(("TestQueueName", name)), typeof(QueueFromSetting)).Describe(Entry(typeof(QueueFromSetting))).PoisonQueue);
    }

    [Fact]
    public void A_parameter_the_DevHost_cannot_bind_fails_start_up_naming_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Listener(Settings(), typeof(QueueWithDequeueCount)).Describe(Entry(typeof(QueueWithDequeueCount))));
        Assert.Contains("dequeueCount", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_queue_of_another_connection_fails_start_up_naming_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Listener(Settings(), typeof(QueueOfOtherAccount)).Describe(Entry(typeof(QueueOfOtherAccount))));
        Assert.Contains("OtherStorage", e.Message, StringComparison.Ordinal);
    }

    /// <summary>As the worker binds them: the text of the message (UTF-8), its bytes, the message itself, and the host's token.</summary>
    [Fact]
    public void The_message_binds_as_text_bytes_or_the_message_and_the_token_as_the_hosts()
    {
        var listener = Listener(Settings());
        var message = QueuesModelFactory.QueueMessage("id", "receipt", BinaryData.FromString("héllo ✓"), 1);
        using var stopping = new CancellationTokenSource();

        Assert.Equal(["héllo ✓", stopping.Token], listener.Describe(Entry(typeof(TextQueue))).Arguments(message, stopping.Token));
        var bytes = Assert.IsType<BinaryData>(Assert.Single(listener.Describe(Entry(typeof(BytesQueue))).Arguments(message, stopping.Token)));
        Assert.Equal(Encoding.UTF8.GetBytes("héllo ✓"), bytes.ToArray());
        Assert.Same(message, Assert.Single(listener.Describe(Entry(typeof(MessageQueue))).Arguments(message, stopping.Token)));
    }

    /// <summary>host.json's queue settings, as the repository sets them for both hosts, and the host's defaults for the rest.</summary>
    [Fact]
    public void Settings_come_from_host_json_with_the_hosts_defaults()
    {
        var settings = QueueTriggerSettings.Read(HostJson, Settings());
        Assert.Equal(TimeSpan.FromSeconds(2), settings.MaxPollingInterval);
        Assert.Equal(16, settings.BatchSize);
        Assert.Equal(8 * Environment.ProcessorCount, settings.NewBatchThreshold);
        Assert.Equal(TimeSpan.Zero, settings.VisibilityTimeout);
        Assert.Equal(5, settings.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.Lease);
    }

    /// <summary>The app setting AzureFunctionsJobHost__extensions__queues__… overrides host.json, as under the Functions host.</summary>
    [Fact]
    public void App_settings_override_host_json()
    {
        var settings = QueueTriggerSettings.Read(HostJson, Settings(
            ("AzureFunctionsJobHost:extensions:queues:maxPollingInterval", "00:00:00.500"),
            ("AzureFunctionsJobHost:extensions:queues:batchSize", "4"),
            ("AzureFunctionsJobHost:extensions:queues:maxDequeueCount", "2"),
            ("AzureFunctionsJobHost:extensions:queues:visibilityTimeout", "00:00:30"),
            (QueueTriggerSettings.LeaseSetting, "00:00:03")));
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.MaxPollingInterval);
        Assert.Equal(4, settings.BatchSize);
        Assert.Equal(2 * Environment.ProcessorCount, settings.NewBatchThreshold);
        Assert.Equal(2, settings.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.Lease);
    }

    [Theory]
    [InlineData("AzureFunctionsJobHost:extensions:queues:batchSize", "33", "batchSize")]
    [InlineData("AzureFunctionsJobHost:extensions:queues:maxDequeueCount", "0", "maxDequeueCount")]
    [InlineData("AzureFunctionsJobHost:extensions:queues:maxPollingInterval", "00:00:00.050", "maxPollingInterval")]
    [InlineData("AzureFunctionsJobHost:extensions:queues:visibilityTimeout", "00:00:01.500", "visibilityTimeout")]
    [InlineData("AzureFunctionsJobHost:extensions:queues:messageEncoding", "none", "messageEncoding")]
    [InlineData(QueueTriggerSettings.LeaseSetting, "soon", "DevHost__QueueMessageLease")]
    public void An_invalid_setting_fails_start_up_naming_it(string setting, string value, string named)
    {
        var e = Assert.Throws<InvalidOperationException>(() => QueueTriggerSettings.Read(HostJson, Settings((setting, value))));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}

public sealed class QueueFromSetting
{
    [Function(nameof(QueueFromSetting))]
    public static void Run([QueueTrigger("%TestQueueName%")] string message)
    {
    }
}

public sealed class QueueWithDequeueCount
{
    [Function(nameof(QueueWithDequeueCount))]
    public static void Run([QueueTrigger("orders")] string message, long dequeueCount)
    {
    }
}

public sealed class QueueOfOtherAccount
{
    [Function(nameof(QueueOfOtherAccount))]
    public static void Run([QueueTrigger("orders", Connection = "OtherStorage")] string message)
    {
    }
}

public sealed class TextQueue
{
    [Function(nameof(TextQueue))]
    public static void Run([QueueTrigger("orders")] string message, CancellationToken cancellationToken)
    {
    }
}

public sealed class BytesQueue
{
    [Function(nameof(BytesQueue))]
    public static void Run([QueueTrigger("orders")] BinaryData message)
    {
    }
}

public sealed class MessageQueue
{
    [Function(nameof(MessageQueue))]
    public static void Run([QueueTrigger("orders")] QueueMessage message)
    {
    }
}
