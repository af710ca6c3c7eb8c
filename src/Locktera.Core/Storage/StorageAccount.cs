using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace Locktera.Core.Storage;

/// <summary>
/// The platform storage account behind the one storage connection setting. Locally that is a
/// connection string (Azurite); in Azure the identity-based form
/// (<c>&lt;name&gt;__tableServiceUri</c>, <c>__blobServiceUri</c>, <c>__credential</c>, <c>__clientId</c>).
/// </summary>
public sealed class StorageAccount
{
    private readonly ConcurrentDictionary<string, Task<TableClient>> _tables = new();
    private readonly ConcurrentDictionary<string, Task<BlobContainerClient>> _containers = new();

    public StorageAccount(TableServiceClient tables, BlobServiceClient blobs, TableNames names)
    {
        TableService = tables;
        BlobService = blobs;
        Names = names;
    }

    public TableServiceClient TableService { get; }

    public BlobServiceClient BlobService { get; }

    public TableNames Names { get; }

    /// <summary>
    /// A client for a table that exists. Creation is attempted once per process and table, and
    /// again after a failure, so a storage outage at start-up heals by itself.
    /// </summary>
    public Task<TableClient> TableAsync(string name, CancellationToken cancellationToken) =>
        Once(_tables, name, async n =>
        {
            var client = TableService.GetTableClient(n);
            await client.CreateIfNotExistsAsync(cancellationToken);
            return client;
        });

    /// <summary>A client for a blob container that exists, created as <see cref="TableAsync"/> creates tables.</summary>
    public Task<BlobContainerClient> ContainerAsync(string name, CancellationToken cancellationToken) =>
        Once(_containers, name, async n =>
        {
            var client = BlobService.GetBlobContainerClient(n);
            await client.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            return client;
        });

    private static Task<T> Once<T>(ConcurrentDictionary<string, Task<T>> created, string name, Func<string, Task<T>> create)
    {
        var task = created.GetOrAdd(name, create);
        if (task.IsFaulted || task.IsCanceled)
        {
            created.TryRemove(new KeyValuePair<string, Task<T>>(name, task));
            task = created.GetOrAdd(name, create);
        }
        return task;
    }

    /// <summary>
    /// The account the setting <paramref name="connectionName"/> describes: the identity-based form
    /// whenever its service URIs are configured (a key left behind in a connection string must not win
    /// over the identity a deployment set up), otherwise its connection string.
    /// </summary>
    /// <param name="transport">Where the clients (and the identity credential) send requests; the
    /// platform default when null. Tests pass their own to see the requests without a network.</param>
    public static StorageAccount FromConfiguration(IConfiguration configuration, string connectionName, TableNames names, HttpPipelineTransport? transport = null)
    {
        var section = configuration.GetSection(connectionName);
        var tableUri = section["tableServiceUri"];
        var blobUri = section["blobServiceUri"];
        if (!string.IsNullOrWhiteSpace(tableUri) || !string.IsNullOrWhiteSpace(blobUri))
        {
            if (string.IsNullOrWhiteSpace(tableUri) || string.IsNullOrWhiteSpace(blobUri))
            {
                throw new InvalidOperationException(
                    $"Set both '{connectionName}__tableServiceUri' and '{connectionName}__blobServiceUri' for an identity-based storage connection.");
            }
            var credential = IdentityCredential(section, transport);
            return new StorageAccount(
                new TableServiceClient(ParseUri(tableUri, connectionName + "__tableServiceUri"), credential, WithTransport(Configure(new TableClientOptions()), transport)),
                new BlobServiceClient(ParseUri(blobUri, connectionName + "__blobServiceUri"), credential, WithTransport(Configure(new BlobClientOptions()), transport)),
                names);
        }
        var connectionString = section.Value;
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            try
            {
                return new StorageAccount(
                    new TableServiceClient(connectionString, WithTransport(Configure(new TableClientOptions()), transport)),
                    new BlobServiceClient(connectionString, WithTransport(Configure(new BlobClientOptions()), transport)),
                    names);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // The parser's message may quote the connection string, which holds the account key.
                throw new InvalidOperationException($"Setting '{connectionName}' is not a valid storage connection string.");
            }
        }

        throw new InvalidOperationException(
            $"Storage is not configured: set '{connectionName}' to a connection string, or set both " +
            $"'{connectionName}__tableServiceUri' and '{connectionName}__blobServiceUri' for an identity-based connection.");
    }

    /// <summary>
    /// The same choice the Functions host makes: a user-assigned managed identity when
    /// <c>credential</c> is "managedidentity" (with <c>clientId</c> naming it), otherwise the default chain.
    /// </summary>
    private static TokenCredential IdentityCredential(IConfigurationSection section, HttpPipelineTransport? transport)
    {
        var clientId = section["clientId"];
        var kind = section["credential"];
        if (string.Equals(kind, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            var id = string.IsNullOrWhiteSpace(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId);
            return new ManagedIdentityCredential(WithTransport(new ManagedIdentityCredentialOptions(id), transport));
        }
        return new DefaultAzureCredential(WithTransport(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId }, transport));
    }

    private static T WithTransport<T>(T options, HttpPipelineTransport? transport) where T : ClientOptions
    {
        if (transport is not null)
        {
            options.Transport = transport;
        }
        return options;
    }

    private static Uri ParseUri(string value, string setting) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"Setting '{setting}' must be an absolute URI.");

    /// <summary>
    /// Few, quick retries: a request that cannot reach storage should fail fast with 503 and let the
    /// client retry, rather than hang for the SDK's default minute.
    /// </summary>
    internal static T Configure<T>(T options) where T : ClientOptions
    {
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }
}
