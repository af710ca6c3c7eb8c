using Azure;
using Azure.Data.Tables;

namespace Locktera.Core.Storage;

public static class TableQueries
{
    /// <summary>
    /// The rows of one partition whose row keys start with <paramref name="prefix"/>, in key order,
    /// after <paramref name="afterKey"/> when given: one range scan, the way every listing here reads.
    /// (Keys are built from hex, digits, escaped text and ':' — all below '~'.)
    /// </summary>
    public static AsyncPageable<TableEntity> WithPrefix(
        this TableClient table, string partitionKey, string prefix, string? afterKey, CancellationToken cancellationToken, IEnumerable<string>? select = null)
    {
        var from = afterKey ?? prefix;
        var to = prefix + "~";
        return table.QueryAsync<TableEntity>(e => e.PartitionKey == partitionKey && e.RowKey.CompareTo(from) > 0 && e.RowKey.CompareTo(to) < 0, select: select, cancellationToken: cancellationToken);
    }
}
