using System.Text;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Security;

/// <summary>
/// The service master key (<c>Locktera__MasterKey</c>, 32 random bytes in base64). It is never used
/// directly: each purpose gets its own key derived with HKDF-SHA256, so a key of one purpose
/// reveals nothing about another.
/// </summary>
public sealed class MasterKey(IOptions<LockteraOptions> options)
{
    private readonly byte[] _key = Convert.FromBase64String(options.Value.MasterKey);

    public byte[] Derive(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, salt: [], info: Encoding.UTF8.GetBytes("locktera/" + purpose));
}

/// <summary>
/// Authenticated encryption of small secrets at rest (org private keys, storage credentials):
/// AES-256-GCM under a key derived from the master key for one purpose. The associated data binds
/// a sealed value to where it belongs (say, an org id), so it cannot be moved to another record.
/// Layout: version byte (1) ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag.
/// </summary>
public sealed class SecretBox(MasterKey masterKey, string purpose)
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key = masterKey.Derive("secretbox/" + purpose);

    public byte[] Seal(ReadOnlySpan<byte> plaintext, string associatedData)
    {
        var sealedValue = new byte[1 + NonceSize + plaintext.Length + TagSize];
        sealedValue[0] = Version;
        var nonce = sealedValue.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(1 + NonceSize, plaintext.Length), sealedValue.AsSpan(^TagSize), Encoding.UTF8.GetBytes(associatedData));
        return sealedValue;
    }

    /// <summary>Opens a sealed value; throws <see cref="CryptographicException"/> if it was altered, moved or sealed under another key.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedValue, string associatedData)
    {
        if (sealedValue.Length < 1 + NonceSize + TagSize || sealedValue[0] != Version)
        {
            throw new CryptographicException("Not a sealed value of a known version.");
        }
        var plaintext = new byte[sealedValue.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedValue.Slice(1, NonceSize), sealedValue.Slice(1 + NonceSize, plaintext.Length), sealedValue[^TagSize..], plaintext, Encoding.UTF8.GetBytes(associatedData));
        return plaintext;
    }
}
