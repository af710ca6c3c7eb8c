namespace Locktera.Core;

/// <summary>The "Locktera" configuration section (environment: <c>Locktera__Name</c>).</summary>
public sealed class LockteraOptions
{
    public const string Section = "Locktera";

    /// <summary>The platform operator's key; the only credential that may provision root organizations.</summary>
    public string OperatorKey { get; set; } = "";

    /// <summary>
    /// The service master key: 32 random bytes, base64. Keys for each purpose (org private keys,
    /// stored credentials) are derived from it; losing it makes those unreadable.
    /// </summary>
    public string MasterKey { get; set; } = "";

    /// <summary>Prefix of every table (and later blob container) name, so parallel runs never share state.</summary>
    public string StoragePrefix { get; set; } = "lt";

    public int StandardRequestsPerMinute { get; set; } = 100;

    public int AdminRequestsPerMinute { get; set; } = 500;

    /// <summary>The largest JSON request body accepted.</summary>
    public int MaxJsonBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The most files one encode may hold.</summary>
    public int MaxFilesPerContainer { get; set; } = 1000;

    /// <summary>
    /// The most plaintext bytes one container may hold, encoded in one request or sent in an upload
    /// session. The default, 625 GiB, is what an upload session can store on S3: 10,000 parts of at
    /// most <see cref="MaxUploadPartBytes"/> (Azure block blobs hold more: 50,000 blocks).
    /// </summary>
    public long MaxContainerBytes { get; set; } = MaxUploadParts * (long)MaxUploadPartBytes;

    /// <summary>
    /// The most plaintext bytes one single-request encode may hold, when less than
    /// <see cref="MaxContainerBytes"/>: on Azure Functions the host's request limit (the Bicep sets
    /// both), so that a larger encode gets this API's 413, which points to upload sessions, rather than
    /// the host's. Unset: <see cref="MaxContainerBytes"/>.
    /// </summary>
    public long? MaxEncodeRequestBytes { get; set; }

    /// <summary>The most plaintext bytes a single-request encode takes.</summary>
    public long EncodeLimit => Math.Min(MaxContainerBytes, MaxEncodeRequestBytes ?? long.MaxValue);

    /// <summary>The most parts an upload session has: S3's limit on one multipart upload.</summary>
    public const int MaxUploadParts = 10_000;

    /// <summary>The largest part an upload session asks for: well inside the 100 MB a Functions host accepts per request.</summary>
    public const int MaxUploadPartBytes = 64 * 1024 * 1024;

    /// <summary>
    /// The part size of an upload session (default 16 MiB; 5 MiB, S3's smallest part, to 64 MiB, in
    /// whole 64 KiB segments). A container larger than 10,000 such parts gets larger parts.
    /// </summary>
    public int UploadPartBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How many upload sessions an org may have open (not yet committed or aborted) at once.</summary>
    public int MaxOpenUploadSessions { get; set; } = 20;

    /// <summary>How long an upload session stays open for parts and its commit; then its parts are removed.</summary>
    public int UploadSessionHours { get; set; } = 24;

    /// <summary>
    /// Development only: lets organizations configure storage endpoints over http and on loopback or
    /// private addresses (Azurite, a local S3 server); link-local and metadata addresses stay refused.
    /// Never set it in production: it would let a tenant make the service connect to internal hosts.
    /// </summary>
    public bool AllowPrivateStorageEndpoints { get; set; }

    /// <summary>How many webhook subscriptions one org node may have.</summary>
    public int MaxWebhooksPerOrg { get; set; } = 20;

    /// <summary>
    /// When a webhook delivery that failed is tried again, after each failed attempt in turn
    /// (comma-separated durations with a unit: s, m or h). The default, after the first attempt:
    /// 5 seconds, 5 minutes, 30 minutes, 2, 5 and 10 hours — seven attempts over about 17.6 hours,
    /// each delay varied by up to a tenth so that receivers coming back are not met by all at once.
    /// No attempt is made more than 24 hours after a delivery (or its redelivery) began.
    /// </summary>
    public string WebhookRetrySchedule { get; set; } = "5s,5m,30m,2h,5h,10h";

    /// <summary>How long a webhook receiver has to answer an attempt with a 2xx (connecting and reading the answer included).</summary>
    public int WebhookTimeoutSeconds { get; set; } = 15;

    /// <summary>After this many deliveries in a row failed (every retry spent), the service disables the subscription.</summary>
    public int WebhookFailuresBeforeDisable { get; set; } = 5;

    /// <summary>The delays of <see cref="WebhookRetrySchedule"/>; null when it does not parse.</summary>
    public IReadOnlyList<TimeSpan>? WebhookRetryDelays => Webhooks.RetrySchedule.Parse(WebhookRetrySchedule);

    /// <summary>How long a viewer's session lasts: requests within it (file reads, Range requests) count as one open.</summary>
    public int ViewerSessionMinutes { get; set; } = 30;

    /// <summary>
    /// Proxies whose X-Forwarded-For is believed (comma-separated addresses, CIDR prefixes or
    /// ranges); from anyone else the header is ignored, so a client cannot choose its own address.
    /// </summary>
    public string TrustedProxies { get; set; } = "";

