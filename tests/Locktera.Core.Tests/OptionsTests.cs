using Locktera.Core.Access;

namespace Locktera.Core.Tests;

public class OptionsTests
{
    [Fact]
    public void Defaults_need_only_an_operator_key()
    {
        var options = new LockteraOptions();
        Assert.Contains(options.Problems(), p => p.Contains("Locktera__OperatorKey", StringComparison.Ordinal));
        options.OperatorKey = new string('k', LockteraOptions.MinOperatorKeyLength);
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
        var options = new LockteraOptions { OperatorKey = new string('k', 40), StoragePrefix = prefix };
        Assert.Contains(options.Problems(), p => p.Contains("Locktera__StoragePrefix", StringComparison.Ordinal));
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
