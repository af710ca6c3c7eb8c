using Locktera.Core.Security;
using Locktera.Core.Tera;

namespace Locktera.Core.Containers;

/// <summary>An org's hybrid key pair; the private half exists only sealed under the master key.</summary>
public sealed record OrgKeyPair(Guid Id, Guid OrgId, string Algorithm, byte[] PublicKey, DateTimeOffset CreatedAt, bool Active);

/// <summary>
/// The post-quantum key pairs containers are wrapped for (table PK = org id, RK = key id). The
/// newest pair (ids are UUIDv7) is the active one and wraps new containers; older pairs are retired
/// and stay to open the containers wrapped for them. Being derived from the ids, "active" needs no
/// write that two instances could race on: two rotations at once (or two first encodes of an org)
/// each add a pair, and the newer is active.
/// </summary>
public sealed class OrgKeyPairs(StorageAccount storage, MasterKey masterKey, TimeProvider time)
{
    private readonly SecretBox _box = new(masterKey, "pq-keys");

    /// <summary>The pair new containers are wrapped for; made on first use.</summary>
    public async Task<OrgKeyPair> ActiveAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var pairs = await ListAsync(orgId, cancellationToken);
        return pairs.Count > 0 ? pairs[^1] : await RotateAsync(orgId, cancellationToken);
    }

    /// <summary>Every pair of the org, oldest first (ids are UUIDv7).</summary>
    public async Task<IReadOnlyList<OrgKeyPair>> ListAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = orgId.ToString();
        var pairs = new List<OrgKeyPair>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["PartitionKey", "RowKey", "Algorithm", "PublicKey", "CreatedAt"], cancellationToken: cancellationToken))
        {
            pairs.Add(ToPair(row));
        }
        pairs.Sort((a, b) => a.Id.CompareTo(b.Id));
        return [.. pairs.Select((p, i) => p with { Active = i == pairs.Count - 1 })];
    }

    /// <summary>A new pair, active from now on; the others stay, retired, so that their containers still decode.</summary>
    public async Task<OrgKeyPair> RotateAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var (publicKey, privateKey) = HybridKem.Generate();
        var pair = new OrgKeyPair(OrderedGuid.Next(), orgId, HybridKem.Algorithm, publicKey, time.GetUtcNow(), Active: true);
        await table.AddEntityAsync(new TableEntity(orgId.ToString(), pair.Id.ToString())
        {
            ["Algorithm"] = pair.Algorithm,
            ["PublicKey"] = publicKey,
            ["SealedPrivateKey"] = _box.Seal(privateKey, Binding(orgId, pair.Id)),
            ["CreatedAt"] = pair.CreatedAt,
        }, cancellationToken);
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
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch, Active: false);
}
