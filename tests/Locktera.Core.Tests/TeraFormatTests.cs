using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Locktera.Core.Tera;

namespace Locktera.Core.Tests;

/// <summary>The .tera format of docs/tera-format.md: round trips, ranges, passwords and every kind of tampering.</summary>
public class TeraFormatTests
{
    private const int Segment = TeraHeader.MinSegmentSize;
    private static readonly (byte[] Public, byte[] Private) OrgKey = HybridKem.Generate();
    private static readonly Guid OrgKeyId = Guid.CreateVersion7();

    private static async Task<(byte[] Stored, TeraWritten Written)> Encode(IReadOnlyList<(string Name, byte[] Content)> files, string? password = null, byte[]? rules = null)
    {
        var (header, keys) = TeraHeader.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), OrgKeyId, OrgKey.Public, Segment, password, rules ?? []);
        var upload = new MemoryUpload();
        var writer = await TeraWriter.StartAsync(upload, header, keys, CancellationToken.None);
        foreach (var (name, content) in files)
        {
            await writer.AddFileAsync(name, "application/octet-stream", new TeraFileDetails(), new MemoryStream(content), long.MaxValue, CancellationToken.None);
        }
        var written = await writer.CompleteAsync("test", DateTimeOffset.UnixEpoch, CancellationToken.None);
        Assert.Equal(written.Size, upload.Bytes.Length);
        return (upload.Bytes.ToArray(), written);
    }

    /// <summary>Opens a whole stored container the way a standalone reader would: trailer, header, index, then every file.</summary>
    internal static async Task<List<byte[]>> DecodeAll(byte[] stored, string? password = null, byte[]? privateKey = null)
    {
        if (stored.Length < TeraTrailer.Size)
        {
            throw new TeraIntegrityException("too short");
        }
        var trailer = TeraTrailer.Parse(stored.AsSpan(stored.Length - TeraTrailer.Size));
        var header = TeraHeader.Parse(stored.AsSpan(0, Math.Min(trailer.HeaderLength, stored.Length)));
        var contentKey = header.UnwrapContentKey(privateKey ?? OrgKey.Private);
        var keys = header.Keys(contentKey, password);
        if (trailer.IndexOffset + trailer.IndexLength > stored.Length)
        {
            throw new TeraIntegrityException("too short");
        }
        var index = TeraIndex.Open(header, keys, stored.AsSpan((int)trailer.IndexOffset, trailer.IndexLength), trailer.IndexOffset);
        trailer.Verify(header, index, stored.Length);
        var result = new List<byte[]>();
        for (var i = 0; i < index.Files.Count; i++)
        {
            result.Add(await StoredContainer.ReadAsync(stored, header, keys, index, trailer.IndexOffset + trailer.IndexLength, i, 0, index.Files[i].Size - 1));
        }
        return result;
    }

    private static Task<byte[]> ReadRange(byte[] stored, TeraHeader header, TeraKeys keys, TeraWritten written, int fileIndex, long from, long to) =>
        StoredContainer.ReadAsync(stored, header, keys, written.Index, 0, fileIndex, from, to);

    private static byte[] Random(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Segment - 1)]
    [InlineData(Segment)]
    [InlineData(Segment + 1)]
    [InlineData(5 * Segment + 17)]
    [InlineData((3 * 1024 * 1024) + 5)] // more than the writer's chunks in flight: their buffers are reused
    public async Task Files_of_every_size_round_trip(int size)
    {
        var content = Random(size, size);
        var (stored, written) = await Encode([("f.bin", content)]);
        Assert.Equal(content, Assert.Single(await DecodeAll(stored)));
        Assert.Equal(size, written.Index.Files[0].Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), written.Index.Files[0].Sha256);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored)), written.Sha256);
#pragma warning disable CA5351 // upstream's container_digest is MD5: an identifier, not a security measure
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(stored)), written.Md5);
#pragma warning restore CA5351
    }

    [Fact]
    public async Task Several_files_binary_and_text_round_trip()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Grüße, Locktera! ", 300)));
        var files = new List<(string, byte[])> { ("a.txt", text), ("empty", []), ("b.bin", Random(3 * Segment, 3)), ("c.bin", Random(10, 4)) };
        var (stored, written) = await Encode(files);
        Assert.Equal(files.Select(f => f.Item2), await DecodeAll(stored));
        Assert.Equal(["a.txt", "empty", "b.bin", "c.bin"], written.Index.Files.Select(f => f.Name));
    }

    /// <summary>The digests are computed beside the writer, chunk by chunk: an index larger than a chunk is hashed whole, in order.</summary>
    [Fact]
    public async Task The_digests_are_those_of_the_bytes_written_when_the_index_spans_chunks()
    {
        var files = Enumerable.Range(0, 3000).Select(i => ($"file-with-a-rather-long-name-{i:D5}.bin", Random(i % 7, i))).Append(("big", Random(2 * 1024 * 1024, 1))).ToList();
        var (stored, written) = await Encode(files);
        Assert.True(written.IndexLength > 256 * 1024, "the index spans several chunks");
        Assert.Equal(files.Select(f => f.Item2), await DecodeAll(stored));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored)), written.Sha256);
