using System.Buffers.Binary;

namespace Locktera.Core.Tera;

/// <summary>
/// The header of a version-1 container (docs/tera-format.md): identity, key material for the org's
/// key pair, password parameters and the sealed static rules. Parsing never trusts a length it has
/// not checked against the bytes at hand.
/// </summary>
public sealed class TeraHeader
{
    /// <summary>Version 1: each file its own run of segments, the index at the end (one request writes it in order).</summary>
    public const byte Version = 1;

    /// <summary>
    /// Version 2: all files one stream of segments, the index right after the header, so that every
    /// part of an upload session can be sealed and stored on its own, in any order (docs/tera-format.md).
    /// </summary>
    public const byte StreamVersion = 2;
    public const int DefaultSegmentSize = 64 * 1024;
    public const int MinSegmentSize = 1024;
    public const int MaxSegmentSize = 16 * 1024 * 1024;
    private static readonly byte[] Magic = "LTERA"u8.ToArray();

    private int _wrapAadEnd;
    private int _rulesAadEnd;

    private TeraHeader(byte[] bytes) => Bytes = bytes;

    /// <summary>The encoded header, exactly as stored at the start of the container.</summary>
    public byte[] Bytes { get; }

    /// <summary>SHA-256 of the header: part of every later ciphertext's associated data.</summary>
    public byte[] Hash { get; private set; } = [];

    /// <summary><see cref="Version"/> or <see cref="StreamVersion"/>: where the files' segments and the index lie.</summary>
    public byte FormatVersion { get; private set; }

    public Guid ContainerId { get; private set; }

    public Guid OrgId { get; private set; }

    public Guid OrgKeyId { get; private set; }

    public int SegmentSize { get; private set; }

    public PasswordParameters? Password { get; private set; }

    private byte[] MlKemCiphertext { get; set; } = [];

    private byte[] EphemeralPublicKey { get; set; } = [];

    private byte[] WrappedContentKey { get; set; } = [];

    private byte[] PasswordCheck { get; set; } = [];

    private byte[] SealedRules { get; set; } = [];

    public bool HasRules => SealedRules.Length > 0;

    /// <summary>
    /// Makes the header of a new container: a fresh content key, wrapped for the org's hybrid public
    /// key, the container keys (needing <paramref name="password"/> when one is given) and the sealed rules.
    /// </summary>
    public static (TeraHeader Header, TeraKeys Keys) Create(
        Guid containerId, Guid orgId, Guid orgKeyId, ReadOnlySpan<byte> orgPublicKey, int segmentSize, string? password, ReadOnlySpan<byte> rules, byte version = Version)
    {
        if (segmentSize is < MinSegmentSize or > MaxSegmentSize)
        {
            throw new ArgumentOutOfRangeException(nameof(segmentSize));
        }
        if (version is not (Version or StreamVersion))
        {
            throw new ArgumentOutOfRangeException(nameof(version));
        }
        var contentKey = RandomNumberGenerator.GetBytes(32);
        var passwordParameters = password is null ? null : PasswordParameters.CreateDefault();
        var keys = TeraKeys.Derive(contentKey, passwordParameters?.Derive(password!) ?? [], containerId);
        var encapsulation = HybridKem.Encapsulate(orgPublicKey);
        var kek = TeraKeys.KeyEncryptionKey(encapsulation.SharedSecret, containerId, orgKeyId, encapsulation.MlKemCiphertext, encapsulation.EphemeralPublicKey);

        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        buffer.WriteByte(version);
        buffer.Write(containerId.ToByteArray(bigEndian: true));
        buffer.Write(orgId.ToByteArray(bigEndian: true));
        buffer.Write(orgKeyId.ToByteArray(bigEndian: true));
        WriteInt32(buffer, segmentSize);
        buffer.WriteByte(passwordParameters is null ? (byte)0 : (byte)1);
        WriteBlock16(buffer, encapsulation.MlKemCiphertext);
        WriteBlock16(buffer, encapsulation.EphemeralPublicKey);
        buffer.Write(Aead.Seal(kek, contentKey, SHA256.HashData(buffer.ToArray())));
        if (passwordParameters is not null)
        {
            buffer.Write(passwordParameters.Salt);
            WriteInt32(buffer, passwordParameters.MemoryKib);
            WriteInt32(buffer, passwordParameters.Iterations);
            WriteInt32(buffer, passwordParameters.Parallelism);
            buffer.Write(keys.PasswordCheck);
        }
        var sealedRules = rules.IsEmpty ? [] : Aead.Seal(TeraKeys.RulesKey(contentKey), rules, SHA256.HashData(buffer.ToArray()));
        WriteInt32(buffer, sealedRules.Length);
        buffer.Write(sealedRules);
        return (Parse(buffer.ToArray()), keys);
    }

