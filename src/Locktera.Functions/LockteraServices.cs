using Locktera.Core.Drm;
using Locktera.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Locktera.Functions;

/// <summary>The app's services, registered the same way by the Functions host and the DevHost.</summary>
public static class LockteraServices
{
    /// <summary>The one storage connection: the Functions host's own, so a deployment configures storage once.</summary>
    public const string StorageConnection = "AzureWebJobsStorage";

    public static IServiceCollection AddLocktera(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLockteraCore(configuration, StorageConnection);
        // What serving HTTP adds: the client's address and facts, the pipeline, counters flushed on a timer, escaped logs.
        services.AddSingleton<ClientAddresses>();
        services.AddSingleton<Core.Webhooks.IWebhookPayloads, WebhookPayloads>();
        services.AddSingleton<RequestFacts>();
        services.AddSingleton<RequestPipeline>();
        services.AddHostedService<CounterFlusher>();
        services.EscapeLogMessages();
        return services;
    }

    /// <summary>Fails start-up, naming the setting, when the configuration cannot work.</summary>
    public static void ValidateConfiguration(this IServiceProvider services)
    {
        _ = services.GetRequiredService<IOptions<LockteraOptions>>().Value;
        _ = services.GetRequiredService<StorageAccount>();
        _ = services.GetRequiredService<GeoLocator>();
    }
}
