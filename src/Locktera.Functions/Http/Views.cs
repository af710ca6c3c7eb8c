using Locktera.Core.Content;
using Locktera.Core.Events;
using Locktera.Core.Health;
using Locktera.Core.Keys;
using System.Text.Json.Serialization;
using Locktera.Core.Orgs;

namespace Locktera.Functions.Http;

// Response bodies. They are classes with primary constructors (not positional records) so that
// the domain object they are built from never becomes a serialized property itself.

/// <summary>The Org schema of the API.</summary>
public class OrgView(Org org)
{
    public Guid Id { get; } = org.Id;
    public Guid RootOrgId { get; } = org.RootOrgId;
    public Guid? ParentOrgId { get; } = org.ParentOrgId;
    public string? OrgName { get; } = org.OrgName;
    public string Role { get; } = org.Role.ToName();
    public string? FirstName { get; } = org.FirstName;
    public string? LastName { get; } = org.LastName;
    public string? Email { get; } = org.Email;
    public string? MobilePhone { get; } = org.MobilePhone;
    public DateTimeOffset CreatedAt { get; } = org.CreatedAt;
    public DateTimeOffset? UpdatedAt { get; } = org.UpdatedAt;
}

/// <summary>GET /me: the calling key's node, plus the key's id and effective permissions.</summary>
public sealed class MeView(Caller.Key caller) : OrgView(caller.Org)
{
    [JsonPropertyOrder(1)] public Guid KeyId { get; } = caller.ApiKey.KeyId;
    [JsonPropertyOrder(1)] public IReadOnlyList<string> Permissions { get; } = caller.Permissions.ToNames();
}

/// <summary>The ApiKey schema; <c>id</c> repeats <c>key_id</c> for clients of the older documented shape.</summary>
public class ApiKeyView(ApiKey key)
{
    public Guid KeyId { get; } = key.KeyId;
    public Guid Id { get; } = key.KeyId;
    public string Name { get; } = key.Name;
    public Guid OrgId { get; } = key.OrgId;
    public IReadOnlyList<string> Permissions { get; } = key.Permissions.ToNames();
    public DateTimeOffset CreatedAt { get; } = key.CreatedAt;
    public DateTimeOffset? LastUsedAt { get; } = key.LastUsedAt;
}

/// <summary>A key as returned once, at creation: with the secret to send as the bearer token.</summary>
public sealed class CreatedApiKeyView(CreatedApiKey created) : ApiKeyView(created.Key)
{
    [JsonPropertyOrder(1)] public string Secret { get; } = created.Token;
}

public sealed class ProvisionedOrgView(Org org, CreatedApiKey key)
{
    public OrgView Org { get; } = new(org);
    public CreatedApiKeyView ApiKey { get; } = new(key);
}

/// <summary>
/// The status in the shape of upstream's status page (<c>status</c>, <c>services</c>, <c>timestamp</c>)
/// and, in the same body, its SPEC's short form: <c>api</c>, <c>auth</c>, <c>storage</c> as
/// <c>up</c> or <c>down</c> (down only in a major outage; storage counts tables and blobs).
/// </summary>
public sealed class ServiceStatusView(HealthReport report)
{
    public string Status { get; } = Name(report.Overall);
    public IReadOnlyDictionary<string, string> Services { get; } = report.Services.ToDictionary(s => s.Key, s => Name(s.Value));
    public DateTimeOffset Timestamp { get; } = report.Timestamp;
    public string Api { get; } = UpOrDown(report, "api");
    public string Auth { get; } = UpOrDown(report, "authentication");
    public string Storage { get; } = UpOrDown(report, "storage", "tables");

    private static string UpOrDown(HealthReport report, params string[] services) =>
        services.Any(s => report.Services.GetValueOrDefault(s) == ServiceState.MajorOutage) ? "down" : "up";

    private static string Name(ServiceState state) => state switch
    {
        ServiceState.Operational => "Operational",
        ServiceState.DegradedPerformance => "Degraded Performance",
        _ => "Major Outage",
    };
}

/// <summary>
/// The StorageConfig schema (flat). Secrets are never returned: the connection string and the secret
/// key show only their last four characters, enough to tell which one is configured.
/// </summary>
public sealed class StorageConfigView(Guid orgId, StorageConfig? config)
{
    public Guid? Id { get; } = config?.Id;
    public Guid OrgId { get; } = orgId;
    public string Type { get; } = (config?.Settings.Type ?? StorageType.Default).ToName();
    public string? ContainerName { get; } = config?.Settings.ContainerName;
    public string? ConnectionString { get; } = config?.Settings.Type == StorageType.Azure ? Mask(config.Settings.Secret) : null;
    public string? Bucket { get; } = config?.Settings.Bucket;
    public string? Region { get; } = config?.Settings.Region;
    public string? Host { get; } = config?.Settings.Host?.ToString();
    public string? AccessKey { get; } = config?.Settings.AccessKey;
    public string? SecretKey { get; } = config?.Settings.Type == StorageType.S3 ? Mask(config.Settings.Secret) : null;
    public DateTimeOffset? CreatedAt { get; } = config?.CreatedAt;

    /// <summary>When the health checks last probed this storage (null until they have, and for the platform's).</summary>
    public DateTimeOffset? LastCheck { get; } = config?.LastCheck?.At;
    public bool? Healthy { get; } = config?.LastCheck?.Healthy;
    public string? Reason { get; } = config?.LastCheck?.Reason;

    /// <summary>Short secrets show nothing: four characters of eight would be half the secret.</summary>
    private static string? Mask(string? secret) =>
        secret is null ? null : "••••" + (secret.Length >= 16 ? secret[^4..] : "");
}

/// <summary>upstream's Event schema, plus the event's own <c>id</c>.</summary>
public sealed class EventView(ContainerEvent entry)
{
    public Guid Id { get; } = entry.Id;
    public DateTimeOffset CreatedDate { get; } = entry.CreatedDate;
    public string Action { get; } = entry.Action;
    public Guid OrgId { get; } = entry.OrgId;
    public Guid? ContainerId { get; } = entry.ContainerId;
    public string User { get; } = entry.User;
    public IReadOnlyDictionary<string, string> Detail { get; } = entry.Detail;
    public string? CreatorIp { get; } = entry.CreatorIp;
}
