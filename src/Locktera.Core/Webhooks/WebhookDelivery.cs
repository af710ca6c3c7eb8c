namespace Locktera.Core.Webhooks;

public enum DeliveryStatus
{
    /// <summary>Not yet answered with a 2xx, and a further attempt is due.</summary>
    Pending,
    Succeeded,
    /// <summary>Every attempt of its schedule failed, the receiver answered 410, or the subscription was disabled.</summary>
    Failed,
}

/// <summary>
/// One event on its way to one subscription. Its id is the <c>webhook-id</c> of every attempt, so a
/// receiver can tell a retry from a new event; its body is fixed when it is made and sent the same
/// each time (only the timestamp and the signatures change).
/// </summary>
public sealed record WebhookDelivery
{
    public required Guid Id { get; init; }

    public required Guid WebhookId { get; init; }

    public required Guid EventId { get; init; }

    public required string EventType { get; init; }

    public required byte[] Body { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DeliveryStatus Status { get; init; }

    /// <summary>Attempts made so far, over every round (a redelivery starts a new round).</summary>
    public int AttemptCount { get; init; }

    /// <summary>The attempt count when this round began, and when: the retry schedule counts from there.</summary>
    public int RoundStart { get; init; }

    public required DateTimeOffset RoundStartedAt { get; init; }

    /// <summary>The newest attempts, oldest first (at most <see cref="KeptAttempts"/>).</summary>
    public IReadOnlyList<WebhookAttempt> Attempts { get; init; } = [];

    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>An instance is making attempt <see cref="ClaimedAttempt"/> until <see cref="ClaimedUntil"/>; no other makes it meanwhile.</summary>
    public int? ClaimedAttempt { get; init; }

    public DateTimeOffset? ClaimedUntil { get; init; }

    public const int KeptAttempts = 20;

    /// <summary>A delivery of <paramref name="entry"/> about to make its first attempt.</summary>
    public static WebhookDelivery Begin(Guid id, Guid webhookId, Events.ContainerEvent entry, byte[] body, DateTimeOffset now) => new()
    {
        Id = id,
        WebhookId = webhookId,
        EventId = entry.Id,
        EventType = entry.Action,
        Body = body,
        CreatedAt = now,
        Status = DeliveryStatus.Pending,
        RoundStartedAt = now,
        NextAttemptAt = now,
    };

    /// <summary>How much of a receiver's answer each kept attempt shows: the attempts of a delivery fit in one row whatever the answers held.</summary>
    public const int KeptSnippetLength = 256;
}
