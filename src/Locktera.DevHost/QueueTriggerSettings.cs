using System.Globalization;

namespace Locktera.DevHost;

/// <summary>
/// How queue triggers poll and retry, read as the Functions host reads them: host.json's
/// <c>extensions.queues</c>, each value overridden by the app setting
/// <c>AzureFunctionsJobHost__extensions__queues__{name}</c>; absent ones take the host's defaults.
/// </summary>
/// <param name="BatchSize">Messages received at once (1 to 32).</param>
/// <param name="NewBatchThreshold">A new batch is received once no more than this many messages are still being processed.</param>
/// <param name="MaxPollingInterval">The longest wait between polls of an empty queue.</param>
/// <param name="VisibilityTimeout">How long a message whose function failed stays invisible before it is tried again.</param>
/// <param name="MaxDequeueCount">Tries before a message is moved to the poison queue.</param>
/// <param name="Lease">
/// The DevHost's own setting <c>DevHost__QueueMessageLease</c>: how long a message being processed
/// stays invisible, renewed at half time (the Functions host's is 10 minutes); a message whose
/// instance stops or dies reappears this long after the last renewal.
/// </param>
public sealed record QueueTriggerSettings(int BatchSize, int NewBatchThreshold, TimeSpan MaxPollingInterval, TimeSpan VisibilityTimeout, int MaxDequeueCount, TimeSpan Lease)
{
    /// <summary>The host's shortest polling interval, where an empty queue's back-off starts.</summary>
    public static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The DevHost's setting of <see cref="Lease"/>, in configuration's form.</summary>
    public const string LeaseSetting = "DevHost:QueueMessageLease";

    /// <summary>The settings of host.json at <paramref name="hostJsonPath"/> under <paramref name="configuration"/>'s overrides; throws naming an invalid one.</summary>
    public static QueueTriggerSettings Read(string hostJsonPath, IConfiguration configuration)
    {
        // The host's own layering: host.json first, then the app settings under AzureFunctionsJobHost.
        var queues = new ConfigurationBuilder()
            .AddJsonFile(hostJsonPath)
            .AddConfiguration(configuration.GetSection("AzureFunctionsJobHost"))
            .Build()
            .GetSection("extensions:queues");
        if (queues["messageEncoding"] is { } encoding && !string.Equals(encoding, "base64", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"{HostSetting("messageEncoding")} is '{encoding}', but the API sends queue messages in base64 (StorageAccount.QueueOptions).");
        }
        var batchSize = Count(queues["batchSize"], HostSetting("batchSize"), 16, 1, 32);
        return new QueueTriggerSettings(
            batchSize,
            Count(queues["newBatchThreshold"], HostSetting("newBatchThreshold"), batchSize / 2 * Environment.ProcessorCount, 0, int.MaxValue),
            Duration(queues["maxPollingInterval"], HostSetting("maxPollingInterval"), TimeSpan.FromMinutes(1), MinPollingInterval),
            Duration(queues["visibilityTimeout"], HostSetting("visibilityTimeout"), TimeSpan.Zero, TimeSpan.Zero, wholeSeconds: true),
            Count(queues["maxDequeueCount"], HostSetting("maxDequeueCount"), 5, 1, int.MaxValue),
            Duration(configuration[LeaseSetting], "DevHost__QueueMessageLease", TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1), wholeSeconds: true));
    }

    private static string HostSetting(string name) =>
        $"host.json's extensions.queues.{name} (or the app setting AzureFunctionsJobHost__extensions__queues__{name})";

    private static int Count(string? text, string setting, int fallback, int min, int max) =>
        text is null ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value
        : throw new InvalidOperationException($"{setting} must be a whole number from {min} to {max}, not '{text}'.");

    /// <param name="wholeSeconds">A visibility timeout: storage takes whole seconds, at most 7 days.</param>
    private static TimeSpan Duration(string? text, string setting, TimeSpan fallback, TimeSpan min, bool wholeSeconds = false)
    {
        if (text is null)
        {
            return fallback;
        }
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= min
            && (!wholeSeconds || (value <= TimeSpan.FromDays(7) && value.Ticks % TimeSpan.TicksPerSecond == 0)))
        {
            return value;
        }
        var rule = wholeSeconds ? $"of whole seconds from {min:c} to 7 days" : $"of at least {min:c}";
        throw new InvalidOperationException($"{setting} must be a duration (hh:mm:ss) {rule}, not '{text}'.");
    }
}
