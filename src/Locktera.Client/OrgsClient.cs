namespace Locktera.Client;

/// <summary>The organization tree: the calling key's node, any node it reaches, and children.</summary>
public sealed class OrgsClient : SubClient
{
    internal OrgsClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>The calling key's node, with the key's id and permissions.</summary>
    public Task<Me> GetMeAsync(CancellationToken cancellationToken = default) => Pipeline.SendAsync<Me>(Operations.GetMe, [], null, cancellationToken);

    /// <summary>The root organization of the calling key's tree.</summary>
    public Task<Org> GetRootAsync(CancellationToken cancellationToken = default) => Pipeline.SendAsync<Org>(Operations.GetRootOrg, [], null, cancellationToken);

    /// <summary>A node (the client's own when <paramref name="orgId"/> is null).</summary>
    public Task<Org> GetAsync(Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Org>(Operations.GetOrg, [Node(orgId)], null, cancellationToken);

    /// <summary>The nodes directly beneath a node, page after page.</summary>
    public IAsyncEnumerable<Org> ListChildrenAsync(Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<Org>(Operations.ListChildOrgs, [Node(orgId)], null, cancellationToken);

    public Task<Org> CreateChildAsync(NewChildOrg child, Guid? parentId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Org>(Operations.CreateChildOrg, [Node(parentId)], child, cancellationToken);

    /// <summary>Changes a node (the client's own when <paramref name="orgId"/> is null): the fields the patch gives.</summary>
    public Task<Org> UpdateAsync(OrgPatch patch, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Org>(Operations.UpdateOrg, [Node(orgId)], patch, cancellationToken);

    /// <summary>
    /// Creates nodes beneath the calling key's from CSV (<c>id,name,email,org_id,role</c>; a row's
    /// <c>org_id</c> may name an earlier row's <c>id</c>), all or none.
    /// </summary>
    public Task<OrgImport> ImportAsync(string csv, CancellationToken cancellationToken = default) =>
        Csv.SendAsync<OrgImport>(Pipeline, Operations.ImportOrgs, [], csv, cancellationToken);

    /// <summary>A new root organization and its first key. Only the operator's key may (the client's org id is not used).</summary>
    public Task<ProvisionedOrg> CreateRootAsync(NewRootOrg org, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<ProvisionedOrg>(Operations.CreateOrg, [], org, cancellationToken);

    /// <summary>Deletes a node and its subtree, and revokes every key in it.</summary>
    public Task DeleteAsync(Guid orgId, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync(Operations.DeleteOrg, [orgId.ToString()], null, cancellationToken);
}

/// <summary>The API keys of a node.</summary>
public sealed class ApiKeysClient : SubClient
{
    internal ApiKeysClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    public IAsyncEnumerable<ApiKey> ListAsync(Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<ApiKey>(Operations.ListApiKeys, [Node(orgId)], null, cancellationToken);

    /// <summary>A new key; its <see cref="CreatedApiKey.Secret"/> is shown this once.</summary>
    public Task<CreatedApiKey> CreateAsync(NewApiKey key, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<CreatedApiKey>(Operations.CreateApiKey, [Node(orgId)], key, cancellationToken);

    public Task RevokeAsync(Guid keyId, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync(Operations.RevokeApiKey, [Node(orgId), keyId.ToString()], null, cancellationToken);
}
