using System.Text;
using Konscious.Security.Cryptography;

namespace Locktera.Core.Tera;

/// <summary>Argon2id cost parameters, stored in the header so that later containers can raise them.</summary>
public sealed record PasswordParameters(byte[] Salt, int MemoryKib, int Iterations, int Parallelism)
{
    /// <summary>OWASP's minimum for Argon2id (19 MiB, 2 passes): about a quarter second here per derivation.</summary>
    private const int WrittenMemoryKib = 19 * 1024;
    private const int WrittenIterations = 2;
    private const int WrittenParallelism = 1;

    public static PasswordParameters CreateDefault() => new(RandomNumberGenerator.GetBytes(16), WrittenMemoryKib, WrittenIterations, WrittenParallelism);

    /// <summary>
    /// Nothing costlier than what this service writes is ever derived: a header asking for more memory,
    /// passes or lanes was not written here, and deriving it would hand whoever wrote it a cheap
    /// CPU and memory bomb. A later version that raises the costs raises these bounds with them.
    /// </summary>
    public bool IsSane => Salt.Length == 16 && MemoryKib is >= 8 * 1024 and <= WrittenMemoryKib
        && Iterations is >= 1 and <= WrittenIterations && Parallelism is >= 1 and <= WrittenParallelism;

    public byte[] Derive(string password)
    {
        using var argon = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = Salt,
            MemorySize = MemoryKib,
            Iterations = Iterations,
            DegreeOfParallelism = Parallelism,
        };
        return argon.GetBytes(32);
    }
}

/// <summary>The keys of one container, derived as docs/tera-format.md describes.</summary>
public sealed class TeraKeys
{
    private const string Prefix = "locktera/tera/v1/";

    private TeraKeys(byte[] segmentKey, byte[] indexKey, byte[] passwordCheck)
    {
        SegmentKey = segmentKey;
        IndexKey = indexKey;
        PasswordCheck = passwordCheck;
    }

    public byte[] SegmentKey { get; }

    public byte[] IndexKey { get; }

    public byte[] PasswordCheck { get; }

    /// <summary>From the content key and, for a protected container, the Argon2id password key.</summary>
    /// <summary>The keys a writer of parts keeps between its requests (an upload session): those of the segments and the index.</summary>
    public static TeraKeys Restore(byte[] segmentKey, byte[] indexKey) => new(segmentKey, indexKey, []);

    public static TeraKeys Derive(ReadOnlySpan<byte> contentKey, ReadOnlySpan<byte> passwordKey, Guid containerId)
    {
        var fileKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, [.. contentKey, .. passwordKey], 32, containerId.ToByteArray(bigEndian: true), Info("content"));
        return new TeraKeys(Sub(fileKey, "segments"), Sub(fileKey, "index"), Sub(fileKey, "password-check")[..16]);
    }

    /// <summary>The rules key depends on the content key only: rules are checked before a password is asked for.</summary>
    public static byte[] RulesKey(ReadOnlySpan<byte> contentKey) => Sub(contentKey, "rules");

    public static byte[] KeyEncryptionKey(ReadOnlySpan<byte> sharedSecret, Guid containerId, Guid orgKeyId, ReadOnlySpan<byte> mlKemCiphertext, ReadOnlySpan<byte> ephemeralPublicKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret.ToArray(), 32, containerId.ToByteArray(bigEndian: true),
            [.. Info("kek"), .. orgKeyId.ToByteArray(bigEndian: true), .. mlKemCiphertext, .. ephemeralPublicKey]);

    private static byte[] Sub(ReadOnlySpan<byte> key, string purpose) =>
        HKDF.Expand(HashAlgorithmName.SHA256, key.ToArray(), 32, Info(purpose));

    private static byte[] Info(string purpose) => Encoding.UTF8.GetBytes(Prefix + purpose);
}
