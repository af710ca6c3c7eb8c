using System.Text;
using Locktera.Core.Security;

namespace Locktera.Core.Content;

/// <summary>
/// Storage configurations in table storage: PK = org id, RK = config id for each version, and the
/// row <c>current</c> naming the version new containers go to. Versions are never changed or
/// removed, because containers written to one must stay readable. The secret of each version is
/// sealed with <see cref="SecretBox"/> and bound to its org and version.
/// </summary>
public sealed class StorageConfigStore(StorageAccount storage, MasterKey masterKey)
{
    private const string CurrentRow = "current";
    private readonly SecretBox _secrets = new(masterKey, "storage");

    public async Task<StorageConfig?> FindAsync(Guid orgId, Guid configId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), configId.ToString(), cancellationToken: cancellationToken);
        return row.HasValue ? ToConfig(row.Value!) : null;
    }

    /// <summary>The org's current version, or null when it never configured storage (it uses the platform's).</summary>
    public async Task<StorageConfig?> CurrentAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), CurrentRow, cancellationToken: cancellationToken);
        return row.HasValue ? await FindAsync(orgId, row.Value!.GetGuid("ConfigId")!.Value, cancellationToken) : null;
    }

    /// <summary>
    /// The current version of every org that configured storage. One query over the table (its rows are
    /// configurations only, a few per org that chose its own storage), for the periodic health checks.
    /// </summary>
    public async IAsyncEnumerable<StorageConfig> AllCurrentAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.RowKey == CurrentRow, select: ["PartitionKey", "ConfigId"], cancellationToken: cancellationToken))
        {
            if (await FindAsync(Guid.Parse(row.PartitionKey), row.GetGuid("ConfigId")!.Value, cancellationToken) is { } config)
            {
                yield return config;
            }
        }
    }

    /// <summary>Notes a health check's finding on the version it probed; a version purged meanwhile is no failure.</summary>
    public async Task RecordCheckAsync(StorageConfig config, StorageCheck check, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = new TableEntity(config.OrgId.ToString(), config.Id.ToString()) { ["LastCheck"] = check.At, ["Healthy"] = check.Healthy, ["Reason"] = check.Reason };
        try
        {
            await table.UpdateEntityAsync(row, Azure.ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.IsNotFound())
        {
            // The org was deleted and its configurations purged while it was being checked.
        }
    }

    /// <summary>Adds a version and makes it current in one transaction, so a version is never current before it exists.</summary>
    public async Task AddCurrentAsync(StorageConfig config, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var current = new TableEntity(config.OrgId.ToString(), CurrentRow) { ["ConfigId"] = config.Id };
        await table.SubmitTransactionAsync(
            [new(TableTransactionActionType.Add, ToEntity(config)), new(TableTransactionActionType.UpsertReplace, current)],
            cancellationToken);
    }

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.StorageConfigs, cancellationToken);

    private static string Binding(Guid orgId, Guid configId) => $"{orgId}/{configId}";

    private TableEntity ToEntity(StorageConfig config)
    {
        var s = config.Settings;
        return new TableEntity(config.OrgId.ToString(), config.Id.ToString())
        {
            ["Type"] = s.Type.ToName(),
            ["ContainerName"] = s.ContainerName,
            ["Bucket"] = s.Bucket,
            ["Region"] = s.Region,
            ["Host"] = s.Host?.ToString(),
            ["AccessKey"] = s.AccessKey,
            ["SealedSecret"] = s.Secret is null ? null : _secrets.Seal(Encoding.UTF8.GetBytes(s.Secret), Binding(config.OrgId, config.Id)),
            ["CreatedAt"] = config.CreatedAt,
        };
    }

    private StorageConfig ToConfig(TableEntity e)
    {
        var orgId = Guid.Parse(e.PartitionKey);
        var id = Guid.Parse(e.RowKey);
        var sealedSecret = e.GetBinary("SealedSecret");
        var settings = new StorageSettings(
            StorageTypes.Parse(e.GetString("Type") ?? "") ?? StorageType.Default,
            e.GetString("ContainerName"),
            e.GetString("Bucket"),
            e.GetString("Region"),
            e.GetString("Host") is { } host ? new Uri(host) : null,
            e.GetString("AccessKey"),
            sealedSecret is null ? null : Encoding.UTF8.GetString(_secrets.Open(sealedSecret, Binding(orgId, id))));
        return new StorageConfig(id, orgId, settings, e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch)
        {
            LastCheck = e.GetDateTimeOffset("LastCheck") is { } at ? new StorageCheck(at, e.GetBoolean("Healthy") ?? false, e.GetString("Reason")) : null,
        };
    }
}