#pragma warning disable CA5351 // upstream's container_digest is MD5: an identifier, not a security measure
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(stored)), written.Md5);
#pragma warning restore CA5351
    }

    [Fact]
    public async Task Random_ranges_decrypt_exactly_the_requested_bytes()
    {
        var content = Random(7 * Segment + 123, 42);
        var (stored, written) = await Encode([("x", new byte[5]), ("f", content)]);
        var header = TeraHeader.Parse(stored);
        var keys = header.Keys(header.UnwrapContentKey(OrgKey.Private), null);
        var file = written.Index.Files[1];
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var from = random.NextInt64(content.Length);
            var to = random.Next(4) == 0 ? from : random.NextInt64(from, content.Length);
            var (_, length) = TeraRun.Of(header, written.Index, 0, 1).StoredRange(from, to);
            Assert.True(length <= (((to / Segment) - (from / Segment)) + 1) * (Segment + 16), "reads only the touched segments");
            Assert.Equal(content.AsSpan((int)from, (int)(to - from + 1)).ToArray(), await ReadRange(stored, header, keys, written, 1, from, to));
        }
    }

    /// <summary>
    /// The reader goes batch by batch: the first segment alone, then <see cref="TeraReader.BatchBytes"/>
    /// at a time. Ranges that start, end or cross anywhere in a file of several batches.
    /// </summary>
    [Fact]
    public async Task Ranges_across_the_readers_batches_decrypt_exactly_the_requested_bytes()
    {
        var batch = TeraReader.BatchSegments(Segment) * Segment;
        var content = Random((2 * batch) + (3 * Segment) + 7, 7);
        var (stored, written) = await Encode([("f", content)]);
        var header = TeraHeader.Parse(stored);
        var keys = header.Keys(header.UnwrapContentKey(OrgKey.Private), null);
        long[] edges = [0, 1, Segment - 1, Segment, Segment + 1, batch - Segment, batch - 1, batch, batch + 1, Segment + batch - 1, Segment + batch, Segment + batch + 1,
            (2 * batch) - 1, 2 * batch, Segment + (2 * batch) - 1, Segment + (2 * batch), content.Length - 1];
        var ranges = edges.SelectMany(from => edges.Where(to => to >= from).Select(to => (from, to)))
            .Concat(Enumerable.Range(0, 20).Select(seed => new Random(seed)).Select(r => r.NextInt64(content.Length)).Select(from => (from, to: Math.Min(content.Length - 1, from + (batch / 2)))));
        foreach (var (from, to) in ranges)
        {
            Assert.Equal(content.AsSpan((int)from, (int)(to - from + 1)).ToArray(), await ReadRange(stored, header, keys, written, 0, from, to));
        }
    }

    /// <summary>A damaged segment in a later batch: what came before it is written, nothing of its own batch is.</summary>
    [Fact]
    public async Task No_byte_of_a_batch_is_written_before_all_its_segments_are_authenticated()
    {
        var batchSegments = TeraReader.BatchSegments(Segment);
        var content = Random(((2 * batchSegments) + 1) * Segment + 5, 8);
        var (stored, written) = await Encode([("f", content)]);
        var header = TeraHeader.Parse(stored);
        var keys = header.Keys(header.UnwrapContentKey(OrgKey.Private), null);
        // The last segment of the third batch: the first is segment 0 alone, the second segments 1 to batchSegments.
        var damaged = (byte[])stored.Clone();
        damaged[written.Index.Files[0].Offset + (2L * batchSegments * (Segment + 16)) + 3] ^= 1;
        var run = TeraRun.Of(header, written.Index, 0, 0);
        var (a, b) = run.Of(written.Index.Files[0], 0, content.Length - 1);
        var (offset, length) = run.StoredRange(a, b);
        await using var reader = await TeraReader.StartAsync(header, keys, run, new MemoryStream(damaged, (int)offset, (int)length), a, b, CancellationToken.None);
        var output = new MemoryStream();
        await Assert.ThrowsAsync<TeraIntegrityException>(() => reader.CopyToAsync(PipeWriter.Create(output), CancellationToken.None));
        Assert.Equal(content.AsSpan(0, (batchSegments + 1) * Segment).ToArray(), output.ToArray());
    }

    [Fact]
    public async Task A_password_is_needed_and_checked()
    {
        var content = Random(2 * Segment, 9);
        var (stored, _) = await Encode([("f", content)], password: "correct horse battery staple");
        Assert.Equal(content, Assert.Single(await DecodeAll(stored, "correct horse battery staple")));
        Assert.True((await Assert.ThrowsAsync<TeraPasswordException>(() => DecodeAll(stored))).Missing);
        Assert.False((await Assert.ThrowsAsync<TeraPasswordException>(() => DecodeAll(stored, "wrong"))).Missing);
    }

    [Fact]
    public async Task Rules_are_sealed_and_returned_intact_without_the_password()
    {
        var rules = Encoding.UTF8.GetBytes("{\"recipients\":[\"*@example.com\"],\"opens\":3}");
        var (stored, _) = await Encode([("f", [1, 2, 3])], password: "pw", rules: rules);
        var header = TeraHeader.Parse(stored);
        Assert.True(header.HasRules);
        Assert.Equal(rules, header.OpenRules(header.UnwrapContentKey(OrgKey.Private)));
        Assert.Equal(-1, stored.AsSpan().IndexOf("recipients"u8));
    }

    [Fact]
    public async Task No_plaintext_appears_in_the_stored_bytes()
    {
        var marker = Encoding.ASCII.GetBytes("PLAINTEXT-MARKER-0123456789");
        var content = Enumerable.Repeat(marker, 200).SelectMany(m => m).ToArray();
        var (stored, _) = await Encode([("secret-name.txt", content)], password: "pw");
        Assert.Equal(-1, stored.AsSpan().IndexOf(marker.AsSpan(0, 12)));
        Assert.Equal(-1, stored.AsSpan().IndexOf("secret-name"u8));
    }

    [Fact]
    public async Task Another_orgs_key_cannot_open_a_container()
    {
        var (stored, _) = await Encode([("f", [1])]);
        await Assert.ThrowsAsync<TeraIntegrityException>(() => DecodeAll(stored, privateKey: HybridKem.Generate().PrivateKey));
    }

    [Fact]
    public async Task Flipping_any_single_bit_anywhere_is_detected()
    {
        var (stored, _) = await Encode([("a", Random(Segment + 3, 1)), ("b", Random(2, 2))], rules: [1, 2, 3]);
        var undetected = await StoredContainer.UndetectedFlipsAsync(stored, Fails);
        Assert.True(undetected.Count == 0, $"undetected flips at {string.Join(",", undetected.Take(40))} of {stored.Length}");
    }

    [Fact]
    public async Task Reordered_swapped_truncated_and_extended_containers_are_detected()
    {
        var (stored, written) = await Encode([("a", Random(3 * Segment, 1)), ("b", Random(3 * Segment, 2))]);
        var a = written.Index.Files[0];
        var b = written.Index.Files[1];
        var sealedSegment = Segment + 16;

        // Two segments of one file change places.
        var reordered = (byte[])stored.Clone();
        stored.AsSpan((int)a.Offset, sealedSegment).CopyTo(reordered.AsSpan((int)a.Offset + sealedSegment));
        stored.AsSpan((int)a.Offset + sealedSegment, sealedSegment).CopyTo(reordered.AsSpan((int)a.Offset));
        Assert.True(await Fails(reordered));

        // The first segments of two files change places.
        var swapped = (byte[])stored.Clone();
        stored.AsSpan((int)a.Offset, sealedSegment).CopyTo(swapped.AsSpan((int)b.Offset));
        stored.AsSpan((int)b.Offset, sealedSegment).CopyTo(swapped.AsSpan((int)a.Offset));
        Assert.True(await Fails(swapped));

        // Cut short anywhere, or extended at the end.
        foreach (var cut in new[] { 1, TeraTrailer.Size, written.IndexLength + TeraTrailer.Size, (int)(stored.Length - b.Offset) })
        {
            Assert.True(await Fails(stored[..^cut]), $"cut {cut}");
        }
        Assert.True(await Fails([.. stored, 0]));
        Assert.True(await Fails([.. stored, .. stored.AsSpan((int)b.Offset, sealedSegment)]));

        // A file's last segment presented as if the file ended one segment earlier.
        var header = TeraHeader.Parse(stored);
        var keys = header.Keys(header.UnwrapContentKey(OrgKey.Private), null);
        var shorter = a with { Size = 2 * Segment };
        var index = written.Index with { Files = [shorter, b] };
        await Assert.ThrowsAsync<TeraIntegrityException>(() => StoredContainer.ReadAsync(stored, header, keys, index, 0, 0, 0, shorter.Size - 1));
    }

    private static async Task<bool> Fails(byte[] stored)
    {
        try
        {
            await DecodeAll(stored);
            return false;
        }
        catch (Exception e) when (e is TeraIntegrityException or TeraPasswordException)
        {
            return true;
        }
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused()
    {
        var (header, keys) = TeraHeader.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), OrgKeyId, OrgKey.Public, Segment, null, []);
        var writer = await TeraWriter.StartAsync(new MemoryUpload(), header, keys, CancellationToken.None);
        var e = await Assert.ThrowsAsync<LockteraException>(() =>
            writer.AddFileAsync("big", "x", new TeraFileDetails(), new MemoryStream(new byte[3 * Segment]), 2 * Segment, CancellationToken.None));
        Assert.Equal(ErrorCode.ContainerTooLarge, e.Code);
    }
}
