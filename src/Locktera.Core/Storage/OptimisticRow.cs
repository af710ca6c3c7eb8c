using Azure;

namespace Locktera.Core.Storage;

/// <summary>
/// Read-modify-write of one table row under its ETag: the decision is made on the row as read, the
/// write succeeds only if nobody wrote in between, and a lost race decides again on the newer row.
/// This is how counters, limits and edits stay exact when any number of instances race.
/// </summary>
public static class OptimisticRow
{
    /// <param name="decide">
    /// Given the current row (null when there is none), the row to write (null: write nothing) and
    /// the result to return once that write, if any, has succeeded.
    /// </param>
    public static Task<TResult> UpdateAsync<TResult>(
        this TableClient table, string partitionKey, string rowKey, Func<TableEntity?, (TableEntity? Write, TResult Result)> decide, CancellationToken cancellationToken) =>
        table.UpdateAsync<TResult>(partitionKey, rowKey, current =>
        {
            var (write, result) = decide(current);
            return (write, [], result);
        }, cancellationToken);

    /// <param name="decide">
    /// As above, plus new rows of the same partition (an audit trail) that are added in the same
    /// entity-group transaction as the write: a change is never recorded without happening, or the reverse.
    /// </param>
    public static async Task<TResult> UpdateAsync<TResult>(
        this TableClient table, string partitionKey, string rowKey, Func<TableEntity?, (TableEntity? Write, IReadOnlyList<TableEntity> Alongside, TResult Result)> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken);
            var current = row.HasValue ? row.Value : null;
            var (write, alongside, result) = decide(current);
            if (write is null)
            {
                return result;
            }
            try
            {
                if (alongside.Count > 0)
                {
                    TableTransactionAction main = current is null ? new(TableTransactionActionType.Add, write) : new(TableTransactionActionType.UpdateReplace, write, current.ETag);
                    await table.SubmitTransactionAsync([main, .. alongside.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r))], cancellationToken);
                }
                else if (current is null)
                {
                    await table.AddEntityAsync(write, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(write, current.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                return result;
            }
            catch (RequestFailedException e) when (e.IsConflict())
            {
                // Another writer won: back off a little (more with each loss) and decide again.
                await Task.Delay(Random.Shared.Next(1, 5 + (Math.Min(attempt, 10) * 5)), cancellationToken);
            }
        }
    }
}
