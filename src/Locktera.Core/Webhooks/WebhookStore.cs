using System.Text;
using System.Text.Json;
using Azure;
using Locktera.Core.Security;
using Microsoft.Extensions.Logging;

namespace Locktera.Core.Webhooks;

/// <summary>
/// Subscriptions and their deliveries in table storage.
/// <list type="bullet">
/// <item>Subscriptions: PK = the tree's root org, RK = <c>s:{id}</c>, so that one partition read finds
/// every subscription an event of the tree may match (kept in memory for at most
/// <see cref="RecentRows.Staleness"/>); <c>n:{node}</c> counts a node's subscriptions, changed in
/// the same entity-group transaction as the row it counts. Secrets are sealed under the master key,
/// bound to their subscription.</item>
/// <item>Deliveries: PK = the subscription, RK = <c>d:</c> and the delivery's id (UUIDv7) inverted, so a
/// range scan lists them newest first and the id alone finds one.</item>
/// </list>
/// </summary>
public sealed partial class WebhookStore(StorageAccount storage, MasterKey masterKey, RecentRows recent, ILogger<WebhookStore> logger)
{
    private const string SubscriptionPrefix = "s:";
    private const string CountPrefix = "n:";
    private const string DeliveryPrefix = "d:";

    private readonly SecretBox _secrets = new(masterKey, "webhooks");

    /// <summary>Every subscription of the tree under <paramref name="rootOrgId"/>, as read at most <see cref="RecentRows.Staleness"/> ago.</summary>
    public async Task<IReadOnlyList<WebhookSubscription>> OfTreeRecentAsync(Guid rootOrgId, CancellationToken cancellationToken) =>
        (await recent.GetAsync(RecentKey(rootOrgId), async () => (WebhookSubscription[]?)[.. await OfTreeAsync(rootOrgId, cancellationToken)]))!;

    /// <summary>Every subscription of the tree under <paramref name="rootOrgId"/>, or of its node <paramref name="orgId"/> only, oldest first.</summary>
    public async Task<IReadOnlyList<WebhookSubscription>> OfTreeAsync(Guid rootOrgId, CancellationToken cancellationToken, Guid? orgId = null)
    {
        var table = await Subscriptions(cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {rootOrgId.ToString()} and RowKey ge {SubscriptionPrefix} and RowKey lt {"s;"}");
        if (orgId is { } node)
        {
            // The node's own, found by the store rather than by reading the whole tree's.
            filter += " and " + TableClient.CreateQueryFilter($"OrgId eq {node.ToString()}");
        }
        var found = new List<WebhookSubscription>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (Readable(row, ToSubscription) is { } subscription)
            {
                found.Add(subscription);
            }
        }
        return found;
    }

