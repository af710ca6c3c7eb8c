using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using Locktera.Core.Security;

namespace Locktera.Core.Access;

/// <summary>What a viewer token grants: one recipient email, one container, until it expires.</summary>
public sealed record ViewerToken(Guid OrgId, Guid ContainerId, string Email, DateTimeOffset ExpiresAt);

/// <summary>
/// Short-lived viewer tokens, signed (HMAC-SHA256 under a key derived from the master key) rather
/// than stored: "ltv_" + base64url(org id ‖ container id ‖ expiry ‖ email ‖ signature).
/// </summary>
public sealed class ViewerTokens(MasterKey masterKey, TimeProvider time)
{
    public const string Prefix = "ltv_";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);
    private const int SignatureLength = 32;
    private const int FixedLength = 16 + 16 + 8;

    private readonly byte[] _key = masterKey.Derive("viewer-tokens");

    public (string Token, DateTimeOffset ExpiresAt) Issue(Guid orgId, Guid containerId, string email, TimeSpan lifetime)
    {
        var expires = time.GetUtcNow().Add(lifetime);
        var emailBytes = Encoding.UTF8.GetBytes(email.ToLowerInvariant());
        var payload = new byte[FixedLength + emailBytes.Length];
        orgId.TryWriteBytes(payload.AsSpan(0, 16), bigEndian: true, out _);
        containerId.TryWriteBytes(payload.AsSpan(16, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(32), expires.ToUnixTimeSeconds());
        emailBytes.CopyTo(payload, FixedLength);
        return (Prefix + Base64Url.EncodeToString([.. payload, .. HMACSHA256.HashData(_key, payload)]), DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }

    /// <summary>The token's grant; a malformed, forged or expired token is a 401.</summary>
    public ViewerToken Validate(string token)
    {
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            throw Invalid("The viewer token is malformed.");
        }
        if (bytes.Length <= FixedLength + SignatureLength)
        {
            throw Invalid("The viewer token is malformed.");
        }
        var payload = bytes.AsSpan(0, bytes.Length - SignatureLength);
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), bytes.AsSpan(bytes.Length - SignatureLength)))
        {
            throw Invalid("The viewer token is not valid.");
        }
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(payload[32..]));
        if (expires <= time.GetUtcNow())
        {
            throw Invalid("The viewer token has expired; ask the sender for a new link.");
        }
        return new ViewerToken(new Guid(payload[..16], bigEndian: true), new Guid(payload[16..32], bigEndian: true), Encoding.UTF8.GetString(payload[FixedLength..]), expires);
    }

    private static LockteraException Invalid(string message) => new(ErrorCode.InvalidCredentials, message);
}
