using Locktera.Core.Keys;

namespace Locktera.Core.Tests;

public class ApiKeyTokenTests
{
    [Fact]
    public void A_token_round_trips_and_matches_only_its_own_key()
    {
        var token = ApiKeyToken.Create(Guid.CreateVersion7(), Guid.CreateVersion7());
        var text = token.ToString();

        Assert.StartsWith(ApiKeyToken.Prefix, text, StringComparison.Ordinal);
        Assert.True(ApiKeyToken.TryParse(text, out var parsed));
        Assert.Equal(token.OrgId, parsed.OrgId);
        Assert.Equal(token.KeyId, parsed.KeyId);

        var key = new ApiKey
        {
            KeyId = token.KeyId,
            OrgId = token.OrgId,
            Name = "k",
            Permissions = Permission.Read,
            CreatedAt = DateTimeOffset.UnixEpoch,
            SecretHash = token.SecretHash(),
        };
        Assert.True(parsed.Matches(key));
        Assert.False(ApiKeyToken.Create(token.OrgId, token.KeyId).Matches(key));
        Assert.False(parsed.Matches(key with { KeyId = Guid.CreateVersion7() }));
    }

    [Fact]
    public void Tokens_are_unique_and_the_stored_hash_is_not_the_secret()
    {
        var a = ApiKeyToken.Create(Guid.Empty, Guid.Empty);
        var b = ApiKeyToken.Create(Guid.Empty, Guid.Empty);
        Assert.NotEqual(a.ToString(), b.ToString());
        Assert.Equal(32, a.Secret.Length);
        Assert.NotEqual(a.Secret, a.SecretHash());
    }

    [Theory]
    [InlineData("")]
    [InlineData("lt_")]
    [InlineData("lt_abc")]
    [InlineData("xx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("lt_!!!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("lt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Malformed_tokens_are_rejected(string text) => Assert.False(ApiKeyToken.TryParse(text, out _));
}
