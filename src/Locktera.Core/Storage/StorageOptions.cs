namespace Locktera.Core.Storage;

/// <summary>Names of the tables, each carrying the configured prefix so parallel runs never share state.</summary>
public sealed class TableNames(string prefix)
{
    public string Orgs { get; } = prefix + "orgs";

    public string ApiKeys { get; } = prefix + "apikeys";

    public string RateLimits { get; } = prefix + "ratelimits";

    public string OrgKeyPairs { get; } = prefix + "pqkeys";

    public string Containers { get; } = prefix + "containers";

    public string Events { get; } = prefix + "events";

    public string Addresses { get; } = prefix + "addresses";

    public string ErrorReports { get; } = prefix + "errorreports";

    public string Consents { get; } = prefix + "consents";

    public string AccessLog { get; } = prefix + "accesslog";

    public string OrgAudit { get; } = prefix + "orgaudit";

    public string TimerRuns { get; } = prefix + "timerruns";

    /// <summary>The timers' work lists (due rows: expiries, deleted orgs, encodes, sessions) and the health snapshot.</summary>
    public string Operations { get; } = prefix + "operations";

    public string Usage { get; } = prefix + "usage";

    public string StorageConfigs { get; } = prefix + "storageconfigs";

    /// <summary>Upload sessions: their state, their parts, and how many each org has open.</summary>
    public string Uploads { get; } = prefix + "uploads";

    /// <summary>Webhook subscriptions, by tree, and how many each node has.</summary>
    public string Webhooks { get; } = prefix + "webhooks";

    /// <summary>Webhook deliveries, by subscription, newest first.</summary>
    public string WebhookDeliveries { get; } = prefix + "webhookdeliveries";
}
