using System.Buffers.Binary;
using Locktera.Core.Security;
using Locktera.Core.Tera;

namespace Locktera.Core.Containers;

/// <summary>
/// Binds a container's stored bytes to the record the service wrote at encode. Everything a forger
/// needs to build a well-formed container is public (the format, the org's public key), so the
/// object itself can prove only that it is self-consistent, never that this service wrote it. The
/// seal can: an HMAC under a key derived from the master key over the org id, the container id,
/// the header (the password block and the wrapped content key included) and the sealed index with
/// its offset. It is kept in the record and checked on every open before any byte of the object is
/// used (before a password is derived, before the index is opened); the index authenticates every
/// segment's place and the segments carry the header's hash, so the seal covers the whole container.
/// </summary>
public sealed class ContainerSeal(MasterKey masterKey)
{
    private const string Purpose = "container-seal/v1";
    private readonly byte[] _key = masterKey.Derive(Purpose);

    /// <summary>The seal of a container as <see cref="TeraWriter"/> wrote it.</summary>
    public string Compute(Guid orgId, Guid containerId, TeraWritten written) =>
        Convert.ToBase64String(Mac(orgId, containerId, written.HeaderHash, written.IndexOffset, written.IndexHash));

    /// <summary>The seal of a container whose header and sealed index are at hand (one written in parts: both exist before any part).</summary>
    public string Compute(Guid orgId, Guid containerId, ReadOnlySpan<byte> header, long indexOffset, ReadOnlySpan<byte> sealedIndex) =>
        Convert.ToBase64String(Mac(orgId, containerId, SHA256.HashData(header), indexOffset, SHA256.HashData(sealedIndex)));

    /// <summary>
    /// Checks the header and sealed index read from storage against the record's seal; a mismatch is
    /// a <see cref="TeraIntegrityException"/> whose message says what the stored object is instead.
    /// </summary>
    public void Verify(ContainerRecord record, ReadOnlySpan<byte> header, ReadOnlySpan<byte> sealedIndex)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var actual = Mac(record.OrgId, record.Id, SHA256.HashData(header), record.IndexOffset, SHA256.HashData(sealedIndex));
        // A seal that is not even well-formed (an edited record) fails like a wrong one.
        if (record.Seal is not { } seal || !Convert.TryFromBase64String(seal, expected, out var length) || length != expected.Length
            || !CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            throw new TeraIntegrityException(Mismatch(record, header));
        }
    }

    /// <summary>What the stored object is, if not the one sealed: for the event, so that someone can look into it.</summary>
    private static string Mismatch(ContainerRecord record, ReadOnlySpan<byte> header)
    {
        if (record.Seal is null)
        {
            return "The container record has no seal: it was not completed by this service.";
        }
        TeraHeader parsed;
        try
        {
            parsed = TeraHeader.Parse(header);
        }
        catch (TeraIntegrityException e)
        {
            return $"The stored object is not the container on record: {e.Message}";
        }
        return parsed switch
        {
            _ when parsed.OrgId != record.OrgId => "The stored object is another organization's container.",
            _ when parsed.ContainerId != record.Id => "The stored object is another container.",
            _ => "The stored object is not the one this service wrote (replaced or rolled back).",
        };
    }

    private byte[] Mac(Guid orgId, Guid containerId, ReadOnlySpan<byte> headerHash, long indexOffset, ReadOnlySpan<byte> indexHash)
    {
        Span<byte> offset = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(offset, indexOffset);
        byte[] message = [.. orgId.ToByteArray(bigEndian: true), .. containerId.ToByteArray(bigEndian: true), .. headerHash, .. offset, .. indexHash];
        return HMACSHA256.HashData(_key, message);
    }
}
