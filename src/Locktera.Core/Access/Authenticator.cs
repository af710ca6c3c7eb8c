using System.Text;
using Locktera.Core.Keys;
using Locktera.Core.Orgs;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Access;

/// <summary>Turns an Authorization header into a <see cref="Caller"/>, or fails with 401.</summary>
public sealed class Authenticator(ApiKeyStore keys, OrgStore orgs, ViewerTokens viewerTokens, AccessLog accessLog, IOptions<LockteraOptions> options, TimeProvider time)
{
    /// <summary>last_used_at is a hint, not an audit trail: refreshing it at most this often keeps writes off most requests.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly byte[] _operatorKeyHash = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.OperatorKey));

    /// <summary>
    /// The caller the header names. Uses of org keys go to their organization's access log: failures
    /// (of a token that names an existing node) one by one, successes counted.
    /// </summary>
    public async Task<Caller> AuthenticateAsync(string? authorization, string? ip, CancellationToken cancellationToken)
    {
        var presented = BearerToken(authorization);
        if (CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _operatorKeyHash))
        {
            return new Caller.Operator();
        }
        if (presented.StartsWith(ViewerTokens.Prefix, StringComparison.Ordinal))
        {
            return new Caller.Viewer(viewerTokens.Validate(presented));
        }
        if (!ApiKeyToken.TryParse(presented, out var token))
        {
            throw new LockteraException(ErrorCode.MalformedCredentials, "The bearer token is not a Locktera API key.");
        }

        // The token names its org and key, so both rows are read at once (from memory, most times:
        // RecentRows, whose staleness bound docs/authorization.md states).
        var keyTask = keys.FindRecentAsync(token.OrgId, token.KeyId, cancellationToken);
        var orgTask = orgs.FindRecentAsync(token.OrgId, cancellationToken);
        var key = await keyTask;
        var org = await orgTask;
        var failure = key is null ? "unknown_key" : key.RevokedAt is not null ? "revoked_key" : !token.Matches(key) ? "wrong_secret" : null;
        if (org is null || failure is not null)
        {
            if (org is not null)
            {
                await accessLog.RecordFailureAsync(org, token.KeyId, key is null ? null : AccessLog.User(org), "authenticate", "failure", failure!, ip, cancellationToken);
            }
            throw new LockteraException(ErrorCode.InvalidCredentials, "The API key is unknown or has been revoked.");
        }
        accessLog.RecordSuccess(org, key!.KeyId, ip);

        var now = time.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
        {
            await keys.TouchAsync(key, now, cancellationToken);
            key = key with { LastUsedAt = now };
        }
        return new Caller.Key(key, org);
    }

    private static string BearerToken(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            throw new LockteraException(ErrorCode.MissingCredentials, "Send an API key as 'Authorization: Bearer <key>'.");
        }
        const string scheme = "Bearer ";
        var value = authorization.Trim();
        if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || value.Length == scheme.Length)
        {
            throw new LockteraException(ErrorCode.MalformedCredentials, "The Authorization header must be 'Bearer <key>'.");
        }
        return value[scheme.Length..].Trim();
    }
}
