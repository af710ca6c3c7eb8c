using System.IO.Pipelines;
using Locktera.Core.Tera;

namespace Locktera.Core.Tests;

/// <summary>Reads a whole stored container the way the service reads it: a range touches only its own segments.</summary>
internal static class StoredContainer
{
    public static async Task<byte[]> ReadAsync(byte[] stored, TeraHeader header, TeraKeys keys, TeraIndex index, long dataOffset, int fileIndex, long from, long to)
    {
        var run = TeraRun.Of(header, index, dataOffset, fileIndex);
        var (a, b) = run.Of(index.Files[fileIndex], from, to);
        var (offset, length) = run.StoredRange(a, b);
        if (offset + length > stored.Length)
        {
            throw new TeraIntegrityException("The stored container is truncated.");
        }
        await using var reader = await TeraReader.StartAsync(header, keys, run, new MemoryStream(stored, (int)offset, (int)length), a, b, CancellationToken.None);
        var output = new MemoryStream();
        await reader.CopyToAsync(PipeWriter.Create(output), CancellationToken.None);
        return output.ToArray();
    }

    /// <summary>Flips each bit of <paramref name="stored"/> in turn (one per byte, cycling through the bit positions); the bytes whose flip <paramref name="fails"/> missed.</summary>
    public static async Task<IReadOnlyList<int>> UndetectedFlipsAsync(byte[] stored, Func<byte[], Task<bool>> fails)
    {
        var undetected = new List<int>();
        for (var i = 0; i < stored.Length; i++)
        {
            var tampered = (byte[])stored.Clone();
            tampered[i] ^= (byte)(1 << (i % 8));
            if (!await fails(tampered))
            {
                undetected.Add(i);
            }
        }
        return undetected;
    }

    /// <summary>
    /// Seals part <paramref name="number"/> from its <paramref name="plaintext"/> (exactly its plain
    /// range) into <paramref name="output"/>, as an upload session does: each segment's plaintext put
    /// where its ciphertext goes, then sealed in place.
    /// </summary>
    public static void Seal(this TeraParts parts, byte[] segmentKey, int number, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        if (plaintext.Length != parts.PlainRange(number).Length)
        {
            throw new ArgumentException("The part's plaintext is not the part's length.", nameof(plaintext));
        }
        for (var done = 0; done < plaintext.Length; done += parts.SegmentSize)
        {
            plaintext.Slice(done, Math.Min(parts.SegmentSize, plaintext.Length - done)).CopyTo(output[parts.PlainPosition(number, done)..]);
        }
        parts.SealInPlace(segmentKey, number, output);
    }
}
