using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Locktera.Core.Events;
using Locktera.Core.Metering;
using Locktera.Core.Orgs;
using Locktera.Core.Security;
using Locktera.Core.Storage;
using Locktera.Core.Webhooks;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Locktera.Storage.Tests;

/// <summary>The event log over Azurite: a page costs one bounded range read of one index, whatever the log holds.</summary>
public class EventLogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_page_is_one_bounded_range_read_that_returns_no_more_rows_than_the_page()
    {
        var queries = new QueryRecorder();
        var storage = TestServices.Azurite(queries);
        var meter = new UsageMeter(storage, new CounterBuffer(storage, TimeProvider.System, NullLogger<CounterBuffer>.Instance), TimeProvider.System);
        var recent = new RecentRows(new MemoryCache(new MemoryCacheOptions()), TimeProvider.System);
        var masterKey = new MasterKey(Options.Create(new LockteraOptions { MasterKey = Convert.ToBase64String(new byte[32]) }));
        var webhooks = new WebhookDispatcher(new WebhookStore(storage, masterKey, recent, NullLogger<WebhookStore>.Instance), new OrgStore(storage, recent), new WebhookQueue(storage, "webhooks"));
        var log = new EventLog(storage, meter, webhooks, TimeProvider.System);
        var org = Guid.NewGuid();
        var container = Guid.NewGuid();
        for (var i = 0; i < 60; i++)
        {
            var action = i % 2 == 0 ? EventLog.ContainerCreate : EventLog.ContainerBlock;
            await log.RecordAsync(new ContainerEvent(T0.AddMinutes(i), action, org, i % 3 == 0 ? container : null, "key", new Dictionary<string, string>(), null), CancellationToken.None);
        }

        queries.Clear();
        var first = await log.ListAsync(org, new EventQuery(null, null, null, null), null, 0, 5, CancellationToken.None);
        Assert.Equal(Enumerable.Range(55, 5).Reverse().Select(i => T0.AddMinutes(i)), first.Events.Select(e => e.CreatedDate));
        var read = Assert.Single(queries.Reads);
        Assert.Equal(5, read.Rows);
        Assert.Contains("$top=5", read.Query, StringComparison.Ordinal);
        Assert.Contains("RowKey ge 'all:'", read.Query, StringComparison.Ordinal);
        Assert.Contains("RowKey lt 'all:~'", read.Query, StringComparison.Ordinal);

        queries.Clear();
        var second = await log.ListAsync(org, new EventQuery(null, null, null, null), first.Cursor, 0, 5, CancellationToken.None);
        Assert.Equal(Enumerable.Range(50, 5).Reverse().Select(i => T0.AddMinutes(i)), second.Events.Select(e => e.CreatedDate));
        Assert.Equal(5, Assert.Single(queries.Reads).Rows);

        // An action within a window: its own index, bounded on both sides by the window.
        queries.Clear();
        var window = await log.ListAsync(org, new EventQuery(EventLog.ContainerBlock, null, T0.AddMinutes(11), T0.AddMinutes(21)), null, 0, 3, CancellationToken.None);
        Assert.Equal([T0.AddMinutes(21), T0.AddMinutes(19), T0.AddMinutes(17)], window.Events.Select(e => e.CreatedDate));
        read = Assert.Single(queries.Reads);
        Assert.Equal(3, read.Rows);
        Assert.Contains("RowKey ge 'a:container.block:", read.Query, StringComparison.Ordinal);
        Assert.Contains("RowKey lt 'a:container.block:", read.Query, StringComparison.Ordinal);

        // The window's edges are inclusive, and a page past the window's end is empty.
        var edges = await log.ListAsync(org, new EventQuery(null, container, T0.AddMinutes(3), T0.AddMinutes(9)), null, 0, 10, CancellationToken.None);
        Assert.Equal([T0.AddMinutes(9), T0.AddMinutes(6), T0.AddMinutes(3)], edges.Events.Select(e => e.CreatedDate));
        Assert.All(edges.Events, e => Assert.Equal(container, e.ContainerId));
        Assert.Empty((await log.ListAsync(org, new EventQuery(null, container, T0.AddMinutes(3), T0.AddMinutes(9)), edges.Cursor, 0, 10, CancellationToken.None)).Events);
    }

    /// <summary>Every table query the client sends, with its decoded query string and how many rows came back.</summary>
    private sealed class QueryRecorder : HttpPipelinePolicy
    {
        private readonly List<(string Query, int Rows)> _reads = [];

        public IReadOnlyList<(string Query, int Rows)> Reads => _reads;

        public void Clear() => _reads.Clear();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            Record(message);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            Record(message);
        }

        private void Record(HttpMessage message)
        {
            var query = Uri.UnescapeDataString(message.Request.Uri.Query.Replace('+', ' '));
            if (message.Request.Method == RequestMethod.Get && query.Contains("$filter", StringComparison.Ordinal))
            {
                using var body = JsonDocument.Parse(message.Response.Content);
                _reads.Add((query, body.RootElement.GetProperty("value").GetArrayLength()));
            }
        }
    }
}
