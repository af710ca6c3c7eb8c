using Locktera.Core.Access;
using Locktera.Core.Orgs;

namespace Locktera.Core.Keys;

public sealed class ApiKeyService(ApiKeyStore store, TimeProvider time)
{
    public const int MaxNameLength = 100;

    /// <summary>
    /// A new key of <paramref name="org"/> with the union of <paramref name="permissions"/>: at least
    /// one, and none beyond what <paramref name="caller"/> may grant there (<see cref="RolePolicy.EnsureCanGrant"/>).
    /// </summary>
    public Task<CreatedApiKey> CreateAsync(Caller caller, Org org, string name, IReadOnlyCollection<Permission> permissions, CancellationToken cancellationToken)
    {
        if (permissions.Count == 0)
        {
            throw LockteraException.Validation("permissions", "must name at least one permission");
        }
        var requested = permissions.Aggregate(Permission.None, (all, p) => all | p);
        RolePolicy.EnsureCanGrant(caller, org, requested);
        return AddAsync(org, name, requested, cancellationToken);
    }

    /// <summary>A new key, asking no one: for a root's first key, which only the operator's provisioning makes.</summary>
    internal async Task<CreatedApiKey> AddAsync(Org org, string name, Permission permissions, CancellationToken cancellationToken)
    {
        var token = ApiKeyToken.Create(org.Id, OrderedGuid.Next());
        var key = new ApiKey
        {
            KeyId = token.KeyId,
            OrgId = org.Id,
            Name = name,
            Permissions = permissions,
            RoleAtCreation = org.Role,
            CreatedAt = time.GetUtcNow(),
            SecretHash = token.SecretHash(),
        };
        await store.AddAsync(key, cancellationToken);
        return new CreatedApiKey(key, token.ToString());
    }

    public async Task<IReadOnlyList<ApiKey>> ListActiveAsync(Org org, CancellationToken cancellationToken)
    {
        var keys = new List<ApiKey>();
        await foreach (var key in store.ListAsync(org.Id, cancellationToken))
        {
            if (key.RevokedAt is null)
            {
                keys.Add(key);
            }
        }
        return keys;
    }

    public async Task RevokeAsync(Org org, Guid keyId, CancellationToken cancellationToken)
    {
        var key = await store.FindAsync(org.Id, keyId, cancellationToken);
        if (key is null || key.RevokedAt is not null)
        {
            throw LockteraException.ApiKeyNotFound();
        }
        await store.RevokeAsync(key, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>Revokes every key of a node; used when the node is deleted.</summary>
    public async Task RevokeAllAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await foreach (var key in store.ListAsync(orgId, cancellationToken))
        {
            if (key.RevokedAt is null)
            {
                await store.RevokeAsync(key, now, cancellationToken);
            }
        }
    }
}
