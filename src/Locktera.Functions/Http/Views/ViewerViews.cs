using Locktera.Core.Drm;

namespace Locktera.Functions.Http;

/// <summary>A viewer token, shown once; it is sent back as <c>Authorization: Bearer</c>.</summary>
public sealed class ViewerTokenView(string token, DateTimeOffset expiresAt)
{
    public string Token { get; } = token;
    public DateTimeOffset ExpiresAt { get; } = expiresAt;
}

/// <summary>What the service counts for one viewer of a container (upstream's attempts, plus the lock and the opens).</summary>
public sealed class ViewerAttemptView(ViewerState state)
{
    public string ViewerEmail { get; } = state.Email;
    public int AttemptCount { get; } = state.FailedAttempts;
    public bool Locked { get; } = state.Locked;
    public int Opens { get; } = state.Opens;
}
