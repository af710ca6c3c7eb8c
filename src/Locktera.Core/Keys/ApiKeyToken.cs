using System.Buffers.Text;

namespace Locktera.Core.Keys;

/// <summary>
/// The bearer token of an API key: "lt_" followed by base64url of the org id, the key id and a
/// 256-bit random secret. The ids let one point read find the stored key; only the secret's
/// SHA-256 is stored (a fast hash suffices because the secret has full entropy).
/// </summary>
public readonly record struct ApiKeyToken(Guid OrgId, Guid KeyId, byte[] Secret)
{
    public const string Prefix = "lt_";
    private const int SecretLength = 32;
    private const int PayloadLength = 16 + 16 + SecretLength;

    public static ApiKeyToken Create(Guid orgId, Guid keyId) => new(orgId, keyId, RandomNumberGenerator.GetBytes(SecretLength));

    public override string ToString()
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        OrgId.TryWriteBytes(payload[..16], bigEndian: true, out _);
        KeyId.TryWriteBytes(payload[16..32], bigEndian: true, out _);
        Secret.CopyTo(payload[32..]);
        return Prefix + Base64Url.EncodeToString(payload);
    }

    public static bool TryParse(string value, out ApiKeyToken token)
    {
        token = default;
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var encoded = value.AsSpan(Prefix.Length);
        Span<byte> payload = stackalloc byte[PayloadLength + 3];
        if (!Base64Url.IsValid(encoded, out var length) || length != PayloadLength
            || Base64Url.DecodeFromChars(encoded, payload, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != PayloadLength)
        {
            return false;
        }
        token = new ApiKeyToken(new Guid(payload[..16], bigEndian: true), new Guid(payload[16..32], bigEndian: true), payload[32..PayloadLength].ToArray());
        return true;
    }

    public byte[] SecretHash() => SHA256.HashData(Secret);

    public bool Matches(ApiKey key) => key.KeyId == KeyId && key.OrgId == OrgId && CryptographicOperations.FixedTimeEquals(SecretHash(), key.SecretHash);
}
