namespace Locktera.Core.Storage;

public static class TableCleanup
{
    /// <summary>The most actions one entity-group transaction may hold.</summary>
    private const int BatchSize = 100;

    /// <summary>
    /// Deletes every row of one partition (or of those rows whose key starts with <paramref name="prefix"/>)
    /// in transactions of up to 100 rows; returns how many went. Rows deleted meanwhile by someone else are
    /// no failure, and an interrupted call is finished by calling it again.
    /// </summary>
    public static async Task<int> DeletePartitionAsync(this TableClient table, string partitionKey, CancellationToken cancellationToken, string? prefix = null)
    {
        var rows = prefix is null
            ? table.QueryAsync<TableEntity>(e => e.PartitionKey == partitionKey, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken)
            : table.WithPrefix(partitionKey, prefix, null, cancellationToken, select: ["PartitionKey", "RowKey"]);
        var deleted = 0;
        var batch = new List<TableTransactionAction>(BatchSize);
        await foreach (var row in rows)
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, Azure.ETag.All));
            if (batch.Count == BatchSize)
            {
                deleted += await SubmitAsync(table, batch, cancellationToken);
            }
        }
        return deleted + await SubmitAsync(table, batch, cancellationToken);
    }

    private static async Task<int> SubmitAsync(TableClient table, List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        var count = batch.Count;
        if (count > 0)
        {
            try
            {
                await table.SubmitTransactionAsync(batch, cancellationToken);
            }
            catch (Azure.RequestFailedException e) when (e.IsNotFound())
            {
                // A row of the batch went meanwhile (a concurrent purge): delete the rest one by one.
                foreach (var action in batch)
                {
                    await table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, Azure.ETag.All, cancellationToken);
                }
            }
            batch.Clear();
        }
        return count;
    }
}
