using System.Text.Json;
using Locktera.Core.Events;
using Locktera.Core.Webhooks;

namespace Locktera.Functions.Http;

/// <summary>A webhook subscription. Its secret is shown only when it is made or rotated (<see cref="WebhookSecretView"/>).</summary>
public class WebhookView(WebhookSubscription subscription)
{
    public Guid Id { get; } = subscription.Id;
    public Guid OrgId { get; } = subscription.OrgId;
    public string Url { get; } = subscription.Url.AbsoluteUri;
    public IReadOnlyList<string> Events { get; } = subscription.Events;
    public string? Description { get; } = subscription.Description;
    public bool Enabled { get; } = subscription.Enabled;
    public string? DisabledReason { get; } = subscription.DisabledReason;
    public int ConsecutiveFailures { get; } = subscription.ConsecutiveFailures;
    public DateTimeOffset? PreviousSecretExpiresAt { get; } = subscription.PreviousSecretExpiresAt;
    public DateTimeOffset CreatedAt { get; } = subscription.CreatedAt;
    public DateTimeOffset? UpdatedAt { get; } = subscription.UpdatedAt;
}

/// <summary>A subscription with its signing secret, answered once: when it is made, and when the secret is rotated.</summary>
public sealed class WebhookSecretView(WebhookSubscription subscription) : WebhookView(subscription)
{
    public string Secret { get; } = subscription.Secret;
}

/// <summary>One delivery of an event to a subscription, with its attempts (the newest 20).</summary>
public sealed class WebhookDeliveryView(WebhookDelivery delivery)
{
    public Guid Id { get; } = delivery.Id;
    public Guid WebhookId { get; } = delivery.WebhookId;
    public Guid EventId { get; } = delivery.EventId;
    public string EventType { get; } = delivery.EventType;
    public string Status { get; } = delivery.Status.ToString().ToLowerInvariant();
    public DateTimeOffset CreatedAt { get; } = delivery.CreatedAt;
    public DateTimeOffset? NextAttemptAt { get; } = delivery.Status == DeliveryStatus.Pending ? delivery.NextAttemptAt : null;
    public int AttemptCount { get; } = delivery.AttemptCount;
    public IReadOnlyList<WebhookAttemptView> Attempts { get; } = [.. delivery.Attempts.Select(a => new WebhookAttemptView(a))];
}

public sealed class WebhookAttemptView(WebhookAttempt attempt)
{
    public DateTimeOffset At { get; } = attempt.At;
    public int? StatusCode { get; } = attempt.StatusCode;
    public long LatencyMs { get; } = (long)attempt.Latency.TotalMilliseconds;
    public string? Error { get; } = attempt.Error;
    public string? ResponseSnippet { get; } = attempt.ResponseSnippet;
}

/// <summary>
/// A delivery's body (Standard Webhooks): <c>type</c> (the event's action), <c>timestamp</c> (when the
/// event happened) and <c>data</c>, the event exactly as the event feed shows it.
/// </summary>
public sealed class WebhookPayloads : IWebhookPayloads
{
    public byte[] Body(ContainerEvent entry) =>
        JsonSerializer.SerializeToUtf8Bytes(new WebhookPayload(entry.Action, entry.CreatedDate, new EventView(entry)), ApiJson.Options);

    private sealed record WebhookPayload(string Type, DateTimeOffset Timestamp, EventView Data);
}
