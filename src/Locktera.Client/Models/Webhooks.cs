using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Locktera.Client;

/// <summary>
/// A webhook subscription of a node: the events of its subtree it receives, and where
/// (docs/webhooks.md). <see cref="DisabledReason"/> says why the service turned it off (<c>gone</c>:
/// the receiver answered 410; <c>failing</c>: deliveries failed in a row), null when its owner did.
/// Its secret is shown only when it is made or rotated (<see cref="WebhookWithSecret"/>).
/// </summary>
public record Webhook(
    Guid Id,
    Guid OrgId,
    Uri Url,
    IReadOnlyList<string> Events,
    string? Description,
    bool Enabled,
    string? DisabledReason,
    int ConsecutiveFailures,
    DateTimeOffset? PreviousSecretExpiresAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt);

/// <summary>A subscription just made or whose secret was just rotated, with its signing secret (<c>whsec_…</c>): shown this once.</summary>
public sealed record WebhookWithSecret(
    Guid Id, Guid OrgId, Uri Url, IReadOnlyList<string> Events, string? Description, bool Enabled, string? DisabledReason, int ConsecutiveFailures,
    DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt, string Secret)
    : Webhook(Id, OrgId, Url, Events, Description, Enabled, DisabledReason, ConsecutiveFailures, PreviousSecretExpiresAt, CreatedAt, UpdatedAt)
{
    /// <summary>Never the secret.</summary>
    public override string ToString() => $"Webhook {Id} ({Url})";
}

/// <summary>
/// A change of a subscription: what is given changes, what is left null keeps its value.
/// <see cref="RemoveDescription"/> removes the description (a null <see cref="Description"/> keeps it).
/// <see cref="Enabled"/> true turns a subscription the service disabled back on, its failure count afresh.
/// </summary>
public sealed record WebhookPatch(Uri? Url = null, IReadOnlyList<string>? Events = null, string? Description = null, bool? Enabled = null,
    [property: JsonIgnore] bool RemoveDescription = false)
{
    /// <summary>The request's body: the fields given, and a <c>description</c> of null to remove it.</summary>
    internal JsonObject Body()
    {
        if (RemoveDescription && Description is not null)
        {
            throw new ArgumentException("A patch either sets the description or removes it, not both.");
        }
        var body = System.Text.Json.JsonSerializer.SerializeToNode(this, LockteraJson.Options)!.AsObject();
        if (RemoveDescription)
        {
            body["description"] = null;
        }
        return body;
    }
}

/// <summary>Where a delivery is: still being attempted, answered with a 2xx, or given up after its last attempt.</summary>
public enum DeliveryStatus
{
    Pending,
    Succeeded,
    Failed,
}

/// <summary>
/// One delivery of an event to a subscription. Its <see cref="Id"/> is the <c>webhook-id</c> of every
/// attempt (retries and redeliveries too); <see cref="Attempts"/> are the newest 20, oldest first;
/// <see cref="NextAttemptAt"/> is null once it is no longer pending.
/// </summary>
public sealed record WebhookDelivery(
    Guid Id,
    Guid WebhookId,
    Guid EventId,
    string EventType,
    DeliveryStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    int AttemptCount,
    IReadOnlyList<WebhookAttempt> Attempts);

/// <summary>
/// One attempt of a delivery: the receiver's status (null when no answer came), how long it took,
/// the start of its answer, and the <see cref="Error"/> of a failed attempt (<c>timeout</c>,
/// <c>connection_refused</c>, <c>status_500</c>, …; docs/webhooks.md).
/// </summary>
public sealed record WebhookAttempt(DateTimeOffset At, int? StatusCode, long LatencyMs, string? Error, string? ResponseSnippet);
