using Locktera.Core.Addresses;
using Locktera.Core.Consents;
using Locktera.Core.Containers;
using Locktera.Core.Customization;
using Locktera.Core.ErrorLog;
using Locktera.Core.Content;
using Locktera.Core.Drm;
using Locktera.Core.Events;
using Locktera.Core.Health;
using Locktera.Core.Keys;
using Locktera.Core.Metering;
using Locktera.Core.Operations;
using Locktera.Core.Orgs;
using Locktera.Core.RateLimiting;
using Locktera.Core.Security;
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
        services.AddOptions<LockteraOptions>()
            .Bind(configuration.GetSection(LockteraOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LockteraOptions>, OptionsProblems>();
        services.AddSingleton(TimeProvider.System);
        // Bounded: entries are opened containers (header, keys, index), each of size 1.
        services.AddMemoryCache(cache => cache.SizeLimit = 10_000);
        services.AddSingleton(sp => StorageAccount.FromConfiguration(
            configuration, StorageConnection, new TableNames(sp.GetRequiredService<IOptions<LockteraOptions>>().Value.StoragePrefix)));
        services.AddSingleton<MasterKey>();
        services.AddSingleton<OrgStore>();
        services.AddSingleton<ContainerStore>();
        services.AddSingleton<EventLog>();
        services.AddSingleton<AddressBook>();
        services.AddSingleton<ConsentLedger>();
        services.AddSingleton<ErrorReports>();
        services.AddSingleton<Customizations>();
        services.AddSingleton<ViewerTokens>();
        services.AddSingleton<ViewerStates>();
        services.AddSingleton<ViewerAccess>();
        services.AddSingleton<ClientAddresses>();
        services.AddSingleton<GeoLocator>();
        services.AddSingleton<RequestFacts>();
        services.AddSingleton<OrgKeyPairs>();
        services.AddSingleton<ContainerSeal>();
        services.AddSingleton<ContainerService>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<OrgAudit>();
        services.AddSingleton<OrgService>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<TimerRuns>();
        services.AddSingleton<DueIndex>();
        services.AddSingleton<ExpirySweep>();
        services.AddSingleton<OrgPurge>();
        services.AddSingleton<CounterBuffer>();
        services.AddHostedService<CounterFlusher>();
        services.AddSingleton<AccessLog>();
        services.AddSingleton<UsageMeter>();
        services.AddSingleton<UsageRollup>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<StorageHealth>();
        services.AddSingleton<StorageConfigChecks>();
        services.AddContentStorage();
        services.AddSingleton<RequestPipeline>();
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
