using Locktera.Core.Events;
using Locktera.Core.Orgs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Webhooks;

/// <summary>The body of a delivery: <c>{type, timestamp, data}</c>, the event as the event feed shows it (the API's JSON, made by its host).</summary>
public interface IWebhookPayloads
{
    byte[] Body(ContainerEvent entry);
}

/// <summary>
/// Makes one attempt of one delivery per queue message, at least once: a message that is lost with
/// its instance comes back after its visibility timeout. Each attempt is claimed on the delivery's
/// row first, so two copies of a message never send one attempt twice at the same moment; the next
/// attempt's message is sent before this one's outcome is recorded, so a crash in between repeats an
/// attempt rather than losing the delivery.
/// </summary>
public sealed partial class WebhookDeliverer(
    WebhookStore store, EventLog events, OrgStore orgs, WebhookQueue queue, WebhookSender sender, IWebhookPayloads payloads,
    IOptions<LockteraOptions> options, TimeProvider time, ILogger<WebhookDeliverer> logger)
{
    /// <summary>How long an instance holds an attempt it claimed: the sender's timeout and then some.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(90);

    /// <summary>How long a message waits, each time, for its event to be recorded or another instance's claim to end.</summary>
    public static readonly TimeSpan WaitDelay = TimeSpan.FromSeconds(2);

    /// <summary>A message put back this often is given up (its event was never recorded; its predecessor is lost).</summary>
    public const int MaxWaits = 60;

    public async Task ProcessAsync(string text, CancellationToken cancellationToken)
    {
        if (WebhookQueue.Read(text) is not { } message)
        {
            LogUnreadable(logger);
            return;
        }
        // What this instance keeps of the tree's subscriptions, within RecentRows.Staleness of their
        // changes; one it does not know yet (made moments ago elsewhere) is read. A deleted
        // subscription's deliveries end with it.
        var subscription = (await store.OfTreeRecentAsync(message.Root, cancellationToken)).FirstOrDefault(s => s.Id == message.Webhook)
            ?? await store.FindAsync(message.Root, message.Webhook, cancellationToken);
        if (subscription is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        var (begun, claimed) = await BeginAsync(message, subscription, now, cancellationToken);
        if (begun == Claim.Wait)
        {
            await WaitAsync(message, cancellationToken);
            return;
        }
        if (claimed is null)
        {
            var claim = Claim.Drop;
            claimed = await store.UpdateDeliveryAsync(subscription.Id, message.Delivery, d =>
            {
                (claim, var next) = d.Status != DeliveryStatus.Pending || d.AttemptCount > message.Attempt ? (Claim.Drop, null)
                    : d.AttemptCount < message.Attempt || (d.ClaimedAttempt == message.Attempt && d.ClaimedUntil > now) ? (Claim.Wait, null)
                    : (Claim.Made, d with { ClaimedAttempt = message.Attempt, ClaimedUntil = now + ClaimLease });
                return next;
            }, cancellationToken);
            if (claim == Claim.Wait)
            {
                await WaitAsync(message, cancellationToken);
            }
            if (claim != Claim.Made || claimed is null)
            {
                return;
            }
        }

        // A ping tests the endpoint of a disabled subscription too (before it is enabled again).
        if (!subscription.Enabled && claimed.EventType != WebhookService.PingEvent)
        {
            await FinishAsync(claimed, message.Attempt, null, DeliveryStatus.Failed, null, cancellationToken);
            return;
        }
        var attempt = await sender.SendAsync(subscription.Url, claimed.Id.ToString(), now, claimed.Body, subscription.SigningSecrets(now), cancellationToken);
        if (attempt.Succeeded)
        {
            // Read afresh: what this instance keeps of the subscription may be seconds behind. As on
            // failure, the subscription first, then the delivery.
            await store.UpdateAsync(subscription.RootOrgId, subscription.Id, s => s.ConsecutiveFailures == 0 ? null : s with { ConsecutiveFailures = 0 }, cancellationToken);
            await FinishAsync(claimed, message.Attempt, attempt, DeliveryStatus.Succeeded, null, cancellationToken);
            return;
        }
        if (attempt.StatusCode == 410)
        {
            // Disabled first (that is repeatable), so that whoever sees the delivery failed sees why.
            await DisableAsync(subscription, WebhookSubscription.DisabledGone, cancellationToken);
            await FinishAsync(claimed, message.Attempt, attempt, DeliveryStatus.Failed, null, cancellationToken);
            return;
        }
        if (NextDelay(claimed, message.Attempt, attempt.At) is { } delay)
        {
            await queue.SendAsync(message with { Attempt = message.Attempt + 1, Event = null, Waits = 0 }, delay, cancellationToken);
            await FinishAsync(claimed, message.Attempt, attempt, DeliveryStatus.Pending, attempt.At + delay, cancellationToken);
            return;
        }
        // Counted (and disabled) before the delivery is written failed, so that whoever sees it failed
        // sees its count; a crash in between counts the delivery once more when its attempt is repeated.
        var counted = await store.UpdateAsync(subscription.RootOrgId, subscription.Id, s => s with { ConsecutiveFailures = s.ConsecutiveFailures + 1 }, cancellationToken);
        if (counted is { Enabled: true } && counted.ConsecutiveFailures >= options.Value.WebhookFailuresBeforeDisable)
        {
            await DisableAsync(counted, WebhookSubscription.DisabledFailing, cancellationToken);
        }
        await FinishAsync(claimed, message.Attempt, attempt, DeliveryStatus.Failed, null, cancellationToken);
    }

    /// <summary>
    /// The delivery a first message begins, made with its first attempt claimed (one write), once its
    /// event is in the log: it is written just after its deliveries are sent on their way, so the
    /// message waits for it a little, and is dropped if it never comes. Made: the delivery; Wait: the
    /// event is not there yet; Drop (and no delivery): there is one already, or this message begins none.
    /// </summary>
    private async Task<(Claim Outcome, WebhookDelivery? Claimed)> BeginAsync(WebhookMessage message, WebhookSubscription subscription, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (message.Event is not { } key)
        {
            return (Claim.Drop, null);
        }
        if (await events.FindAsync(key.OrgId, key.CreatedDate, key.Id, cancellationToken) is not { } entry)
        {
            return (Claim.Wait, null);
        }
        // The dispatcher sent it only for a subscription that asked for the event: a message that says
        // otherwise was not written by it, and makes no delivery.
        if (message.Delivery != WebhookDispatcher.DeliveryId(entry.Id, subscription.Id) || !subscription.Matches(entry.Action)
            || await orgs.FindRecentAsync(entry.OrgId, cancellationToken) is not { } org || org.RootOrgId != subscription.RootOrgId || !org.IsWithin(subscription.OrgId))
        {
            LogForeign(logger, message.Delivery);
            return (Claim.Drop, null);
        }
        var delivery = WebhookDelivery.Begin(message.Delivery, subscription.Id, entry, payloads.Body(entry), now) with { ClaimedAttempt = 0, ClaimedUntil = now + ClaimLease };
        return await store.TryAddDeliveryAsync(delivery, cancellationToken) ? (Claim.Made, delivery) : (Claim.Drop, null);
    }

    private async Task WaitAsync(WebhookMessage message, CancellationToken cancellationToken)
    {
        if (message.Waits < MaxWaits)
        {
            await queue.SendAsync(message with { Waits = message.Waits + 1 }, WaitDelay, cancellationToken);
        }
        else
        {
            LogGivenUp(logger, message.Delivery, message.Attempt);
        }
    }

    /// <summary>The delay before the attempt after <paramref name="attempt"/>, or null when the round's schedule (or its 24 hours) is spent.</summary>
    private TimeSpan? NextDelay(WebhookDelivery delivery, int attempt, DateTimeOffset now)
    {
        var delays = options.Value.WebhookRetryDelays!;
        var inRound = attempt - delivery.RoundStart;
        if (inRound >= delays.Count)
        {
            return null;
        }
        var delay = RetrySchedule.Jittered(delays[inRound]);
        return now + delay - delivery.RoundStartedAt <= RetrySchedule.Horizon ? delay : null;
    }

    private Task<WebhookDelivery?> FinishAsync(WebhookDelivery delivery, int attemptNumber, WebhookAttempt? attempt, DeliveryStatus status, DateTimeOffset? next, CancellationToken cancellationToken) =>
        store.UpdateDeliveryAsync(delivery.WebhookId, delivery.Id, d => d.AttemptCount != attemptNumber || d.Status != DeliveryStatus.Pending ? null : d with
        {
            AttemptCount = d.AttemptCount + (attempt is null ? 0 : 1),
            Attempts = attempt is null ? d.Attempts : [.. d.Attempts.Append(Kept(attempt)).TakeLast(WebhookDelivery.KeptAttempts)],
            Status = status,
            NextAttemptAt = next,
            ClaimedAttempt = null,
            ClaimedUntil = null,
        }, cancellationToken);

    private static WebhookAttempt Kept(WebhookAttempt attempt) =>
        attempt.ResponseSnippet is { Length: > WebhookDelivery.KeptSnippetLength } snippet ? attempt with { ResponseSnippet = snippet[..WebhookDelivery.KeptSnippetLength] } : attempt;

    /// <summary>Disables a subscription the service gave up on, and records that it did (once, whoever saw it first).</summary>
    private async Task DisableAsync(WebhookSubscription subscription, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var disabled = false;
        await store.UpdateAsync(subscription.RootOrgId, subscription.Id, s =>
        {
            disabled = s.Enabled;
            return s.Enabled ? s with { Enabled = false, DisabledReason = reason, UpdatedAt = now } : null;
        }, cancellationToken);
        if (disabled)
        {
            await events.RecordAsync(new ContainerEvent(now, EventLog.WebhookDisable, subscription.OrgId, null, "service",
                new Dictionary<string, string> { ["webhook_id"] = subscription.Id.ToString(), ["reason"] = reason }, null), cancellationToken);
        }
    }

    private enum Claim
    {
        Drop,
        Wait,
        Made,
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A webhook queue message could not be read; it was dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId}: its message names an event the subscription did not ask for; dropped")]
    private static partial void LogForeign(ILogger logger, Guid deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId}, attempt {Attempt}: given up after waiting (its event was not recorded, or its previous attempt is lost)")]
    private static partial void LogGivenUp(ILogger logger, Guid deliveryId, int attempt);
}
