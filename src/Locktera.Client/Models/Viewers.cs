namespace Locktera.Client;

/// <summary>A viewer token: bound to one container and one email, until <see cref="ExpiresAt"/>.</summary>
public sealed record ViewerToken(string Token, DateTimeOffset ExpiresAt)
{
    /// <summary>Never the token: it is a bearer credential.</summary>
    public override string ToString() => $"ViewerToken (expires {ExpiresAt:O})";
}

/// <summary>A viewer who tried a container: wrong passwords since the last right one, whether locked out, viewing sessions started.</summary>
public sealed record ViewerAttempt(string ViewerEmail, int AttemptCount, bool Locked, int Opens);
