extern alias BouncyCastle;
using BouncyCastle::Org.BouncyCastle.Crypto.Generators;
using BouncyCastle::Org.BouncyCastle.Crypto.Kems;
using BouncyCastle::Org.BouncyCastle.Crypto.Parameters;
using BouncyCastle::Org.BouncyCastle.Security;

namespace Locktera.Core.Tera;

/// <summary>The result of encapsulating to a hybrid public key: what the header stores, and the shared secret.</summary>
public sealed record HybridEncapsulation(byte[] MlKemCiphertext, byte[] EphemeralPublicKey, byte[] SharedSecret);

/// <summary>
/// A hybrid key encapsulation: ML-KEM-768 (post-quantum, BouncyCastle) alongside ECDH on P-256
/// (classical, the platform's crypto). The shared secret is both secrets concatenated; callers feed
/// it to HKDF, so the result stays secret unless both schemes are broken.
/// Public key = ML-KEM public key (1184 bytes) ‖ P-256 point (65 bytes, uncompressed).
/// Private key = ML-KEM seed (64 bytes) ‖ P-256 key as PKCS#8.
/// </summary>
public static class HybridKem
{
    public const string Algorithm = "ML-KEM-768+ECDH-P256";
    public const int MlKemPublicKeyLength = 1184;
    public const int MlKemCiphertextLength = 1088;
    public const int EcPointLength = 65;
    public const int PublicKeyLength = MlKemPublicKeyLength + EcPointLength;
    private const int MlKemSeedLength = 64;

    private static readonly MLKemParameters MlKem = MLKemParameters.ml_kem_768;

    public static (byte[] PublicKey, byte[] PrivateKey) Generate()
    {
        var generator = new MLKemKeyPairGenerator();
        generator.Init(new MLKemKeyGenerationParameters(new SecureRandom(), MlKem));
        var pair = generator.GenerateKeyPair();
        var mlKemPublic = ((MLKemPublicKeyParameters)pair.Public).GetEncoded();
        var mlKemSeed = ((MLKemPrivateKeyParameters)pair.Private).GetSeed();

        using var ec = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return ([.. mlKemPublic, .. Point(ec.ExportParameters(false).Q)], [.. mlKemSeed, .. ec.ExportPkcs8PrivateKey()]);
    }

    public static HybridEncapsulation Encapsulate(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyLength)
        {
            throw new CryptographicException("Not a hybrid public key.");
        }
        var encapsulator = new MLKemEncapsulator(MlKem);
        encapsulator.Init(new ParametersWithRandom(MLKemPublicKeyParameters.FromEncoding(MlKem, publicKey[..MlKemPublicKeyLength].ToArray()), new SecureRandom()));
        var ciphertext = new byte[encapsulator.EncapsulationLength];
        var mlKemSecret = new byte[encapsulator.SecretLength];
        encapsulator.Encapsulate(ciphertext, mlKemSecret);

        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var orgEc = PublicEc(publicKey[MlKemPublicKeyLength..]);
        var ecSecret = ephemeral.DeriveRawSecretAgreement(orgEc.PublicKey);
        return new HybridEncapsulation(ciphertext, Point(ephemeral.ExportParameters(false).Q), [.. mlKemSecret, .. ecSecret]);
    }

    public static byte[] Decapsulate(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> mlKemCiphertext, ReadOnlySpan<byte> ephemeralPublicKey)
    {
        if (privateKey.Length <= MlKemSeedLength || mlKemCiphertext.Length != MlKemCiphertextLength)
        {
            throw new CryptographicException("Malformed hybrid key material.");
        }
        var decapsulator = new MLKemDecapsulator(MlKem);
        decapsulator.Init(MLKemPrivateKeyParameters.FromSeed(MlKem, privateKey[..MlKemSeedLength].ToArray()));
        var mlKemSecret = new byte[decapsulator.SecretLength];
        decapsulator.Decapsulate(mlKemCiphertext, mlKemSecret);

        using var orgEc = ECDiffieHellman.Create();
        orgEc.ImportPkcs8PrivateKey(privateKey[MlKemSeedLength..], out _);
        using var ephemeral = PublicEc(ephemeralPublicKey);
        return [.. mlKemSecret, .. orgEc.DeriveRawSecretAgreement(ephemeral.PublicKey)];
    }

    private static byte[] Point(ECPoint q) => [0x04, .. q.X!, .. q.Y!];

    private static ECDiffieHellman PublicEc(ReadOnlySpan<byte> point)
    {
        if (point.Length != EcPointLength || point[0] != 0x04)
        {
            throw new CryptographicException("Not an uncompressed P-256 point.");
        }
        return ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33].ToArray(), Y = point[33..].ToArray() },
        });
    }
}
