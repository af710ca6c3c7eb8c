using System.Security.Cryptography;
using Locktera.Core.Security;

namespace Locktera.Core.Tests;

public class SecretBoxTests
{
    private static MasterKey Key(byte fill = 7) =>
        new(Options.Create(new LockteraOptions { MasterKey = Convert.ToBase64String(Enumerable.Repeat(fill, 32).ToArray()) }));

    [Fact]
    public void A_sealed_value_opens_only_with_its_key_purpose_and_binding()
    {
        var box = new SecretBox(Key(), "storage");
        var sealedValue = box.Seal("s3cr3t"u8, "org-1");
        Assert.Equal("s3cr3t"u8.ToArray(), box.Open(sealedValue, "org-1"));
        Assert.DoesNotContain("s3cr3t", System.Text.Encoding.UTF8.GetString(sealedValue), StringComparison.Ordinal);

        Assert.ThrowsAny<CryptographicException>(() => box.Open(sealedValue, "org-2"));
        Assert.ThrowsAny<CryptographicException>(() => new SecretBox(Key(), "pq-keys").Open(sealedValue, "org-1"));
        Assert.ThrowsAny<CryptographicException>(() => new SecretBox(Key(8), "storage").Open(sealedValue, "org-1"));
        sealedValue[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => box.Open(sealedValue, "org-1"));
    }

    [Fact]
    public void Derived_keys_differ_by_purpose() =>
        Assert.NotEqual(Key().Derive("a"), Key().Derive("b"));
}
