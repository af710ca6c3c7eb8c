using System.Text.RegularExpressions;
using Azure.Storage.Blobs;

namespace Locktera.Core.Content;

public enum StorageType
{
    /// <summary>The platform's own blob storage.</summary>
    Default,
    Azure,
    S3,
}

public static class StorageTypes
{
    private static readonly Dictionary<StorageType, string> Names = new()
    {
        [StorageType.Default] = "default",
        [StorageType.Azure] = "azure",
        [StorageType.S3] = "s3",
    };

    public static string ToName(this StorageType type) => Names[type];

    /// <summary>Case-insensitive: upstream's examples write both "S3" and "s3".</summary>
    public static StorageType? Parse(string name) =>
        Names.Where(n => n.Value.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(n => (StorageType?)n.Key).FirstOrDefault();

    public static IEnumerable<string> AllNames => Names.Values;
}

/// <summary>
/// Where an organization's content goes. <see cref="Secret"/> is the Azure connection string or the
/// S3 secret key, in plain text only in memory; it is sealed at rest and never returned.
/// </summary>
public sealed record StorageSettings(
    StorageType Type,
    string? ContainerName = null,
    string? Bucket = null,
    string? Region = null,
    Uri? Host = null,
    string? AccessKey = null,
    string? Secret = null)
{
    public static StorageSettings Default { get; } = new(StorageType.Default);

    /// <summary>The endpoint the service will connect to: the S3 host, or the blob endpoint of the connection string.</summary>
    public Uri? Endpoint => Type == StorageType.Azure ? new BlobServiceClient(Secret).Uri : Host;
}

/// <summary>
/// One version of an org's storage configuration. Versions are immutable: a change is a new version.
/// <see cref="LastCheck"/> is the health checks' latest finding about it, not part of the configuration.
/// </summary>
public sealed record StorageConfig(Guid Id, Guid OrgId, StorageSettings Settings, DateTimeOffset CreatedAt)
{
    public StorageCheck? LastCheck { get; init; }
}

/// <summary>When the health checks last probed a configuration's storage, whether it worked and, if not, why (safe to show).</summary>
public sealed record StorageCheck(DateTimeOffset At, bool Healthy, string? Reason);

/// <summary>Format rules of the settings, each returning what is wrong or null.</summary>
public static partial class StorageRules
{
    public const int MaxConnectionStringLength = 2048;
    public const int MaxKeyLength = 256;
    public const int MaxHostLength = 2048;

    /// <summary>Azure's rule: 3–63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
    public static string? ContainerNameError(string name) =>
        ContainerName().IsMatch(name) ? null : "must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit";

    /// <summary>S3's rule for bucket names (without the dotted-IP form).</summary>
    public static string? BucketError(string name) =>
        BucketName().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal)
            ? null
            : "must be 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit";

    public static string? RegionError(string region) =>
        Region().IsMatch(region) ? null : "must be a region name such as us-east-1 (lowercase letters, digits and hyphens)";

    /// <summary>An S3 service URL: scheme and host (and port), nothing else.</summary>
    public static string? HostError(string host) =>
        Uri.TryCreate(host, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
        && uri.UserInfo.Length == 0 && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
            ? null
            : "must be a service URL such as https://s3.example.com (scheme, host and optional port only)";

    /// <summary>The SDK's own parser decides; its message is not passed on because it may quote the account key.</summary>
    public static string? ConnectionStringError(string connectionString)
    {
        try
        {
            _ = new BlobServiceClient(connectionString);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            return "must be an Azure Storage connection string (DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=…)";
        }
    }

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ContainerName();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Region();
}
