namespace Locktera.Core.Tests;

public class OptionsTests
{
    [Fact]
    public void Defaults_need_only_an_operator_key_and_a_master_key()
    {
        var options = new LockteraOptions();
        Assert.Contains(options.Problems(), p => p.Contains("Locktera__OperatorKey", StringComparison.Ordinal));
        Assert.Contains(options.Problems(), p => p.Contains("Locktera__MasterKey", StringComparison.Ordinal));
        options.OperatorKey = new string('k', LockteraOptions.MinOperatorKeyLength);
        options.MasterKey = Convert.ToBase64String(new byte[32]);
        Assert.Empty(options.Problems());
        Assert.Equal(100, options.StandardRequestsPerMinute);
        Assert.Equal(500, options.AdminRequestsPerMinute);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("a-b")]
    public void A_storage_prefix_must_make_valid_table_names(string prefix)
    {
        var options = new LockteraOptions { OperatorKey = new string('k', 40), MasterKey = Convert.ToBase64String(new byte[32]), StoragePrefix = prefix };
        Assert.Contains(options.Problems(), p => p.Contains("Locktera__StoragePrefix", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("c2hvcnQ=")]
    [InlineData("not base64 at all")]
    public void A_master_key_must_be_32_bytes_of_base64(string key)
    {
        var options = new LockteraOptions { OperatorKey = new string('k', 40), MasterKey = key };
        Assert.Contains(options.Problems(), p => p.Contains("Locktera__MasterKey", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unresolved_key_vault_reference_is_not_taken_for_a_key()
    {
        const string reference = "@Microsoft.KeyVault(SecretUri=https://kv-example.vault.azure.net/secrets/locktera-operator-key)";
        var options = new LockteraOptions { OperatorKey = reference, MasterKey = Convert.ToBase64String(new byte[32]) };
        Assert.True(reference.Length >= LockteraOptions.MinOperatorKeyLength);
        Assert.Contains(options.Problems(), p => p.StartsWith("Locktera__OperatorKey is a Key Vault reference", StringComparison.Ordinal));
    }

    [Fact]
    public void Permissions_round_trip_through_their_stored_form()
    {
        var both = Permission.Read | Permission.Admin;
        Assert.Equal("read,admin", both.Serialize());
        Assert.Equal(both, Permissions.Deserialize("read,admin"));
        Assert.Equal(["read", "write", "admin"], Permissions.All.ToNames());
        Assert.Null(Permissions.Parse("root"));
    }
}
