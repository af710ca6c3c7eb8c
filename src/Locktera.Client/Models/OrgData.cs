namespace Locktera.Client;

/// <summary>A new root organization (the operator's <see cref="OrgsClient.CreateRootAsync"/>): its name, contact and first key's name.</summary>
public sealed record NewRootOrg(string OrgName, string? Email = null, string? FirstName = null, string? LastName = null, string? MobilePhone = null, string? ApiKeyName = null);

/// <summary>A new root organization and its first key, whose secret is shown this once.</summary>
public sealed record ProvisionedOrg(Org Org, CreatedApiKey ApiKey);

/// <summary>A change of a node: the fields given change, those left null keep their value.</summary>
public sealed record OrgPatch(string? OrgName = null, string? FirstName = null, string? LastName = null, string? Email = null, string? MobilePhone = null, string? Role = null);

/// <summary>What an import of nodes from CSV created, in file order.</summary>
public sealed record OrgImport(int Created, IReadOnlyList<ImportedOrg> Orgs);

/// <summary>A node an import created: its row (the header is row 1), the row's own <c>id</c> column, the node.</summary>
public sealed record ImportedOrg(int Row, string? CsvId, Org Org);

/// <summary>A change of the organization tree beneath a node.</summary>
public sealed record OrgChange(string Action, Guid OrgId, Guid? ParentOrgId, string ChangedBy, DateTimeOffset Timestamp, Org? OldData, Org? NewData, string? Ip);

/// <summary>A line of the access log: an authentication or authorization, its outcome and how often it happened.</summary>
public sealed record AccessEntry(Guid OrgId, DateTimeOffset Timestamp, DateTimeOffset LastSeen, string? User, Guid? KeyId, string Action, string Status, string? Reason, string? Ip, int Count);

/// <summary>A tag in use in the organization and how many containers carry it.</summary>
public sealed record OrgTag(string Name, int Count);

/// <summary>A change of a container's tags.</summary>
public sealed record TagChange(DateTimeOffset Timestamp, IReadOnlyList<string> OldTags, IReadOnlyList<string> NewTags, string User);

/// <summary>A contact of the address book; a detail it does not have is null.</summary>
public sealed record Address(Guid Id, Guid OrgId, string Email, string? FirstName, string? LastName, string? Company, string? MobilePhone, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A contact's details to store under its email.</summary>
public sealed record AddressInput(string? FirstName = null, string? LastName = null, string? Company = null, string? MobilePhone = null);

/// <summary>What an import of contacts from CSV added and changed.</summary>
public sealed record AddressImport(int Inserted, int Updated, int Total);

/// <summary>A change of the address book: <see cref="OldData"/> is null for an insert, <see cref="NewData"/> for a delete.</summary>
public sealed record AddressChange(string Action, Guid OrgId, Guid AddressId, string AdminId, DateTimeOffset Timestamp, Address? OldData, Address? NewData, string? Ip);

/// <summary>Where an organization's containers are stored (secrets masked to their last characters), and what the last health probe found.</summary>
public sealed record StorageConfig(
    Guid? Id, Guid OrgId, string Type, string? ContainerName, string? ConnectionString, string? Bucket, string? Region, string? Host, string? AccessKey, string? SecretKey,
    DateTimeOffset? CreatedAt, DateTimeOffset? LastCheck, bool? Healthy, string? Reason);

/// <summary>
/// A storage to use: <c>default</c> (the platform's), <c>azure</c> (<see cref="ContainerName"/> and
/// <see cref="ConnectionString"/>) or <c>s3</c> (<see cref="Bucket"/>, <see cref="AccessKey"/>,
/// <see cref="SecretKey"/>, and <see cref="Host"/> for an S3-compatible endpoint).
/// </summary>
public sealed record StorageConfigInput(
    string Type, string? ContainerName = null, string? ConnectionString = null, string? Bucket = null, string? Region = null, string? Host = null, string? AccessKey = null, string? SecretKey = null)
{
    /// <summary>Never the secrets.</summary>
    public override string ToString() => $"StorageConfigInput {Type}";
}

/// <summary>A post-quantum key pair of the organization (its public half).</summary>
public sealed record PqKey(Guid Id, Guid OrgId, string Alg, string Pub, DateTimeOffset CreatedAt, string Status);

/// <summary>An organization's branding; a field left null is inherited.</summary>
public sealed record Branding(string? Theme = null, string? LogoUrl = null, string? BrandingColor = null, string? DisplayName = null, string? SupportEmail = null, string? FooterText = null);

/// <summary>The effective branding of a node, its own, and for each inherited field the ancestor it comes from.</summary>
public sealed record Customizations(
    Guid OrgId, string? Theme, string? LogoUrl, string? BrandingColor, string? DisplayName, string? SupportEmail, string? FooterText,
    Branding Own, IReadOnlyDictionary<string, Guid> InheritedFrom);

/// <summary>An error a client reported: <c>low</c>, <c>medium</c>, <c>high</c> or <c>critical</c>.</summary>
public sealed record ErrorReport(
    Guid ErrorId, Guid OrgId, string Message, int? Code, IReadOnlyDictionary<string, string> Fields, string Severity, DateTimeOffset Timestamp, DateTimeOffset ReceivedAt, string ReportedBy, string? Ip);

/// <summary>An error to report; its time is the server's when left null.</summary>
public sealed record NewErrorReport(string Message, int? Code = null, IReadOnlyDictionary<string, string>? Fields = null, string? Severity = null, DateTimeOffset? Timestamp = null);

/// <summary>Which error reports a listing returns.</summary>
public sealed record ErrorFilter(string? Severity = null, DateTimeOffset? Start = null, DateTimeOffset? End = null);

/// <summary>A consent: the node's own (<c>org</c>) or a viewer's, <c>granted</c> or <c>revoked</c>.</summary>
public sealed record Consent(
    Guid Id, Guid OrgId, string ConsentId, string Scope, string? Email, string? Description, string Status, bool IsChecked,
    DateTimeOffset ConsentTimestamp, DateTimeOffset UpdatedAt, string ChangedBy, string? Ip);

/// <summary>A consent to record: <c>granted</c> or <c>revoked</c>, decided at <see cref="ConsentTimestamp"/> (now when null).</summary>
public sealed record ConsentInput(string Status, string? Description = null, DateTimeOffset? ConsentTimestamp = null, string? Email = null);

/// <summary>Which consents a listing returns: one subject's, one consent's, a time window (history only).</summary>
public sealed record ConsentFilter(string? Email = null, string? ConsentId = null, DateTimeOffset? Start = null, DateTimeOffset? End = null);

/// <summary>One month's consumption of a node (and, with <see cref="IncludeChildren"/>, of every node beneath it).</summary>
public sealed record Consumption(
    Guid OrgId, string Month, long ApiCalls, double StorageUsed, long StorageBytes, long Containers, long Encodes, long Decodes, long BytesIn, long BytesOut, long Events,
    bool IncludeChildren, DateTimeOffset? AsOf);

/// <summary>This month's usage of a node and its counts.</summary>
public sealed record OrgStats(Guid OrgId, string Month, double Usage, Consumption Consumption, long EventsCount, long Containers, long Children, long ApiKeys);
