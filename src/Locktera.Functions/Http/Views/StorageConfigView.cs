using System.Text.Json.Serialization;
using Locktera.Core.Content;
using static System.Text.Json.Serialization.JsonIgnoreCondition;

namespace Locktera.Functions.Http;

/// <summary>
/// The StorageConfig schema (flat). Secrets are never returned: the connection string and the secret
/// key show only their last four characters, enough to tell which one is configured.
/// </summary>
/// <remarks>
/// The fields upstream types as strings are left out when they have no value: <c>id</c> while the node
/// uses the platform storage it never changed, and the provider fields of the other types. Our own
/// fields (<c>container_name</c>, <c>created_at</c> and the health check's) are null when empty, as documented.
/// </remarks>
public sealed class StorageConfigView(Guid orgId, StorageConfig? config)
{
    [JsonIgnore(Condition = WhenWritingNull)] public Guid? Id { get; } = config?.Id;
    public Guid OrgId { get; } = orgId;
    public string Type { get; } = (config?.Settings.Type ?? StorageType.Default).ToName();
    public string? ContainerName { get; } = config?.Settings.ContainerName;
    [JsonIgnore(Condition = WhenWritingNull)] public string? ConnectionString { get; } = config?.Settings.Type == StorageType.Azure ? Mask(config.Settings.Secret) : null;
    [JsonIgnore(Condition = WhenWritingNull)] public string? Bucket { get; } = config?.Settings.Bucket;
    [JsonIgnore(Condition = WhenWritingNull)] public string? Region { get; } = config?.Settings.Region;
    [JsonIgnore(Condition = WhenWritingNull)] public string? Host { get; } = config?.Settings.Host?.ToString();
    [JsonIgnore(Condition = WhenWritingNull)] public string? AccessKey { get; } = config?.Settings.AccessKey;
    [JsonIgnore(Condition = WhenWritingNull)] public string? SecretKey { get; } = config?.Settings.Type == StorageType.S3 ? Mask(config.Settings.Secret) : null;
    public DateTimeOffset? CreatedAt { get; } = config?.CreatedAt;

    /// <summary>When the health checks last probed this storage (null until they have, and for the platform's).</summary>
    public DateTimeOffset? LastCheck { get; } = config?.LastCheck?.At;
    public bool? Healthy { get; } = config?.LastCheck?.Healthy;
    public string? Reason { get; } = config?.LastCheck?.Reason;

    /// <summary>Short secrets show nothing: four characters of eight would be half the secret.</summary>
    private static string? Mask(string? secret) =>
        secret is null ? null : "••••" + (secret.Length >= 16 ? secret[^4..] : "");
}
