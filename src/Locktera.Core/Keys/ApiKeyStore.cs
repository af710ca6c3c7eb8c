using Azure;
using Locktera.Core.Access;
using Locktera.Core.Orgs;

namespace Locktera.Core.Keys;

/// <summary>API keys in table storage: PK = org id, RK = key id, so an org's keys are one partition.</summary>
public sealed class ApiKeyStore(StorageAccount storage, RecentRows recent)
{
    /// <summary>The key as read at most <see cref="RecentRows.Staleness"/> ago (what authentication needs); a revocation made here is seen at once.</summary>
    public Task<ApiKey?> FindRecentAsync(Guid orgId, Guid keyId, CancellationToken cancellationToken) =>
        recent.GetAsync(RecentKey(orgId, keyId), () => FindAsync(orgId, keyId, cancellationToken));

    public async Task<ApiKey?> FindAsync(Guid orgId, Guid keyId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), keyId.ToString(), cancellationToken: cancellationToken);
        return row.HasValue ? ToKey(row.Value!) : null;
    }

    public async Task AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.AddEntityAsync(ToEntity(key), cancellationToken);
    }

    /// <summary>Keys of one org in creation order (ids are UUIDv7), revoked ones included.</summary>
    public async IAsyncEnumerable<ApiKey> ListAsync(Guid orgId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = orgId.ToString();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            yield return ToKey(row);
        }
    }

    /// <summary>Marks a key revoked; the row stays so that later uses of it can be told apart from unknown keys.</summary>
    public async Task RevokeAsync(ApiKey key, DateTimeOffset when, CancellationToken cancellationToken)
    {
        try
        {
            await MergeAsync(key, "RevokedAt", when, cancellationToken);
        }
        finally
        {
            // Even a revocation whose answer was lost may have landed: this instance reads the key again.
            recent.Forget(RecentKey(key.OrgId, key.KeyId));
        }
    }

    /// <summary>Records when the key was last used; what this instance keeps of the key shows it, so the next request neither reads nor touches the key again.</summary>
    public async Task TouchAsync(ApiKey key, DateTimeOffset when, CancellationToken cancellationToken)
    {
        await MergeAsync(key, "LastUsedAt", when, cancellationToken);
        recent.Change<ApiKey>(RecentKey(key.OrgId, key.KeyId), kept => kept with { LastUsedAt = when });
    }

    /// <summary>Sets one property by merge, so it can never overwrite a concurrent change of another (say, a revocation).</summary>
    private async Task MergeAsync(ApiKey key, string property, DateTimeOffset value, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.UpdateEntityAsync(new TableEntity(key.OrgId.ToString(), key.KeyId.ToString()) { [property] = value }, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    private static string RecentKey(Guid orgId, Guid keyId) => $"key:{orgId}:{keyId}";

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.ApiKeys, cancellationToken);

    private static TableEntity ToEntity(ApiKey key) => new(key.OrgId.ToString(), key.KeyId.ToString())
    {
        ["Name"] = key.Name,
        ["Permissions"] = key.Permissions.Serialize(),
        ["RoleAtCreation"] = key.RoleAtCreation?.ToName(),
        ["SecretHash"] = key.SecretHash,
        ["CreatedAt"] = key.CreatedAt,
        ["LastUsedAt"] = key.LastUsedAt,
        ["RevokedAt"] = key.RevokedAt,
    };

    private static ApiKey ToKey(TableEntity e) => new()
    {
        OrgId = Guid.Parse(e.PartitionKey),
        KeyId = Guid.Parse(e.RowKey),
        Name = e.GetString("Name") ?? "",
        Permissions = Permissions.Deserialize(e.GetString("Permissions") ?? ""),
        RoleAtCreation = e.GetString("RoleAtCreation") is { } role ? OrgRoles.Parse(role) : null,
        SecretHash = e.GetBinary("SecretHash") ?? [],
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
        LastUsedAt = e.GetDateTimeOffset("LastUsedAt"),
        RevokedAt = e.GetDateTimeOffset("RevokedAt"),
    };
}
