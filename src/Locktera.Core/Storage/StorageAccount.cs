using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Locktera.Core.Storage;

/// <summary>
/// The platform storage account behind the one storage connection setting. Locally that is a
/// connection string (Azurite); in Azure the identity-based form (<c>&lt;name&gt;__tableServiceUri</c>,
/// <c>__blobServiceUri</c>, <c>__queueServiceUri</c>, <c>__credential</c>, <c>__clientId</c>).
/// </summary>
public sealed class StorageAccount
{
    private readonly ConcurrentDictionary<string, Task<TableClient>> _tables = new();
    private readonly ConcurrentDictionary<string, Task<BlobContainerClient>> _containers = new();
    private readonly ConcurrentDictionary<string, Task<QueueClient>> _queues = new();

    /// <param name="queues">Its clients must encode messages as <see cref="QueueOptions"/> does, or the queue trigger misreads them.</param>
    public StorageAccount(TableServiceClient tables, BlobServiceClient blobs, QueueServiceClient queues, TableNames names)
    {
        TableService = tables;
        BlobService = blobs;
        QueueService = queues;
        Names = names;
    }

    public TableServiceClient TableService { get; }

    public BlobServiceClient BlobService { get; }

    public QueueServiceClient QueueService { get; }

    public TableNames Names { get; }

    /// <summary>
    /// A client for a table that exists. Creation is attempted once per process and table, and
    /// again after a failure, so a storage outage at start-up heals by itself.
    /// </summary>
    public Task<TableClient> TableAsync(string name, CancellationToken cancellationToken) =>
        Once(_tables, name, async n =>
        {
            var client = TableService.GetTableClient(n);
            await client.CreateIfNotExistsAsync(CancellationToken.None);
            return client;
        }, cancellationToken);

    /// <summary>A client for a blob container that exists, created as <see cref="TableAsync"/> creates tables.</summary>
    public Task<BlobContainerClient> ContainerAsync(string name, CancellationToken cancellationToken) =>
        Once(_containers, name, async n =>
        {
            var client = BlobService.GetBlobContainerClient(n);
            await client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            return client;
        }, cancellationToken);

    /// <summary>A client for a queue that exists, created as <see cref="TableAsync"/> creates tables.</summary>
    public Task<QueueClient> QueueAsync(string name, CancellationToken cancellationToken) =>
        Once(_queues, name, async n =>
        {
            var client = QueueService.GetQueueClient(n);
            await client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            return client;
        }, cancellationToken);

    /// <summary>
    /// Sends <paramref name="text"/> to the queue <paramref name="queue"/> (created when missing), to be
    /// handed out once <paramref name="delay"/> has passed (at most 7 days, the message's lifetime). A
    /// message holds at most 48 KiB of UTF-8 text: the service takes 64 KiB, after base64.
    /// </summary>
    public async Task SendMessageAsync(string queue, string text, TimeSpan delay, CancellationToken cancellationToken)
    {
        var client = await QueueAsync(queue, cancellationToken);
        await client.SendMessageAsync(text, visibilityTimeout: delay, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The one creation of <paramref name="name"/> every caller shares. It is made with no caller's
    /// token (one caller giving up must not fail the others who wait on it); each caller waits on it
    /// with its own.
    /// </summary>
    private static Task<T> Once<T>(ConcurrentDictionary<string, Task<T>> created, string name, Func<string, Task<T>> create, CancellationToken cancellationToken)
    {
        var task = created.GetOrAdd(name, create);
        if (task.IsFaulted || task.IsCanceled)
        {
            created.TryRemove(new KeyValuePair<string, Task<T>>(name, task));
            task = created.GetOrAdd(name, create);
        }
        return task.WaitAsync(cancellationToken);
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
        string? ServiceUri(string service) => section[service + "ServiceUri"] is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
        var (tableUri, blobUri, queueUri) = (ServiceUri("table"), ServiceUri("blob"), ServiceUri("queue"));
        if (tableUri is not null || blobUri is not null || queueUri is not null)
        {
            // All three or none: a deployment that names only some would otherwise fail at the first use
            // of another service (an enqueue), long after start-up.
            if (tableUri is null || blobUri is null || queueUri is null)
            {
                throw new InvalidOperationException($"Set all of {IdentitySettings(connectionName)} for an identity-based storage connection.");
            }
            var credential = IdentityCredential(section, transport);
            return new StorageAccount(
                new TableServiceClient(ParseUri(tableUri, connectionName + "__tableServiceUri"), credential, WithTransport(Configure(new TableClientOptions()), transport)),
                new BlobServiceClient(ParseUri(blobUri, connectionName + "__blobServiceUri"), credential, WithTransport(Configure(new BlobClientOptions()), transport)),
                new QueueServiceClient(ParseUri(queueUri, connectionName + "__queueServiceUri"), credential, WithTransport(QueueOptions(), transport)),
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
                    new QueueServiceClient(connectionString, WithTransport(QueueOptions(), transport)),
                    names);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // The parser's message may quote the connection string, which holds the account key.
                throw new InvalidOperationException($"Setting '{connectionName}' is not a valid storage connection string.");
            }
        }

        throw new InvalidOperationException(
            $"Storage is not configured: set '{connectionName}' to a connection string, or set " +
            $"{IdentitySettings(connectionName)} for an identity-based connection.");
    }

    /// <summary>The identity-based form's service URIs, by the Functions host's own names, so one set serves both.</summary>
    private static string IdentitySettings(string connectionName) =>
        $"'{connectionName}__tableServiceUri', '{connectionName}__blobServiceUri' and '{connectionName}__queueServiceUri'";

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
    /// The queue clients' options: <see cref="Configure{T}"/>'s retries, and messages in base64, which is what
    /// the Functions queue trigger reads by default (host.json <c>extensions.queues.messageEncoding</c>).
    /// </summary>
    public static QueueClientOptions QueueOptions() => Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

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
