namespace Locktera.Client;

/// <summary>
/// The webhook subscriptions of a node (the client's own when <c>orgId</c> is null): each receives the
/// events of the node's subtree it asks for, signed (Standard Webhooks 1.0) and retried for up to a
/// day; its deliveries, with every attempt; a test ping; a redelivery; a new signing secret.
/// Needs an admin key over the node (docs/webhooks.md).
/// </summary>
public sealed class WebhooksClient : SubClient
{
    internal WebhooksClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>
    /// Subscribes <paramref name="url"/> to <paramref name="events"/>: event types
    /// (<c>container.access</c>), prefixes (<c>container.*</c>) or <c>*</c>. Disabled from the start
    /// when <paramref name="enabled"/> is false. Its <see cref="WebhookWithSecret.Secret"/> is shown this once.
    /// </summary>
    public Task<WebhookWithSecret> CreateAsync(Uri url, IReadOnlyList<string> events, string? description = null, bool? enabled = null, Guid? orgId = null,
        CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<WebhookWithSecret>(Operations.CreateWebhook, [Node(orgId)], new { url, events, description, enabled }, cancellationToken);

    /// <summary>The node's subscriptions, oldest first.</summary>
    public IAsyncEnumerable<Webhook> ListAsync(Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageByNumberAsync<Webhook>(Operations.ListWebhooks, [Node(orgId)], null, cancellationToken);

    public Task<Webhook> GetAsync(Guid webhookId, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<Webhook>(Operations.GetWebhook, [Node(orgId), webhookId.ToString()], null, cancellationToken);

    /// <summary>Changes what <paramref name="patch"/> gives, and nothing else.</summary>
    public Task<Webhook> UpdateAsync(Guid webhookId, WebhookPatch patch, Guid? orgId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return Pipeline.SendAsync<Webhook>(Operations.UpdateWebhook, [Node(orgId), webhookId.ToString()], patch.Body(), cancellationToken);
    }

    /// <summary>Removes the subscription: its deliveries stop and are no longer listed.</summary>
    public Task DeleteAsync(Guid webhookId, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync(Operations.DeleteWebhook, [Node(orgId), webhookId.ToString()], null, cancellationToken);

    /// <summary>
    /// A new signing secret, shown this once. For 24 hours deliveries carry the signatures of both
    /// (the new one first; until <see cref="Webhook.PreviousSecretExpiresAt"/>), then only the new one's.
    /// </summary>
    public Task<WebhookWithSecret> RotateSecretAsync(Guid webhookId, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<WebhookWithSecret>(Operations.RotateWebhookSecret, [Node(orgId), webhookId.ToString()], null, cancellationToken);

    /// <summary>Sends a <c>webhook.ping</c> event to the subscription (even a disabled one), like any other: the delivery on its way.</summary>
    public Task<WebhookDelivery> PingAsync(Guid webhookId, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<WebhookDelivery>(Operations.PingWebhook, [Node(orgId), webhookId.ToString()], null, cancellationToken);

    /// <summary>
    /// The subscription's deliveries, newest first, those of <paramref name="status"/> only when it
    /// is given; <paramref name="pageSize"/> is how many come per request (the listing still yields them all).
    /// </summary>
    public IAsyncEnumerable<WebhookDelivery> ListDeliveriesAsync(Guid webhookId, DeliveryStatus? status = null, int? pageSize = null, Guid? orgId = null,
        CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<WebhookDelivery>(Operations.ListWebhookDeliveries, [Node(orgId), webhookId.ToString()], LockteraPipeline.Query(
            ("status", status?.ToString().ToLowerInvariant()), ("limit", pageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture))), cancellationToken);

    /// <summary>
    /// Sends a delivery that succeeded or failed (or is stuck) again: the same <c>webhook-id</c>, the
    /// same body, a new round of retries. One still pending is answered as it is.
    /// </summary>
    public Task<WebhookDelivery> RedeliverAsync(Guid webhookId, Guid deliveryId, Guid? orgId = null, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<WebhookDelivery>(Operations.RedeliverWebhookDelivery, [Node(orgId), webhookId.ToString(), deliveryId.ToString()], null, cancellationToken);
}
