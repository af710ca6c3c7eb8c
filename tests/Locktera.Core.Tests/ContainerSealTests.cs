using System.Buffers.Binary;
using Locktera.Core.Containers;
using Locktera.Core.Security;
using Locktera.Core.Tera;

namespace Locktera.Core.Tests;

/// <summary>The seal that binds stored bytes to their record, and the header's refusal of costs the service never writes.</summary>
public class ContainerSealTests
{
    private static readonly Guid OrgId = Guid.CreateVersion7();
    private static readonly (byte[] Public, byte[] Private) OrgKey = HybridKem.Generate();

    private static MasterKey Key(byte fill = 7) =>
        new(Options.Create(new LockteraOptions { MasterKey = Convert.ToBase64String(Enumerable.Repeat(fill, 32).ToArray()) }));

    /// <summary>A written container's header, sealed index and record (with its seal).</summary>
    private static async Task<(byte[] Header, byte[] Index, ContainerRecord Record)> WrittenAsync(ContainerSeal seal, string? password = null)
    {
        var id = Guid.CreateVersion7();
        var (header, keys) = TeraHeader.Create(id, OrgId, Guid.CreateVersion7(), OrgKey.Public, TeraHeader.MinSegmentSize, password, []);
        var writer = await TeraWriter.StartAsync(new MemoryUpload(), header, keys, CancellationToken.None);
        await writer.AddFileAsync("f", "text/plain", new TeraFileDetails(), new MemoryStream([1, 2, 3]), long.MaxValue, CancellationToken.None);
        var written = await writer.CompleteAsync("c", DateTimeOffset.UnixEpoch, CancellationToken.None);
        var index = written.Index.Seal(header, keys, written.IndexOffset);
        var record = new ContainerRecord
        {
            Id = id, OrgId = OrgId, Name = "c", Status = ContainerStatus.Active, CreatedAt = DateTimeOffset.UnixEpoch, CreatedBy = "test",
            StorageId = "platform", ObjectKey = $"{OrgId}/{id}.tera", HeaderLength = written.HeaderLength, IndexOffset = written.IndexOffset,
            IndexLength = written.IndexLength, Seal = seal.Compute(OrgId, id, written),
        };
        return (header.Bytes, index, record);
    }

    [Fact]
    public async Task The_bytes_as_written_pass_and_any_changed_bit_of_header_or_index_fails()
    {
        var seal = new ContainerSeal(Key());
        var (header, index, record) = await WrittenAsync(seal, password: "pw");
        seal.Verify(record, header, index);
        for (var i = 0; i < header.Length; i++)
        {
            var changed = (byte[])header.Clone();
            changed[i] ^= (byte)(1 << (i % 8));
            Assert.Throws<TeraIntegrityException>(() => seal.Verify(record, changed, index));
        }
        for (var i = 0; i < index.Length; i++)
        {
            var changed = (byte[])index.Clone();
            changed[i] ^= 1;
            Assert.Throws<TeraIntegrityException>(() => seal.Verify(record, header, changed));
        }
    }

    [Fact]
    public async Task A_seal_holds_only_for_its_record_and_its_master_key()
    {
        var seal = new ContainerSeal(Key());
        var (header, index, record) = await WrittenAsync(seal);
        var (otherHeader, otherIndex, other) = await WrittenAsync(seal);

        Assert.Contains("another container", Assert.Throws<TeraIntegrityException>(() => seal.Verify(record, otherHeader, otherIndex)).Message, StringComparison.Ordinal);
        Assert.Throws<TeraIntegrityException>(() => seal.Verify(record with { Seal = other.Seal }, header, index));
        Assert.Throws<TeraIntegrityException>(() => seal.Verify(record with { IndexOffset = record.IndexOffset + 1 }, header, index));
        Assert.Throws<TeraIntegrityException>(() => new ContainerSeal(Key(8)).Verify(record, header, index));
        Assert.Contains("another organization", Assert.Throws<TeraIntegrityException>(
            () => seal.Verify(record with { OrgId = Guid.CreateVersion7() }, header, index)).Message, StringComparison.Ordinal);
        foreach (var broken in new string?[] { null, "", "not base64!", Convert.ToBase64String(new byte[31]), Convert.ToBase64String(new byte[64]) })
        {
            Assert.Throws<TeraIntegrityException>(() => seal.Verify(record with { Seal = broken }, header, index));
        }
    }

    /// <summary>Memory (KiB), passes and lanes; the service writes 19 MiB, 2, 1.</summary>
    public static TheoryData<int, int, int> Costs => new()
    {
        { (19 * 1024) + 1, 2, 1 },
        { 1024 * 1024, 2, 1 },
        { 4 * 1024, 2, 1 },
        { 19 * 1024, 3, 1 },
        { 19 * 1024, 10, 1 },
        { 19 * 1024, 0, 1 },
        { 19 * 1024, 2, 2 },
        { 19 * 1024, 2, 8 },
    };

    [Theory]
    [MemberData(nameof(Costs))]
    public async Task Argon2_costs_beyond_what_the_service_writes_are_refused_before_any_derivation(int memoryKib, int iterations, int parallelism)
    {
        var (header, _, _) = await WrittenAsync(new ContainerSeal(Key()), password: "pw");
        var parsed = TeraHeader.Parse(header);
        var salt = header.AsSpan().IndexOf(parsed.Password!.Salt);
        var costs = header.AsSpan(salt + 16);
        BinaryPrimitives.WriteInt32BigEndian(costs, memoryKib);
        BinaryPrimitives.WriteInt32BigEndian(costs[4..], iterations);
        BinaryPrimitives.WriteInt32BigEndian(costs[8..], parallelism);
        Assert.Throws<TeraIntegrityException>(() => TeraHeader.Parse(header));
    }
}
