namespace Locktera.Core.Tera;

/// <summary>AES-256-GCM with 16-byte tags appended to the ciphertext; authentication failures become integrity errors.</summary>
internal static class Aead
{
    public const int TagSize = 16;
    public const int NonceSize = 12;

    public static void Seal(byte[] key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> output, ReadOnlySpan<byte> associatedData)
    {
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, TagSize), associatedData);
    }

    public static byte[] Seal(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[plaintext.Length + TagSize];
        Seal(key, stackalloc byte[NonceSize], plaintext, output, associatedData);
        return output;
    }

    public static void Open(byte[] key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedValue, Span<byte> output, ReadOnlySpan<byte> associatedData, string what)
    {
        if (sealedValue.Length < TagSize)
        {
            throw new TeraIntegrityException($"The {what} is truncated.");
        }
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(nonce, sealedValue[..^TagSize], sealedValue[^TagSize..], output[..(sealedValue.Length - TagSize)], associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            output.Clear();
            throw new TeraIntegrityException($"The {what} failed authentication.");
        }
    }

    /// <summary>For values sealed once under a single-use key: the nonce is zero.</summary>
    public static byte[] Open(byte[] key, ReadOnlySpan<byte> sealedValue, ReadOnlySpan<byte> associatedData, string what)
    {
        var output = new byte[Math.Max(0, sealedValue.Length - TagSize)];
        Open(key, stackalloc byte[NonceSize], sealedValue, output, associatedData, what);
        return output;
    }
}
