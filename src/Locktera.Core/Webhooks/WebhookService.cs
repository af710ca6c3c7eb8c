using Locktera.Core.Events;
using Locktera.Core.Orgs;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Webhooks;

/// <summary>What a subscription is made with, or changed to (a change leaves what is null as it is).</summary>
public sealed record WebhookInput(Uri? Url, IReadOnlyList<string>? Events, Optional<string?> Description, bool? Enabled);

/// <summary>A node's webhook subscriptions: made, listed, changed, removed, their secret rotated, tested, and their deliveries.</summary>
public sealed class WebhookService(
    WebhookStore store, WebhookQueue queue, WebhookSender sender, IWebhookPayloads payloads, IOptions<LockteraOptions> options, TimeProvider time)
{
    /// <summary>The type of the test event <see cref="PingAsync"/> sends (it is not recorded in the event log).</summary>
    public const string PingEvent = "webhook.ping";

    /// <summary>How long deliveries are still signed with the secret a rotation replaced as well.</summary>
    public static readonly TimeSpan RotationOverlap = TimeSpan.FromHours(24);

    public async Task<WebhookSubscription> CreateAsync(Org node, WebhookInput input, CancellationToken cancellationToken)
    {
        await EnsureAllowedAsync(input.Url!, cancellationToken);
        var subscription = new WebhookSubscription
        {
            Id = OrderedGuid.Next(),
            OrgId = node.Id,
            RootOrgId = node.RootOrgId,
            Url = input.Url!,
            Events = input.Events!,
            Description = input.Description.IsSet ? input.Description.Value : null,
            Enabled = input.Enabled ?? true,
            Secret = WebhookSignature.NewSecret(),
            CreatedAt = time.GetUtcNow(),
        };
        var limit = options.Value.MaxWebhooksPerOrg;
        return await store.AddAsync(subscription, limit, cancellationToken)
            ? subscription
            : throw new LockteraException(ErrorCode.TooManyWebhooks, $"The organization has {limit} webhook subscriptions: delete one first.");
    }

    public Task<IReadOnlyList<WebhookSubscription>> ListAsync(Org node, CancellationToken cancellationToken) =>
        store.OfTreeAsync(node.RootOrgId, cancellationToken, node.Id);

    public async Task<WebhookSubscription> GetAsync(Org node, string id, CancellationToken cancellationToken) =>
        Guid.TryParse(id, out var parsed) && await store.FindAsync(node.RootOrgId, parsed, cancellationToken) is { } found && found.OrgId == node.Id
            ? found
            : throw NotFound();

    /// <summary>Changes what <paramref name="input"/> sets. Enabling a subscription the service disabled starts its failure count afresh.</summary>
    public async Task<WebhookSubscription> UpdateAsync(Org node, string id, WebhookInput input, CancellationToken cancellationToken)
    {
        var current = await GetAsync(node, id, cancellationToken);
        if (input.Url is { } url)
        {
            await EnsureAllowedAsync(url, cancellationToken);
        }
        var now = time.GetUtcNow();
        return await store.UpdateAsync(node.RootOrgId, current.Id, s => s with
        {
            Url = input.Url ?? s.Url,
            Events = input.Events ?? s.Events,
            Description = input.Description.IsSet ? input.Description.Value : s.Description,
            Enabled = input.Enabled ?? s.Enabled,
            DisabledReason = input.Enabled == true ? null : s.DisabledReason,
            ConsecutiveFailures = input.Enabled == true && !s.Enabled ? 0 : s.ConsecutiveFailures,
            UpdatedAt = now,
        }, cancellationToken) ?? throw NotFound();
    }

    public async Task DeleteAsync(Org node, string id, CancellationToken cancellationToken)
    {
        var current = await GetAsync(node, id, cancellationToken);
        if (!await store.DeleteAsync(node.RootOrgId, node.Id, current.Id, cancellationToken))
        {
            throw NotFound();
        }
    }

    /// <summary>A new secret; for <see cref="RotationOverlap"/> deliveries carry signatures of the new and the replaced one.</summary>
    public async Task<WebhookSubscription> RotateSecretAsync(Org node, string id, CancellationToken cancellationToken)
    {
        var current = await GetAsync(node, id, cancellationToken);
        var now = time.GetUtcNow();
        var secret = WebhookSignature.NewSecret();
        return await store.UpdateAsync(node.RootOrgId, current.Id, s => s with
        {
            Secret = secret,
            PreviousSecret = s.Secret,
            PreviousSecretExpiresAt = now + RotationOverlap,
            UpdatedAt = now,
        }, cancellationToken) ?? throw NotFound();
    }

    /// <summary>Sends a test event (<see cref="PingEvent"/>) to the subscription, enabled or not, through the queue as every delivery goes.</summary>
    public async Task<WebhookDelivery> PingAsync(Org node, string id, Actor actor, CancellationToken cancellationToken)
    {
        var subscription = await GetAsync(node, id, cancellationToken);
        var now = time.GetUtcNow();
        var entry = new ContainerEvent(now, PingEvent, node.Id, null, actor.User, new Dictionary<string, string> { ["webhook_id"] = subscription.Id.ToString() }, actor.Ip);
        var delivery = WebhookDelivery.Begin(OrderedGuid.Next(), subscription.Id, entry, payloads.Body(entry), now);
        await store.TryAddDeliveryAsync(delivery, cancellationToken);
        await queue.SendAsync(new WebhookMessage(delivery.Id, subscription.Id, subscription.RootOrgId, 0, null), TimeSpan.Zero, cancellationToken);
        return delivery;
    }

    /// <summary>A pending delivery whose next attempt is this late is stuck (its message was lost): a redelivery starts it again.</summary>
    public static readonly TimeSpan Stuck = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Sends a delivery that succeeded or failed again, with the same <c>webhook-id</c> and body, in a
    /// new round of the retry schedule. One still pending is answered as it is (its next attempt is
    /// due), unless it is <see cref="Stuck"/>.
    /// </summary>
    public async Task<WebhookDelivery> RedeliverAsync(Org node, string id, string deliveryId, CancellationToken cancellationToken)
    {
        var subscription = await GetAsync(node, id, cancellationToken);
        if (!Guid.TryParse(deliveryId, out var parsed))
        {
            throw DeliveryNotFound();
        }
        var now = time.GetUtcNow();
        var restarted = false;
        var delivery = await store.UpdateDeliveryAsync(subscription.Id, parsed, d =>
        {
            restarted = d.Status != DeliveryStatus.Pending || d.NextAttemptAt < now - Stuck;
            return restarted ? d with { Status = DeliveryStatus.Pending, RoundStart = d.AttemptCount, RoundStartedAt = now, NextAttemptAt = now, ClaimedAttempt = null, ClaimedUntil = null } : null;
        }, cancellationToken) ?? throw DeliveryNotFound();
        if (restarted)
        {
            await queue.SendAsync(new WebhookMessage(delivery.Id, subscription.Id, subscription.RootOrgId, delivery.AttemptCount, null), TimeSpan.Zero, cancellationToken);
        }
        return delivery;
    }

    public async Task<(IReadOnlyList<WebhookDelivery> Page, string? Cursor)> ListDeliveriesAsync(
        Org node, string id, DeliveryStatus? status, string? after, int skip, int take, CancellationToken cancellationToken)
    {
        var subscription = await GetAsync(node, id, cancellationToken);
        return await store.ListDeliveriesAsync(subscription.Id, status, after, skip, take, cancellationToken);
    }

    private async Task EnsureAllowedAsync(Uri url, CancellationToken cancellationToken)
    {
        if (await sender.UrlProblemAsync(url, cancellationToken) is { } problem)
        {
            throw new LockteraException(ErrorCode.WebhookUrlNotAllowed, $"The webhook URL {problem}.", new Dictionary<string, string> { ["url"] = problem });
        }
    }

    private static LockteraException NotFound() => new(ErrorCode.WebhookNotFound, "Webhook subscription not found.");

    private static LockteraException DeliveryNotFound() => new(ErrorCode.WebhookDeliveryNotFound, "Webhook delivery not found.");
}
