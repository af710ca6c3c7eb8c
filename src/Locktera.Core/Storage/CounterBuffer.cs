using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Storage;

/// <summary>
/// Counters that must not cost a storage write per request (API calls, successful sign-ins): added in
/// memory and flushed in batches. Each instance writes its own row per counter key ("{key}:{instance}"),
/// holding its cumulative totals rather than increments, so a flush is an idempotent upsert: a retried
/// or repeated flush never double counts, and two instances never overwrite each other's counts.
/// Readers sum the instances' rows. A crash loses only what was added since the last flush.
/// </summary>
public sealed partial class CounterBuffer(StorageAccount storage, TimeProvider time, ILogger<CounterBuffer> logger) : IDisposable
{
    private readonly ConcurrentDictionary<(string Table, string Partition, string Row), Entry> _entries = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>This process's suffix on the rows it writes; new for every start, so no two processes share a row.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N")[..16];

    /// <summary>
    /// Adds <paramref name="counts"/> to the row "{rowKey}:{instance}" and sets its labels (descriptive
    /// properties such as who and when last; the latest values are written). After
    /// <paramref name="openUntil"/> (the end of the row's period) nothing adds to the row any more, and
    /// once written it leaves memory.
    /// </summary>
    public void Add(string table, string partitionKey, string rowKey, IReadOnlyDictionary<string, long> counts, IReadOnlyDictionary<string, object?> labels, DateTimeOffset openUntil)
    {
        // The table service owns these columns and drops what is written to them (a "Timestamp" label
        // would silently become the write time).
        if (labels.ContainsKey("Timestamp") || labels.ContainsKey("PartitionKey") || labels.ContainsKey("RowKey"))
        {
            throw new ArgumentException("Counter rows cannot set the table service's own columns.", nameof(labels));
        }
        while (true)
        {
            var entry = _entries.GetOrAdd((table, partitionKey, rowKey), _ => new Entry());
            lock (entry)
            {
                // Forgotten between lookup and lock: add to the entry that replaces it.
                if (!entry.Forgotten)
                {
                    entry.OpenUntil = openUntil;
                    Apply(entry, counts, labels);
                    return;
                }
            }
        }
    }

    private static void Apply(Entry entry, IReadOnlyDictionary<string, long> counts, IReadOnlyDictionary<string, object?> labels)
    {
        foreach (var (name, delta) in counts)
        {
            entry.Counts[name] = entry.Counts.GetValueOrDefault(name) + delta;
        }
        foreach (var (name, value) in labels)
        {
            entry.Labels[name] = value;
        }
        entry.Version++;
    }

    /// <summary>Writes every changed row. Safe to call at any time and from several places; calls queue.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            foreach (var ((table, partition, row), entry) in _entries)
            {
                await FlushAsync(table, partition, row, entry, cancellationToken);
            }
            ForgetClosed();
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>
    /// Drops rows that are written and whose period has closed. An add that still arrives (a request
    /// that straddled the period's end) starts a new entry, which reads the row's totals before writing.
    /// </summary>
    private void ForgetClosed()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            lock (entry)
            {
                if (entry.Version == entry.Written && entry.OpenUntil < now)
                {
                    entry.Forgotten = true;
                    _entries.TryRemove(key, out _);
                }
            }
        }
    }

    private async Task FlushAsync(string tableName, string partition, string row, Entry entry, CancellationToken cancellationToken)
    {
        try
        {
            var table = await storage.TableAsync(tableName, cancellationToken);
            if (!entry.BaseLoaded)
            {
                await LoadBaseAsync(table, partition, row, entry, cancellationToken);
            }
            if (Snapshot(partition, row, entry) is { } write)
            {
                await table.UpsertEntityAsync(write.Row, TableUpdateMode.Replace, cancellationToken);
                lock (entry)
                {
                    entry.Written = Math.Max(entry.Written, write.Version);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The totals stay in memory; the next flush writes them.
            LogFlushFailed(logger, tableName, e.GetType().Name);
        }
    }

    /// <summary>
    /// A row this process wrote before it forgot the entry holds totals the new entry must start from
    /// (for a row never written, as in a fresh process, the read finds nothing). A row's counters are
    /// always the same set, so the entry names them all.
    /// </summary>
    private async Task LoadBaseAsync(TableClient table, string partition, string row, Entry entry, CancellationToken cancellationToken)
    {
        var stored = await table.GetEntityIfExistsAsync<TableEntity>(partition, $"{row}:{InstanceId}", cancellationToken: cancellationToken);
        lock (entry)
        {
            if (stored.HasValue)
            {
                foreach (var name in entry.Counts.Keys.ToList())
                {
                    entry.Counts[name] += stored.Value!.GetInt64(name) ?? 0;
                }
            }
            entry.BaseLoaded = true;
        }
    }

    private (TableEntity Row, long Version)? Snapshot(string partition, string row, Entry entry)
    {
        TableEntity write;
        long version;
        lock (entry)
        {
            if (entry.Version == entry.Written)
            {
                return null;
            }
            version = entry.Version;
            write = new TableEntity(partition, $"{row}:{InstanceId}");
            foreach (var (name, value) in entry.Labels)
            {
                write[name] = value;
            }
            foreach (var (name, value) in entry.Counts)
            {
                write[name] = value;
            }
        }
        return (write, version);
    }

    public void Dispose() => _flushing.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flushing counters to {Table} failed ({Error}); retrying on the next flush")]
    private static partial void LogFlushFailed(ILogger logger, string table, string error);

    private sealed class Entry
    {
        public Dictionary<string, long> Counts { get; } = [];

        public Dictionary<string, object?> Labels { get; } = [];

        public long Version { get; set; }

        public long Written { get; set; }

        public bool BaseLoaded { get; set; }

        public bool Forgotten { get; set; }

        public DateTimeOffset OpenUntil { get; set; }
    }
}
