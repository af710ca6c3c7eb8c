namespace Locktera.Client;

/// <summary>The tags in use in the organization, and how a container's tags changed (<see cref="ContainersClient.SetTagsAsync"/> sets them).</summary>
public sealed class TagsClient : SubClient
{
    internal TagsClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>Every tag in use, with how many containers carry it.</summary>
    public async Task<IReadOnlyList<OrgTag>> ListAsync(CancellationToken cancellationToken = default) =>
        await Pipeline.SendAsync<List<OrgTag>>(Operations.ListOrgTags, [OrgId], null, cancellationToken);

    /// <summary>Every change of a container's tags, newest first.</summary>
    public async Task<IReadOnlyList<TagChange>> GetAuditAsync(Guid containerId, CancellationToken cancellationToken = default) =>
        await Pipeline.SendAsync<List<TagChange>>(Operations.GetContainerTagsAudit, [OrgId, containerId.ToString()], null, cancellationToken);
}

/// <summary>The organization's address book: contacts by email, a CSV import, and the audit of its changes.</summary>
public sealed class AddressesClient : SubClient
{
    internal AddressesClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>Every contact, or those whose email, names or company contain <paramref name="search"/> (case-insensitive).</summary>
    public IAsyncEnumerable<Address> ListAsync(string? search = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<Address>(Operations.ListAddresses, [OrgId], LockteraPipeline.Query(("q", search)), cancellationToken);

    /// <summary>Stores the contact <paramref name="email"/> (new, or its details replaced).</summary>
    public Task<Address> PutAsync(string email, AddressInput details, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Address>(Operations.PutAddress, [OrgId, email], details, cancellationToken);

    public Task DeleteAsync(string email, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync(Operations.DeleteAddress, [OrgId, email], null, cancellationToken);

    /// <summary>Adds and updates contacts from CSV (<c>Email,First Name,Last Name,Mobile Phone,Company</c>).</summary>
    public Task<AddressImport> ImportAsync(string csv, CancellationToken cancellationToken = default) =>
        Csv.SendAsync<AddressImport>(Pipeline, Operations.ImportAddresses, [OrgId], csv, cancellationToken);

    /// <summary>Every change of the address book in the window.</summary>
    public IAsyncEnumerable<AddressChange> ListAuditAsync(DateTimeOffset? start = null, DateTimeOffset? end = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageByNumberAsync<AddressChange>(Operations.ListAddressesAudit, [OrgId], Queries.Window(start, end), cancellationToken);
}

/// <summary>Where the organization's containers are stored, and its post-quantum key pairs. Needs an admin key of a node the caller manages.</summary>
public sealed class StorageClient : SubClient
{
    internal StorageClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>The current storage, secrets masked, and its last health probe.</summary>
    public Task<StorageConfig> GetAsync(Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<StorageConfig>(Operations.GetStorageConfig, [Node(orgId)], null, cancellationToken);

    /// <summary>Moves the organization's new containers to <paramref name="config"/>; the API checks it can reach it first.</summary>
    public Task<StorageConfig> SetAsync(StorageConfigInput config, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<StorageConfig>(Operations.PutStorageConfig, [Node(orgId)], config, cancellationToken);

    /// <summary>The organization's key pairs, the active one and those retired.</summary>
    public async Task<IReadOnlyList<PqKey>> ListPqKeysAsync(CancellationToken cancellationToken = default) =>
        await Pipeline.SendAsync<List<PqKey>>(Operations.ListPqKeys, [OrgId], null, cancellationToken);

    /// <summary>A new active key pair; the previous one is retired (containers sealed with it still open).</summary>
    public Task<PqKey> RotatePqKeyAsync(CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<PqKey>(Operations.RotatePqKey, [OrgId], null, cancellationToken);
}

/// <summary>The organization's branding, inherited down the tree field by field.</summary>
public sealed class CustomizationsClient : SubClient
{
    internal CustomizationsClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>The effective branding, the node's own, and where each inherited field comes from.</summary>
    public Task<Customizations> GetAsync(CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Customizations>(Operations.GetCustomizations, [OrgId], null, cancellationToken);

    /// <summary>Replaces the node's own branding; a field left null is inherited.</summary>
    public Task<Customizations> SetAsync(Branding branding, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Customizations>(Operations.SetCustomizations, [OrgId], branding, cancellationToken);
}

/// <summary>Errors the organization's applications report, for its operators to read.</summary>
public sealed class ErrorLogClient : SubClient
{
    internal ErrorLogClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>Every report that <paramref name="filter"/> lets through, newest first.</summary>
    public IAsyncEnumerable<ErrorReport> ListAsync(ErrorFilter? filter = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageByNumberAsync<ErrorReport>(Operations.ListErrors, [OrgId], LockteraPipeline.Query(
            ("severity", filter?.Severity), ("start", filter?.Start?.ToString("O")), ("end", filter?.End?.ToString("O"))), cancellationToken);

    /// <summary>Records an error an application met; who and from where are the caller's.</summary>
    public Task<ErrorReport> ReportAsync(NewErrorReport report, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<ErrorReport>(Operations.ReportError, [OrgId], report, cancellationToken);
}

/// <summary>What the organization consumes: a month's figures, a series of months, this month's counts.</summary>
public sealed class UsageClient : SubClient
{
    internal UsageClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>One month's figures (<c>yyyy-MM</c>; this month when null), with <paramref name="includeChildren"/> summed over every node beneath.</summary>
    public Task<Consumption> GetConsumptionAsync(string? month = null, bool includeChildren = false, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Consumption>(Operations.GetConsumption, [OrgId], null, cancellationToken,
            LockteraPipeline.Query(("month", month), ("include_children", includeChildren ? "true" : null)));

    /// <summary>The figures of each month from <paramref name="from"/> to <paramref name="to"/> (<c>yyyy-MM</c>, at most 36 months).</summary>
    public async Task<IReadOnlyList<Consumption>> GetConsumptionSeriesAsync(string from, string to, bool includeChildren = false, CancellationToken cancellationToken = default) =>
        await Pipeline.SendAsync<List<Consumption>>(Operations.GetConsumption, [OrgId], null, cancellationToken,
            LockteraPipeline.Query(("from", from), ("to", to), ("include_children", includeChildren ? "true" : null)));

    /// <summary>This month's usage and the node's counts of containers, children and keys.</summary>
    public Task<OrgStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<OrgStats>(Operations.GetStats, [OrgId], null, cancellationToken);
}

/// <summary>The organization's audit trails: changes of the tree beneath it, and the access log of its keys.</summary>
public sealed class AuditClient : SubClient
{
    internal AuditClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>Every change of the nodes beneath the organization in the window.</summary>
    public IAsyncEnumerable<OrgChange> ListChildrenChangesAsync(DateTimeOffset? start = null, DateTimeOffset? end = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageByNumberAsync<OrgChange>(Operations.ListChildrenAudit, [OrgId], Queries.Window(start, end), cancellationToken);

    /// <summary>Every authentication and authorization of the organization's keys in the window, newest first.</summary>
    public IAsyncEnumerable<AccessEntry> ListAccessLogAsync(DateTimeOffset? start = null, DateTimeOffset? end = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageByNumberAsync<AccessEntry>(Operations.ListAccessLog, [OrgId], Queries.Window(start, end), cancellationToken);
}

/// <summary>The query of a listing by time window.</summary>
internal static class Queries
{
    public static string? Window(DateTimeOffset? start, DateTimeOffset? end) =>
        LockteraPipeline.Query(("start", start?.ToString("O")), ("end", end?.ToString("O")));
}

/// <summary>Requests whose body is CSV text.</summary>
internal static class Csv
{
    public static async Task<T> SendAsync<T>(LockteraPipeline pipeline, Operation operation, string[] path, string csv, CancellationToken cancellationToken)
    {
        using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
        using var response = await pipeline.SendAsync(operation, path, content, cancellationToken);
        return await LockteraPipeline.ReadAsync<T>(response, cancellationToken);
    }
}