    /// <summary>
    /// GeoLite2-City databases in MaxMind DB format (comma-separated paths; an IPv4 and an IPv6 file,
    /// or one for both). Without them locations are unknown and geo rules fail closed.
    /// </summary>
    public string GeoIpDatabases { get; set; } = "";

    /// <summary>The most rows one CSV import (contacts, organization nodes) may hold.</summary>
    public int MaxImportRows { get; set; } = 5000;

    /// <summary>
    /// How often counted figures (API calls, successful sign-ins) are written from memory to storage;
    /// what an instance that crashes (rather than stops) loses is at most this much of its counting.
    /// </summary>
    public int CounterFlushSeconds { get; set; } = 15;

    public const int MinOperatorKeyLength = 32;

    /// <summary>Every problem with the settings, each naming its environment variable.</summary>
    public IEnumerable<string> Problems()
    {
        // App Service passes a Key Vault reference it cannot resolve through as the literal text,
        // which would otherwise pass for a 40-odd character operator key anyone could guess.
        foreach (var (setting, value) in new[] { ("Locktera__OperatorKey", OperatorKey), ("Locktera__MasterKey", MasterKey) })
        {
            if (value.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
            {
                yield return $"{setting} is a Key Vault reference that was not resolved: check that the secret exists and that the app's identity may read it.";
            }
        }
        if (OperatorKey.Length < MinOperatorKeyLength)
        {
            yield return $"Locktera__OperatorKey must be set to a random secret of at least {MinOperatorKeyLength} characters.";
        }
        if (!IsBase64Key(MasterKey))
        {
            yield return "Locktera__MasterKey must be 32 random bytes in base64 (e.g. `head -c 32 /dev/urandom | base64`).";
        }
        if (StoragePrefix.Length is < 1 or > 20 || !char.IsAsciiLetter(StoragePrefix[0]) || !StoragePrefix.All(char.IsAsciiLetterOrDigit))
        {
            yield return "Locktera__StoragePrefix must be 1 to 20 letters or digits, starting with a letter.";
        }
        if (StandardRequestsPerMinute < 1 || AdminRequestsPerMinute < 1)
        {
            yield return "Locktera__StandardRequestsPerMinute and Locktera__AdminRequestsPerMinute must be positive.";
        }
        if (CounterFlushSeconds is < 1 or > 300)
        {
            yield return "Locktera__CounterFlushSeconds must be between 1 and 300.";
        }
        if (UploadPartBytes is < 5 * 1024 * 1024 or > MaxUploadPartBytes || UploadPartBytes % Tera.TeraHeader.DefaultSegmentSize != 0)
        {
            yield return "Locktera__UploadPartBytes must be from 5 MiB (5242880) to 64 MiB (67108864), in whole 64 KiB (65536).";
        }
        if (WebhookRetryDelays is null)
        {
            yield return "Locktera__WebhookRetrySchedule must be comma-separated durations such as 5s,5m,2h (each from 1 second to 24 hours).";
        }
        if (WebhookTimeoutSeconds is < 1 or > 60)
        {
            yield return "Locktera__WebhookTimeoutSeconds must be between 1 and 60.";
        }
        if (MaxWebhooksPerOrg < 1 || WebhookFailuresBeforeDisable < 1)
        {
            yield return "Locktera__MaxWebhooksPerOrg and Locktera__WebhookFailuresBeforeDisable must be positive.";
        }
        if (MaxOpenUploadSessions < 1 || UploadSessionHours < 1)
        {
            yield return "Locktera__MaxOpenUploadSessions and Locktera__UploadSessionHours must be positive.";
        }
        if (MaxContainerBytes > MaxUploadParts * (long)MaxUploadPartBytes || MaxEncodeRequestBytes < 1)
        {
            yield return "Locktera__MaxContainerBytes may be at most 671088640000 (10,000 parts of 64 MiB), and Locktera__MaxEncodeRequestBytes must be positive.";
        }
        if (MaxFilesPerContainer < 1 || MaxContainerBytes < 1 || MaxImportRows < 1)
        {
            yield return "Locktera__MaxFilesPerContainer, Locktera__MaxContainerBytes and Locktera__MaxImportRows must be positive.";
        }
        if (ViewerSessionMinutes is < 1 or > 24 * 60)
        {
            yield return "Locktera__ViewerSessionMinutes must be from 1 to 1440.";
        }
        if (TrustedProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(p => Drm.IpPattern.TryParse(p) is null))
        {
            yield return "Locktera__TrustedProxies must be a comma-separated list of addresses, CIDR prefixes or ranges.";
        }
        foreach (var path in GeoIpDatabases.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(p => !File.Exists(p)))
        {
            yield return $"Locktera__GeoIpDatabases names a file that does not exist: {path}";
        }
        if (MaxJsonBodyBytes < 1024)
        {
            yield return "Locktera__MaxJsonBodyBytes must be at least 1024.";
        }
    }

    private static bool IsBase64Key(string value)
    {
        Span<byte> bytes = stackalloc byte[33];
        return Convert.TryFromBase64String(value, bytes, out var written) && written == 32;
    }
}
