using Locktera.Core.Access;
using Locktera.Core.Addresses;
using Locktera.Core.Consents;
using Locktera.Core.Containers;
using Locktera.Core.Content;
using Locktera.Core.Customization;
using Locktera.Core.Drm;
using Locktera.Core.ErrorLog;
using Locktera.Core.Events;
using Locktera.Core.Health;
using Locktera.Core.Keys;
using Locktera.Core.Metering;
using Locktera.Core.Operations;
using Locktera.Core.Orgs;
using Locktera.Core.RateLimiting;
using Locktera.Core.Security;
using Locktera.Core.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Locktera.Core;

/// <summary>The services of the domain, registered once for any host that runs it.</summary>
public static class LockteraCoreServices
{
    /// <summary>
    /// Registers every Core service, with <see cref="LockteraOptions"/> bound from <paramref name="configuration"/>
    /// and validated at start (each problem naming its setting), and storage from the connection
    /// <paramref name="storageConnection"/> of that configuration.
    /// </summary>
    public static IServiceCollection AddLockteraCore(this IServiceCollection services, IConfiguration configuration, string storageConnection)
    {
        services.AddOptions<LockteraOptions>()
            .Bind(configuration.GetSection(LockteraOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LockteraOptions>, OptionsProblems>();
        services.AddSingleton(TimeProvider.System);
        // Bounded: entries are opened containers (header, keys, index), each of size 1.
        services.AddMemoryCache(cache => cache.SizeLimit = 10_000);
        services.AddSingleton(sp => StorageAccount.FromConfiguration(
            configuration, storageConnection, new TableNames(sp.GetRequiredService<IOptions<LockteraOptions>>().Value.StoragePrefix)));
        services.AddSingleton<MasterKey>();
        services.AddSingleton<CounterBuffer>();
        services.AddSingleton<TimerRuns>();
        services.AddSingleton<DueIndex>();
        // Organizations, keys and who may do what.
        services.AddSingleton<RecentRows>();
        services.AddSingleton<OrgStore>();
        services.AddSingleton<OrgAudit>();
        services.AddSingleton<OrgService>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<ViewerTokens>();
        services.AddSingleton<AccessLog>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<RateLimiter>();
        // Containers, their storage and DRM.
        services.AddSingleton<OrgKeyPairs>();
        services.AddSingleton<ContainerSeal>();
        services.AddSingleton<ContainerStore>();
        services.AddSingleton<ContainerService>();
        services.AddSingleton<StorageConfigStore>();
        services.AddSingleton<StorageEndpointPolicy>();
        services.AddSingleton<StorageConfigService>();
        services.AddSingleton<StorageConfigChecks>();
        services.AddSingleton<ContentStores>();
        services.AddSingleton<IContentStores>(sp => sp.GetRequiredService<ContentStores>());
        services.AddSingleton<GeoLocator>();
        services.AddSingleton<ViewerFactsSource>();
        services.AddSingleton<ViewerStates>();
        services.AddSingleton<ViewerAccess>();
        // The organization's records.
        services.AddSingleton<EventLog>();
        // Webhooks: the queue is named by the app setting its trigger reads.
        services.AddSingleton(sp => new WebhookQueue(sp.GetRequiredService<StorageAccount>(), configuration[WebhookQueue.Setting] ?? "webhooks"));
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<WebhookService>();
        services.AddSingleton<WebhookDeliverer>();
        services.AddSingleton<AddressBook>();
        services.AddSingleton<ConsentLedger>();
        services.AddSingleton<ErrorReports>();
        services.AddSingleton<Customizations>();
        // Webhooks: delivery attempts, through a connection pool of their own held to the endpoint policy.
        services.AddSingleton(sp => new WebhookSender(sp.GetRequiredService<StorageEndpointPolicy>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<WebhookSender>>(), TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<LockteraOptions>>().Value.WebhookTimeoutSeconds)));
        // Operations.
        services.AddSingleton<UsageMeter>();
        services.AddSingleton<UsageRollup>();
        services.AddSingleton<UsageReport>();
        services.AddSingleton<ExpirySweep>();
        services.AddSingleton<OrgPurge>();
        services.AddSingleton<StorageHealth>();
        services.AddSingleton<Uploads.UploadSessionStore>();
        services.AddSingleton<Uploads.UploadSessions>();
        return services;
    }

    /// <summary>Reports every configuration problem at start-up, each naming its setting.</summary>
    private sealed class OptionsProblems : IValidateOptions<LockteraOptions>
    {
        public ValidateOptionsResult Validate(string? name, LockteraOptions options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
