using System.Text.Json;
using Locktera.Core.Events;
using Locktera.Core.Orgs;

namespace Locktera.Core.Webhooks;

/// <summary>
/// What the queue carries for one delivery attempt: the delivery (its id is the <c>webhook-id</c>),
/// its subscription, and for the first attempt of an event's delivery where that event is in the log
/// (<see cref="Event"/>; a ping's and a redelivery's delivery exists already). <see cref="Attempt"/>
/// is the attempt this message is for; <see cref="Waits"/> counts how often it was put back to wait
/// (for its event to be recorded, or for another instance's claim on the attempt). It names the
/// event rather than carrying it: what is delivered is what the log holds, whoever wrote the message.
/// </summary>
public sealed record WebhookMessage(Guid Delivery, Guid Webhook, Guid Root, int Attempt, EventKey? Event, int Waits = 0);

/// <summary>Where an event is in its org's log.</summary>
public sealed record EventKey(Guid OrgId, DateTimeOffset CreatedDate, Guid Id);

/// <summary>The queue webhook deliveries go through: the one the delivery function is triggered by.</summary>
public sealed class WebhookQueue(StorageAccount storage, string name)
{
    /// <summary>The app setting that names the queue, for the trigger's binding expression and for this class alike.</summary>
    public const string Setting = "LockteraWebhookQueue";

    public string Name { get; } = name;

    public async Task SendAsync(WebhookMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        await storage.SendMessageAsync(Name, JsonSerializer.Serialize(message), delay, cancellationToken);
    }

    public static WebhookMessage? Read(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<WebhookMessage>(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Puts an event on its way to the subscriptions that asked for it: the subscriptions of the event's
/// node and of every node above it (read from memory, at most <see cref="RecentRows.Staleness"/>
/// old), one queue message each. This is all the request that caused the event pays; the queue
/// function makes the deliveries. It runs before the event is written, so that an event is never
/// recorded without its deliveries on their way; a delivery whose event was then not recorded is
/// dropped (<see cref="WebhookDeliverer"/> reads the event from the log).
/// </summary>
public sealed class WebhookDispatcher(WebhookStore store, OrgStore orgs, WebhookQueue queue)
{
    public async Task DispatchAsync(ContainerEvent entry, CancellationToken cancellationToken)
    {
        if (await orgs.FindRecentAsync(entry.OrgId, cancellationToken) is not { } org)
        {
            return;
        }
        foreach (var subscription in await store.OfTreeRecentAsync(org.RootOrgId, cancellationToken))
        {
            if (subscription.Enabled && org.IsWithin(subscription.OrgId) && subscription.Matches(entry.Action))
            {
                await queue.SendAsync(new WebhookMessage(DeliveryId(entry.Id, subscription.Id), subscription.Id, subscription.RootOrgId, 0, new EventKey(entry.OrgId, entry.CreatedDate, entry.Id)), TimeSpan.Zero, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The delivery of one event to one subscription has one id, however often the event is
    /// dispatched (an event recorded once per what it records, by a re-run or a second instance):
    /// the event's UUIDv7 time, so deliveries list in the order of their events, and the rest from a
    /// hash of both ids.
    /// </summary>
    public static Guid DeliveryId(Guid eventId, Guid webhookId)
    {
        var id = eventId.ToByteArray(bigEndian: true);
        var hash = SHA256.HashData([.. id, .. webhookId.ToByteArray(bigEndian: true)]);
        hash.AsSpan(6, 10).CopyTo(id.AsSpan(6));
        id[6] = (byte)(0x70 | (id[6] & 0x0F));
        id[8] = (byte)(0x80 | (id[8] & 0x3F));
        return new Guid(id, bigEndian: true);
    }
}
