using Azure.Data.Tables;
using Locktera.Core.Security;
using Locktera.Core.Storage;
using Locktera.Core.Tera;

namespace Locktera.Core.Containers;

/// <summary>An org's hybrid key pair; the private half exists only sealed under the master key.</summary>
public sealed record OrgKeyPair(Guid Id, Guid OrgId, string Algorithm, byte[] PublicKey, DateTimeOffset CreatedAt, bool Active);

/// <summary>
/// The post-quantum key pairs containers are wrapped for (table PK = org id, RK = key id). The
/// newest active pair wraps new containers; older pairs stay to open the containers wrapped for them.
/// </summary>
public sealed class OrgKeyPairs(StorageAccount storage, MasterKey masterKey, TimeProvider time)
{
    private readonly SecretBox _box = new(masterKey, "pq-keys");

    /// <summary>The pair new containers are wrapped for; made on first use.</summary>
    public async Task<OrgKeyPair> ActiveAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var pairs = await ListAsync(orgId, cancellationToken);
        return pairs.LastOrDefault(p => p.Active) ?? await RotateAsync(orgId, cancellationToken);
    }

    /// <summary>Every pair of the org, oldest first (ids are UUIDv7).</summary>
    public async Task<IReadOnlyList<OrgKeyPair>> ListAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = orgId.ToString();
        var pairs = new List<OrgKeyPair>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["PartitionKey", "RowKey", "Algorithm", "PublicKey", "CreatedAt", "Active"], cancellationToken: cancellationToken))
        {
            pairs.Add(ToPair(row));
        }
        return pairs;
    }

    /// <summary>A new active pair; the others stay, retired, so that their containers still decode.</summary>
    public async Task<OrgKeyPair> RotateAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var (publicKey, privateKey) = HybridKem.Generate();
        var pair = new OrgKeyPair(Guid.CreateVersion7(), orgId, HybridKem.Algorithm, publicKey, time.GetUtcNow(), Active: true);
        await table.AddEntityAsync(new TableEntity(orgId.ToString(), pair.Id.ToString())
        {
            ["Algorithm"] = pair.Algorithm,
            ["PublicKey"] = publicKey,
            ["SealedPrivateKey"] = _box.Seal(privateKey, Binding(orgId, pair.Id)),
            ["CreatedAt"] = pair.CreatedAt,
            ["Active"] = true,
        }, cancellationToken);
        foreach (var older in (await ListAsync(orgId, cancellationToken)).Where(p => p.Active && p.Id != pair.Id))
        {
            await table.UpdateEntityAsync(new TableEntity(orgId.ToString(), older.Id.ToString()) { ["Active"] = false }, Azure.ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        return pair;
    }

    /// <summary>The private key of one pair, unsealed; null when the org has no such pair.</summary>
    public async Task<byte[]?> PrivateKeyAsync(Guid orgId, Guid keyId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), keyId.ToString(), ["SealedPrivateKey"], cancellationToken);
        return row.HasValue ? _box.Open(row.Value!.GetBinary("SealedPrivateKey"), Binding(orgId, keyId)) : null;
    }

    private static string Binding(Guid orgId, Guid keyId) => $"{orgId}/{keyId}";

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.OrgKeyPairs, cancellationToken);

    private static OrgKeyPair ToPair(TableEntity e) => new(
        Guid.Parse(e.RowKey), Guid.Parse(e.PartitionKey), e.GetString("Algorithm") ?? HybridKem.Algorithm, e.GetBinary("PublicKey") ?? [],
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch, e.GetBoolean("Active") ?? false);
}
