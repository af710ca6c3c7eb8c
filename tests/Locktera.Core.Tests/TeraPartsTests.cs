using Locktera.Core.Tera;

namespace Locktera.Core.Tests;

/// <summary>Version 2: a container sealed part by part, in any order, reads back as one; any change of a part is caught.</summary>
public class TeraPartsTests
{
    private const int Segment = TeraHeader.MinSegmentSize;
    private const int PartSize = Segment;
    private static readonly (byte[] Public, byte[] Private) OrgKey = HybridKem.Generate();

    private static byte[] Random(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static readonly (string Name, byte[] Content)[] Files =
    [
        ("a.bin", Random((3 * Segment) + 17, 1)),
        ("empty", []),
        ("b.txt", Random(1, 2)),
        ("c.bin", Random((2 * Segment) + (Segment / 2), 3)),
    ];

    /// <summary>The container's parts, sealed one by one in the given order, and the whole object they make in number order.</summary>
    private static (byte[] Stored, TeraParts Parts, byte[][] Sealed) Build((string Name, byte[] Content)[] files, string? password = null, IEnumerable<int>? order = null)
    {
        var (header, keys) = TeraHeader.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), OrgKey.Public, Segment, password, [], TeraHeader.StreamVersion);
        var index = TeraIndex.ForStream("parts", DateTimeOffset.UnixEpoch, files.Select(f => (f.Name, "application/octet-stream", (long)f.Content.Length, new TeraFileDetails())));
        var parts = new TeraParts(header, index.Seal(header, keys, header.Bytes.Length), index.StreamSize, PartSize);
        var stream = files.SelectMany(f => f.Content).ToArray();
        var sealedParts = new byte[parts.Count][];
        foreach (var number in order ?? Enumerable.Range(1, parts.Count).Reverse())
        {
            var (offset, length) = parts.PlainRange(number);
            sealedParts[number - 1] = new byte[parts.StoredLength(number)];
            parts.Seal(keys.SegmentKey, number, stream.AsSpan((int)offset, length), sealedParts[number - 1]);
        }
        var stored = parts.Count == 0 ? parts.Empty() : sealedParts.SelectMany(p => p).ToArray();
        Assert.Equal(parts.ObjectSize, stored.Length);
        return (stored, parts, sealedParts);
    }

    [Fact]
    public async Task Parts_sealed_in_any_order_read_back_as_the_files()
    {
        var (stored, parts, _) = Build(Files, order: [3, 1, 6, 4, 2, 5]);
        Assert.Equal(6, parts.Count);
        Assert.Equal(Files.Select(f => f.Content), await TeraFormatTests.DecodeAll(stored, privateKey: OrgKey.Private));
    }

    [Fact]
    public async Task Ranges_across_part_and_file_boundaries_read_exactly_the_requested_bytes()
    {
        var (stored, _, _) = Build(Files);
        var header = TeraHeader.Parse(stored);
        var keys = header.Keys(header.UnwrapContentKey(OrgKey.Private), null);
        var trailer = TeraTrailer.Parse(stored.AsSpan(stored.Length - TeraTrailer.Size));
        var index = TeraIndex.Open(header, keys, stored.AsSpan((int)trailer.IndexOffset, trailer.IndexLength), trailer.IndexOffset);
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var file = random.Next(Files.Length);
            var content = Files[file].Content;
            if (content.Length == 0)
            {
                Assert.Empty(await StoredContainer.ReadAsync(stored, header, keys, index, trailer.IndexOffset + trailer.IndexLength, file, 0, -1));
                continue;
            }
            var from = random.NextInt64(content.Length);
            var to = random.NextInt64(from, content.Length);
            Assert.Equal(content.AsSpan((int)from, (int)(to - from + 1)).ToArray(),
                await StoredContainer.ReadAsync(stored, header, keys, index, trailer.IndexOffset + trailer.IndexLength, file, from, to));
        }
    }

    [Fact]
    public async Task A_protected_container_needs_its_password_and_one_of_empty_files_has_no_parts()
    {
        var (stored, _, _) = Build(Files, password: "pw");
        Assert.Equal(Files.Select(f => f.Content), await TeraFormatTests.DecodeAll(stored, "pw", OrgKey.Private));
        await Assert.ThrowsAsync<TeraPasswordException>(() => TeraFormatTests.DecodeAll(stored, "wrong", OrgKey.Private));

        var (empty, parts, _) = Build([("x", []), ("y", [])]);
        Assert.Equal(0, parts.Count);
        Assert.All(await TeraFormatTests.DecodeAll(empty, privateKey: OrgKey.Private), Assert.Empty);
    }

    [Fact]
    public void A_part_sealed_again_is_the_same_bytes_and_a_changed_one_other_bytes()
    {
        var (header, keys) = TeraHeader.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), OrgKey.Public, Segment, null, [], TeraHeader.StreamVersion);
        var index = TeraIndex.ForStream("parts", DateTimeOffset.UnixEpoch, [("f", "text/plain", 3L * Segment, new TeraFileDetails())]);
        var parts = new TeraParts(header, index.Seal(header, keys, header.Bytes.Length), index.StreamSize, Segment);
        byte[] SealPart2(byte[] plaintext)
        {
            var output = new byte[parts.StoredLength(2)];
            parts.Seal(keys.SegmentKey, 2, plaintext, output);
            return output;
        }
        var plain = Random(Segment, 9);
        Assert.Equal(SealPart2(plain), SealPart2(plain));
        plain[0] ^= 1;
        Assert.NotEqual(SealPart2(Random(Segment, 9)), SealPart2(plain));
        Assert.Throws<ArgumentException>(() => parts.Seal(keys.SegmentKey, 2, new byte[Segment - 1], new byte[parts.StoredLength(2)]));
    }

    [Fact]
    public async Task Parts_swapped_repeated_missing_or_changed_anywhere_never_read_as_the_files()
    {
        var (stored, _, sealedParts) = Build(Files);
        async Task<bool> Fails(byte[] candidate)
        {
            try
            {
                return !(await TeraFormatTests.DecodeAll(candidate, privateKey: OrgKey.Private)).SequenceEqual(Files.Select(f => f.Content), new BytesComparer());
            }
            catch (Exception e) when (e is TeraIntegrityException or TeraPasswordException)
            {
                return true;
            }
        }
        byte[] Of(params int[] numbers) => [.. numbers.SelectMany(n => sealedParts[n - 1])];
        // Parts 2 to 5 have the same length: swapped, one sent in another's place, one left out, the last left out.
        Assert.True(await Fails(Of(1, 3, 2, 4, 5, 6)));
        Assert.True(await Fails(Of(1, 2, 2, 4, 5, 6)));
        Assert.True(await Fails(Of(1, 2, 4, 5, 6)));
        Assert.True(await Fails(Of(1, 2, 3, 4, 5)));
        Assert.False(await Fails(Of(1, 2, 3, 4, 5, 6)));
        var undetected = await StoredContainer.UndetectedFlipsAsync(stored, Fails);
        Assert.True(undetected.Count == 0, $"undetected flips at {string.Join(",", undetected.Take(40))} of {stored.Length}");
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }
}
