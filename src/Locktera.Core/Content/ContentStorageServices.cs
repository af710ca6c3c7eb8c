using Microsoft.Extensions.DependencyInjection;

namespace Locktera.Core.Content;

public static class ContentStorageServices
{
    /// <summary>Content storage: the platform store, organizations' configurations and their validation.</summary>
    public static IServiceCollection AddContentStorage(this IServiceCollection services)
    {
        services.AddSingleton<StorageConfigStore>();
        services.AddSingleton<StorageEndpointPolicy>();
        services.AddSingleton<StorageConfigService>();
        services.AddSingleton<ContentStores>();
        services.AddSingleton<IContentStores>(sp => sp.GetRequiredService<ContentStores>());
        return services;
    }
}
