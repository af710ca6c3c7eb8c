using Locktera.Core.Webhooks;

namespace Locktera.Functions.Queues;

/// <summary>
/// Makes webhook deliveries: one attempt per queue message (<see cref="WebhookDeliverer"/>). A message
/// whose instance stops before it is done comes back after its visibility timeout and is made again;
/// one that keeps failing (storage down) goes to the poison queue after the host's five tries.
/// </summary>
public sealed class WebhookDeliveries(WebhookDeliverer deliverer)
{
    [Function("DeliverWebhook")]
    public Task Run([QueueTrigger("%" + WebhookQueue.Setting + "%")] string message, CancellationToken cancellationToken) =>
        deliverer.ProcessAsync(message, cancellationToken);
}