    /// <summary>Reads a header from the start of <paramref name="bytes"/> (which may run on past it).</summary>
    public static TeraHeader Parse(ReadOnlySpan<byte> bytes)
    {
        var reader = new SpanReader(bytes);
        if (!reader.Take(Magic.Length).SequenceEqual(Magic))
        {
            throw new TeraIntegrityException("Not a .tera container.");
        }
        var version = reader.Take(1)[0];
        if (version is not (Version or StreamVersion))
        {
            throw new TeraIntegrityException("Unknown .tera format version.");
        }
        var containerId = new Guid(reader.Take(16), bigEndian: true);
        var orgId = new Guid(reader.Take(16), bigEndian: true);
        var orgKeyId = new Guid(reader.Take(16), bigEndian: true);
        var segmentSize = reader.Int32();
        var flags = reader.Take(1)[0];
        if (segmentSize is < MinSegmentSize or > MaxSegmentSize || (flags & ~1) != 0)
        {
            throw new TeraIntegrityException("The container header is malformed.");
        }
        var mlKemCiphertext = reader.Block16().ToArray();
        var ephemeral = reader.Block16().ToArray();
        var wrapAadEnd = reader.Position;
        var wrapped = reader.Take(32 + Aead.TagSize).ToArray();
        PasswordParameters? password = null;
        byte[] check = [];
        if ((flags & 1) != 0)
        {
            password = new PasswordParameters(reader.Take(16).ToArray(), reader.Int32(), reader.Int32(), reader.Int32());
            check = reader.Take(16).ToArray();
            if (!password.IsSane)
            {
                throw new TeraIntegrityException("The container header is malformed.");
            }
        }
        var rulesAadEnd = reader.Position;
        var rulesLength = reader.Int32();
        var sealedRules = reader.Take(rulesLength).ToArray();
        var raw = bytes[..reader.Position].ToArray();
        return new TeraHeader(raw)
        {
            Hash = SHA256.HashData(raw),
            FormatVersion = version,
            ContainerId = containerId,
            OrgId = orgId,
            OrgKeyId = orgKeyId,
            SegmentSize = segmentSize,
            Password = password,
            MlKemCiphertext = mlKemCiphertext,
            EphemeralPublicKey = ephemeral,
            WrappedContentKey = wrapped,
            PasswordCheck = check,
            SealedRules = sealedRules,
            _wrapAadEnd = wrapAadEnd,
            _rulesAadEnd = rulesAadEnd,
        };
    }

    /// <summary>Recovers the content key with the org's hybrid private key.</summary>
    public byte[] UnwrapContentKey(ReadOnlySpan<byte> orgPrivateKey)
    {
        byte[] secret;
        try
        {
            secret = HybridKem.Decapsulate(orgPrivateKey, MlKemCiphertext, EphemeralPublicKey);
        }
        catch (CryptographicException)
        {
            throw new TeraIntegrityException("The container's key material is malformed.");
        }
        var kek = TeraKeys.KeyEncryptionKey(secret, ContainerId, OrgKeyId, MlKemCiphertext, EphemeralPublicKey);
        return Aead.Open(kek, WrappedContentKey, SHA256.HashData(Bytes.AsSpan(0, _wrapAadEnd)), "content key");
    }

    /// <summary>The container keys; for a protected container only with the right password.</summary>
    public TeraKeys Keys(ReadOnlySpan<byte> contentKey, string? password)
    {
        if (Password is null)
        {
            return TeraKeys.Derive(contentKey, [], ContainerId);
        }
        if (string.IsNullOrEmpty(password))
        {
            throw new TeraPasswordException(missing: true);
        }
        var keys = TeraKeys.Derive(contentKey, Password.Derive(password), ContainerId);
        return CryptographicOperations.FixedTimeEquals(keys.PasswordCheck, PasswordCheck) ? keys : throw new TeraPasswordException(missing: false);
    }

    /// <summary>The static rules sealed at encode (empty when there are none).</summary>
    public byte[] OpenRules(ReadOnlySpan<byte> contentKey) =>
        HasRules ? Aead.Open(TeraKeys.RulesKey(contentKey), SealedRules, SHA256.HashData(Bytes.AsSpan(0, _rulesAadEnd)), "rule set") : [];

    private static void WriteInt32(Stream stream, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteBlock16(Stream stream, byte[] value)
    {
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)value.Length));
        stream.Write(length);
        stream.Write(value);
    }

    /// <summary>Bounds-checked reading: a short or lying header is an integrity error, never an exception of another kind.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public int Position { get; private set; }

        public ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > _bytes.Length - Position)
            {
                throw new TeraIntegrityException("The container header is truncated or malformed.");
            }
            var slice = _bytes.Slice(Position, count);
            Position += count;
            return slice;
        }

        public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public ReadOnlySpan<byte> Block16() => Take(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
    }
}
