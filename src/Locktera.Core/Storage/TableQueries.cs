using Azure;

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

    /// <summary>
    /// The rows of one partition whose keys are <paramref name="prefix"/> + <see cref="RowKeys.NewestFirst(DateTimeOffset)"/>
    /// of a time within [<paramref name="start"/>, <paramref name="end"/>] (either open), newest first:
    /// how every log and audit here is read.
    /// </summary>
    public static AsyncPageable<TableEntity> NewestFirstWithin(
        this TableClient table, string partitionKey, string prefix, DateTimeOffset? start, DateTimeOffset? end, CancellationToken cancellationToken)
    {
        var low = prefix + RowKeys.NewestFirst(end ?? DateTimeOffset.MaxValue);
        var high = prefix + RowKeys.NewestFirst(start ?? DateTimeOffset.MinValue) + "~";
        return table.QueryAsync<TableEntity>(e => e.PartitionKey == partitionKey && e.RowKey.CompareTo(low) >= 0 && e.RowKey.CompareTo(high) < 0, cancellationToken: cancellationToken);
    }
}
