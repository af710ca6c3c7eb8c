using Locktera.Core.Events;

namespace Locktera.Core.Webhooks;

/// <summary>
/// An org node's subscription to the events of its subtree: where they are sent, which of them
/// (<see cref="Events"/>: exact types, "prefix.*" or "*"), and the secrets they are signed with. The
/// secrets are sealed at rest; <see cref="Secret"/> and <see cref="PreviousSecret"/> hold them opened.
/// </summary>
public sealed record WebhookSubscription
{
    public required Guid Id { get; init; }

    /// <summary>The node whose subtree's events the subscription receives.</summary>
    public required Guid OrgId { get; init; }

    public required Guid RootOrgId { get; init; }

    public required Uri Url { get; init; }

    public required IReadOnlyList<string> Events { get; init; }

    public string? Description { get; init; }

    public required bool Enabled { get; init; }

    /// <summary>Why the service disabled it (<see cref="DisabledGone"/>, <see cref="DisabledFailing"/>); null when enabled, or disabled by its owner.</summary>
    public string? DisabledReason { get; init; }

    /// <summary>Deliveries in a row that failed after every retry; a success sets it back to 0.</summary>
    public int ConsecutiveFailures { get; init; }

    public required string Secret { get; init; }

    /// <summary>The secret before the last rotation, still signed with until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecret { get; init; }

    public DateTimeOffset? PreviousSecretExpiresAt { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>The receiver answered 410 Gone: it asked for no more deliveries.</summary>
    public const string DisabledGone = "gone";

    /// <summary>Too many deliveries in a row failed after every retry.</summary>
    public const string DisabledFailing = "failing";

    public const int MaxEventPatterns = 50;

    public const int MaxUrlLength = 2048;

    public const int MaxDescriptionLength = 500;

    /// <summary>Whether an event of type <paramref name="action"/> is one the subscription asked for.</summary>
    public bool Matches(string action) => Events.Any(pattern => PatternMatches(pattern, action));

    /// <summary>The secrets a delivery made at <paramref name="now"/> is signed with: the current one, and the previous one for a day after a rotation.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretExpiresAt > now ? [Secret, previous] : [Secret];

    /// <summary>What is wrong with an event pattern, or null: "*", an event type, or a type's prefix followed by ".*".</summary>
    public static string? PatternProblem(string pattern) =>
        pattern == "*" || EventLog.IsActionName(pattern.EndsWith(".*", StringComparison.Ordinal) ? pattern[..^2] : pattern)
            ? null
            : "each must be \"*\", an event type such as container.access, or a prefix such as container.*";

    private static bool PatternMatches(string pattern, string action) =>
        pattern == "*"
        || pattern == action
        || (pattern.EndsWith(".*", StringComparison.Ordinal) && action.StartsWith(pattern[..^1], StringComparison.Ordinal));
}
