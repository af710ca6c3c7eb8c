using Locktera.Core.Content;

namespace Locktera.Functions.Http;

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