    public async Task<WebhookSubscription?> FindAsync(Guid rootOrgId, Guid id, CancellationToken cancellationToken)
    {
        var table = await Subscriptions(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(rootOrgId.ToString(), SubscriptionPrefix + id, cancellationToken: cancellationToken);
        return row.HasValue ? Readable(row.Value!, ToSubscription) : null;
    }

    /// <summary>Adds a subscription unless its node already has <paramref name="maxPerNode"/>; false then. Counted exactly however many instances race.</summary>
    public async Task<bool> AddAsync(WebhookSubscription subscription, int maxPerNode, CancellationToken cancellationToken)
    {
        var table = await Subscriptions(cancellationToken);
        var partition = subscription.RootOrgId.ToString();
        while (true)
        {
            var counter = await table.GetEntityIfExistsAsync<TableEntity>(partition, CountPrefix + subscription.OrgId, cancellationToken: cancellationToken);
            var count = counter.HasValue ? counter.Value!.GetInt32("Count") ?? 0 : 0;
            if (count >= maxPerNode)
            {
                return false;
            }
            try
            {
                await table.SubmitTransactionAsync(
                [
                    Counter(partition, subscription.OrgId, count + 1, counter.HasValue ? counter.Value : null),
                    new(TableTransactionActionType.Add, ToEntity(subscription)),
                ], cancellationToken);
                recent.Forget(RecentKey(subscription.RootOrgId));
                return true;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
            {
                // Another subscription of the node was counted meanwhile: count again.
            }
        }
    }

    /// <summary>
    /// Changes a subscription under its row's ETag (again on a lost race, on the newer row); a change
    /// that returns null writes nothing. Null when there is no such subscription.
    /// </summary>
    public async Task<WebhookSubscription?> UpdateAsync(Guid rootOrgId, Guid id, Func<WebhookSubscription, WebhookSubscription?> change, CancellationToken cancellationToken)
    {
        var table = await Subscriptions(cancellationToken);
        try
        {
            return await table.UpdateAsync<WebhookSubscription?>(rootOrgId.ToString(), SubscriptionPrefix + id, row => Changed(row, r => Readable(r, ToSubscription), change, ToEntity), cancellationToken);
        }
        finally
        {
            recent.Forget(RecentKey(rootOrgId));
        }
    }

    /// <summary>Removes a subscription and its place in its node's count, in one transaction. False when there was none.</summary>
    public async Task<bool> DeleteAsync(Guid rootOrgId, Guid orgId, Guid id, CancellationToken cancellationToken)
    {
        var table = await Subscriptions(cancellationToken);
        var partition = rootOrgId.ToString();
        try
        {
            while (true)
            {
                var row = await table.GetEntityIfExistsAsync<TableEntity>(partition, SubscriptionPrefix + id, cancellationToken: cancellationToken);
                if (!row.HasValue)
                {
                    return false;
                }
                var counter = await table.GetEntityIfExistsAsync<TableEntity>(partition, CountPrefix + orgId, cancellationToken: cancellationToken);
                var count = counter.HasValue ? counter.Value!.GetInt32("Count") ?? 1 : 1;
                try
                {
                    await table.SubmitTransactionAsync(
                    [
                        Counter(partition, orgId, Math.Max(0, count - 1), counter.HasValue ? counter.Value : null),
                        new(TableTransactionActionType.Delete, row.Value!, row.Value!.ETag),
                    ], cancellationToken);
                    // Its deliveries are no one's now (the purge of its node would remove them as well).
                    await (await Deliveries(cancellationToken)).DeletePartitionAsync(id.ToString(), cancellationToken);
                    return true;
                }
                catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
                {
                    // Changed or counted meanwhile: look again.
                }
            }
        }
        finally
        {
            recent.Forget(RecentKey(rootOrgId));
        }
    }

    /// <summary>A deleted node's subscriptions, their deliveries and its count (the purge's part; repeatable).</summary>
    public async Task ForgetNodeAsync(Guid rootOrgId, Guid orgId, CancellationToken cancellationToken)
    {
        var deliveries = await Deliveries(cancellationToken);
        var subscriptions = await Subscriptions(cancellationToken);
        foreach (var subscription in await OfTreeAsync(rootOrgId, cancellationToken, orgId))
        {
            await deliveries.DeletePartitionAsync(subscription.Id.ToString(), cancellationToken);
            await subscriptions.DeleteEntityAsync(rootOrgId.ToString(), SubscriptionPrefix + subscription.Id, cancellationToken: cancellationToken);
        }
        await subscriptions.DeleteEntityAsync(rootOrgId.ToString(), CountPrefix + orgId, cancellationToken: cancellationToken);
        recent.Forget(RecentKey(rootOrgId));
    }

    /// <summary>Adds a delivery; false when one of its id exists already (a repeated message).</summary>
    public async Task<bool> TryAddDeliveryAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var table = await Deliveries(cancellationToken);
        try
        {
            await table.AddEntityAsync(ToEntity(delivery), cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return false;
        }
    }

    /// <summary>Changes a delivery under its row's ETag, as <see cref="UpdateAsync"/> changes a subscription.</summary>
    public async Task<WebhookDelivery?> UpdateDeliveryAsync(Guid webhookId, Guid deliveryId, Func<WebhookDelivery, WebhookDelivery?> change, CancellationToken cancellationToken)
    {
        var table = await Deliveries(cancellationToken);
        return await table.UpdateAsync<WebhookDelivery?>(webhookId.ToString(), DeliveryKey(deliveryId), row => Changed(row, r => Readable(r, ToDelivery), change, ToEntity), cancellationToken);
    }

    /// <summary>
    /// One page of a subscription's deliveries, newest first, after the row key <paramref name="after"/>
    /// (a cursor) or skipping <paramref name="skip"/>; only those of <paramref name="status"/> when given.
    /// </summary>
    public async Task<(IReadOnlyList<WebhookDelivery> Page, string? Cursor)> ListDeliveriesAsync(
        Guid webhookId, DeliveryStatus? status, string? after, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Deliveries(cancellationToken);
        var partition = webhookId.ToString();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {after ?? DeliveryPrefix} and RowKey lt {"d;"}");
        if (status is { } wanted)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {wanted.ToString()}");
        }
        var page = new List<WebhookDelivery>(take);
        string? cursor = null;
        var skipped = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, Math.Min(skip + take, 1000), cancellationToken: cancellationToken))
        {
            if (skipped++ < skip)
            {
                continue;
            }
            if (Readable(row, ToDelivery) is not { } delivery)
            {
                continue;
            }
            page.Add(delivery);
            cursor = row.RowKey;
            if (page.Count == take)
            {
                break;
            }
        }
        return (page, cursor);
    }

    /// <summary>Whether a cursor is a delivery's row key, as a previous page returned.</summary>
    public static bool IsCursor(string cursor) =>
        cursor.Length == DeliveryPrefix.Length + 32 && cursor.StartsWith(DeliveryPrefix, StringComparison.Ordinal) && cursor[DeliveryPrefix.Length..].All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// The decision of an update under the row's ETag: nothing when there is no row, or none that can
    /// be read (<see cref="Readable{T}"/>), or the change writes nothing.
    /// </summary>
    private static (TableEntity? Write, T? Result) Changed<T>(TableEntity? row, Func<TableEntity, T?> read, Func<T, T?> change, Func<T, TableEntity> write) where T : class
    {
        if (row is null || read(row) is not { } current)
        {
            return (null, null);
        }
        return change(current) is { } next ? (write(next), next) : (null, current);
    }

    private static string DeliveryKey(Guid id) => DeliveryPrefix + RowKeys.NewestFirst(id);

    private static string RecentKey(Guid rootOrgId) => $"webhooks:{rootOrgId}";

    private static TableTransactionAction Counter(string partition, Guid orgId, int count, TableEntity? current)
    {
        var row = new TableEntity(partition, CountPrefix + orgId) { ["Count"] = count };
        return current is null ? new(TableTransactionActionType.Add, row) : new(TableTransactionActionType.UpdateReplace, row, current.ETag);
    }

    private Task<TableClient> Subscriptions(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Webhooks, cancellationToken);

    private Task<TableClient> Deliveries(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.WebhookDeliveries, cancellationToken);

    private static string Binding(Guid id, string which) => $"webhook:{id}:{which}";

    private TableEntity ToEntity(WebhookSubscription s) => new(s.RootOrgId.ToString(), SubscriptionPrefix + s.Id)
    {
        ["Id"] = s.Id.ToString(),
        ["OrgId"] = s.OrgId.ToString(),
        ["Url"] = s.Url.AbsoluteUri,
        ["Events"] = JsonSerializer.Serialize(s.Events),
        ["Description"] = s.Description,
        ["Enabled"] = s.Enabled,
        ["DisabledReason"] = s.DisabledReason,
        ["ConsecutiveFailures"] = s.ConsecutiveFailures,
        ["SealedSecret"] = _secrets.Seal(Encoding.UTF8.GetBytes(s.Secret), Binding(s.Id, "current")),
        ["SealedPreviousSecret"] = s.PreviousSecret is null ? null : _secrets.Seal(Encoding.UTF8.GetBytes(s.PreviousSecret), Binding(s.Id, "previous")),
        ["PreviousSecretExpiresAt"] = s.PreviousSecretExpiresAt,
        ["CreatedAt"] = s.CreatedAt,
        ["UpdatedAt"] = s.UpdatedAt,
    };

    /// <summary>
    /// What a row holds, or null when the row was altered outside the service (a secret that does not
    /// open under the master key, a field that does not parse): such a row is known to no one, delivers
    /// nothing and breaks nothing else of its tree or its subscription, and is logged at each read.
    /// </summary>
    private T? Readable<T>(TableEntity row, Func<TableEntity, T> read) where T : class
    {
        try
        {
            return read(row);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
        {
            LogUnreadable(logger, row.PartitionKey, row.RowKey);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook row {PartitionKey}/{RowKey} cannot be read (altered outside the service?); it is ignored")]
    private static partial void LogUnreadable(ILogger logger, string partitionKey, string rowKey);

    private WebhookSubscription ToSubscription(TableEntity e)
    {
        var id = Guid.Parse(e.GetString("Id"));
        var previous = e.GetBinary("SealedPreviousSecret");
        return new WebhookSubscription
        {
            Id = id,
            OrgId = Guid.Parse(e.GetString("OrgId")),
            RootOrgId = Guid.Parse(e.PartitionKey),
            Url = new Uri(e.GetString("Url")),
            Events = JsonSerializer.Deserialize<string[]>(e.GetString("Events") ?? "[]") ?? [],
            Description = e.GetString("Description"),
            Enabled = e.GetBoolean("Enabled") ?? false,
            DisabledReason = e.GetString("DisabledReason"),
            ConsecutiveFailures = e.GetInt32("ConsecutiveFailures") ?? 0,
            Secret = Encoding.UTF8.GetString(_secrets.Open(e.GetBinary("SealedSecret"), Binding(id, "current"))),
            PreviousSecret = previous is null ? null : Encoding.UTF8.GetString(_secrets.Open(previous, Binding(id, "previous"))),
            PreviousSecretExpiresAt = e.GetDateTimeOffset("PreviousSecretExpiresAt"),
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
            UpdatedAt = e.GetDateTimeOffset("UpdatedAt"),
        };
    }

    private static TableEntity ToEntity(WebhookDelivery d) => new(d.WebhookId.ToString(), DeliveryKey(d.Id))
    {
        ["Id"] = d.Id.ToString(),
        ["EventId"] = d.EventId.ToString(),
        ["EventType"] = d.EventType,
        ["Body"] = d.Body,
        ["CreatedAt"] = d.CreatedAt,
        ["Status"] = d.Status.ToString(),
        ["AttemptCount"] = d.AttemptCount,
        ["RoundStart"] = d.RoundStart,
        ["RoundStartedAt"] = d.RoundStartedAt,
        ["Attempts"] = JsonSerializer.Serialize(d.Attempts),
        ["NextAttemptAt"] = d.NextAttemptAt,
        ["ClaimedAttempt"] = d.ClaimedAttempt,
        ["ClaimedUntil"] = d.ClaimedUntil,
    };

    private static WebhookDelivery ToDelivery(TableEntity e) => new()
    {
        Id = Guid.Parse(e.GetString("Id")),
        WebhookId = Guid.Parse(e.PartitionKey),
        EventId = Guid.Parse(e.GetString("EventId")),
        EventType = e.GetString("EventType") ?? "",
        Body = e.GetBinary("Body") ?? [],
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
        Status = Enum.Parse<DeliveryStatus>(e.GetString("Status") ?? nameof(DeliveryStatus.Pending)),
        AttemptCount = e.GetInt32("AttemptCount") ?? 0,
        RoundStart = e.GetInt32("RoundStart") ?? 0,
        RoundStartedAt = e.GetDateTimeOffset("RoundStartedAt") ?? DateTimeOffset.UnixEpoch,
        Attempts = JsonSerializer.Deserialize<WebhookAttempt[]>(e.GetString("Attempts") ?? "[]") ?? [],
        NextAttemptAt = e.GetDateTimeOffset("NextAttemptAt"),
        ClaimedAttempt = e.GetInt32("ClaimedAttempt"),
        ClaimedUntil = e.GetDateTimeOffset("ClaimedUntil"),
    };
}
