using System.Text.Json;
using System.Text.RegularExpressions;
using Locktera.Core.Containers;
using Locktera.Core.Metering;
using Locktera.Core.Webhooks;

namespace Locktera.Core.Events;

/// <summary>
/// One thing that happened to an org's containers, in upstream's Event shape: <c>created_date</c>,
/// <c>action</c> (e.g. <c>container.create</c>), <c>org_id</c>, <c>container_id</c>, <c>user</c>
/// (the acting key, or a viewer's email), <c>detail</c>, <c>creator_ip</c>.
/// </summary>
public sealed record ContainerEvent(
    DateTimeOffset CreatedDate,
    string Action,
    Guid OrgId,
    Guid? ContainerId,
    string User,
    IReadOnlyDictionary<string, string> Detail,
    string? CreatorIp)
{
    /// <summary>The event's own id, given when it is made so that whoever records it can answer with it.</summary>
    public Guid Id { get; init; } = OrderedGuid.Next();
}

/// <summary>Who did something: the acting key's id (or a viewer's email) and the client's address.</summary>
public sealed record Actor(string User, string? Ip)
{
    /// <summary>Whom the usage it causes is metered for (<see cref="Access.Caller.UsageSubject"/>: no personal data).</summary>
    public string UsageSubject { get; init; } = User;
}

/// <summary>
/// Which of an org's events to list; every filter is optional. <see cref="Start"/> and <see cref="End"/>
/// bound <c>created_date</c>, both inclusive.
/// </summary>
public sealed record EventQuery(string? Action, Guid? ContainerId, DateTimeOffset? Start, DateTimeOffset? End)
{
    /// <summary>
    /// The index the query reads: a container's when it names one (an action is then checked per row,
    /// within that container's events), otherwise the action's, otherwise the whole log.
    /// </summary>
    internal string IndexPrefix => ContainerId is { } container ? EventLog.ContainerIndex(container)
        : Action is { } action ? EventLog.ActionIndex(action)
        : EventLog.AllIndex;

    /// <summary>Whether a cursor is a row key of this query's index, as a previous page of it returned.</summary>
    public bool Accepts(string cursor) =>
        cursor.StartsWith(IndexPrefix, StringComparison.Ordinal) && EventLog.KeySuffix().IsMatch(cursor.AsSpan(IndexPrefix.Length));
}

/// <summary>One page of events, newest first, and the cursor after its last event (null when empty).</summary>
public sealed record EventPage(IReadOnlyList<ContainerEvent> Events, string? Cursor);

/// <summary>
/// The append-only event log. Table PK = org id; every event is written under several row keys in
/// one entity-group transaction (same partition, so all or none): <c>all:{t}</c>, <c>a:{action}:{t}</c>
/// and, for a container's event, <c>c:{container id}:{t}</c>, where t is the inverted creation time
/// and the event id. Each listing is then one range scan of one index, newest first, bounded by the
/// time window and stopped after one page: its cost grows with the page, not with the log.
/// </summary>
public sealed partial class EventLog(StorageAccount storage, UsageMeter meter, WebhookDispatcher webhooks, TimeProvider time)
{
    public const string ContainerCreate = "container.create";
    public const string ContainerDelete = "container.delete";
    public const string ContainerBlock = "container.block";
    public const string ContainerUnblock = "container.unblock";
    public const string DrmUpdate = "drm.update";
    public const string ContainerAccess = "container.access";
    public const string ContainerFail = "container.fail";
    public const string ContainerExpire = "container.expire";

    /// <summary>The service disabled a webhook subscription (its receiver answered 410, or deliveries kept failing); not a container's event.</summary>
    public const string WebhookDisable = "webhook.disable";

    /// <summary>Events a client records itself start with this, so that no client can forge a service event.</summary>
    public const string ClientActionPrefix = "client.";

    public const int MaxActionLength = 100;
    public const int MaxDetailEntries = 20;
    public const int MaxDetailKeyLength = 64;
    public const int MaxDetailValueLength = 1000;

    /// <summary>A page reads at most this many rows per storage request, the service's own maximum.</summary>
    private const int MaxRowsPerRequest = 1000;

    internal const string AllIndex = "all:";

    internal static string ActionIndex(string action) => $"a:{RowKeys.Segment(action)}:";

    internal static string ContainerIndex(Guid containerId) => $"c:{containerId}:";

    /// <summary>What follows an index prefix in a row key: the inverted time and the event id.</summary>
    [GeneratedRegex("^[0-9]{19}:[0-9a-f]{32}$")]
    internal static partial Regex KeySuffix();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex ActionName();

    /// <summary>Whether an action can name events (and be part of a row key): letters, digits, '.', '_', '-'.</summary>
    public static bool IsActionName(string action) => action.Length <= MaxActionLength && ActionName().IsMatch(action);

    public async Task RecordAsync(ContainerEvent entry, CancellationToken cancellationToken)
    {
        if (!IsActionName(entry.Action))
        {
            throw new ArgumentException($"'{entry.Action}' is not an action name.", nameof(entry));
        }
        // Deliveries first: an event recorded is never one whose deliveries were not sent on their way.
        await webhooks.DispatchAsync(entry, cancellationToken);
        var table = await Table(cancellationToken);
        var suffix = Suffix(entry.CreatedDate, entry.Id);
        var keys = new List<string> { AllIndex + suffix, ActionIndex(entry.Action) + suffix };
        if (entry.ContainerId is { } containerId)
        {
            keys.Add(ContainerIndex(containerId) + suffix);
        }
        await table.SubmitTransactionAsync(keys.Select(key => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(entry.OrgId.ToString(), key)
        {
            ["Id"] = entry.Id.ToString(),
            ["CreatedDate"] = entry.CreatedDate,
            ["Action"] = entry.Action,
            ["ContainerId"] = entry.ContainerId?.ToString(),
            ["User"] = entry.User,
            ["Detail"] = JsonSerializer.Serialize(entry.Detail),
            ["CreatorIp"] = entry.CreatorIp,
        })), cancellationToken);
        meter.Count(entry.OrgId, UsageMeter.NoSubject, Counters.Events);
    }

    /// <summary>The event of <paramref name="id"/> made at <paramref name="createdDate"/>, as the org's log holds it; null when it is not there.</summary>
    public async Task<ContainerEvent?> FindAsync(Guid orgId, DateTimeOffset createdDate, Guid id, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), AllIndex + Suffix(createdDate, id), cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetString("Id") == id.ToString() ? ToEvent(orgId, row.Value) : null;
    }

    private static string Suffix(DateTimeOffset createdDate, Guid id) => $"{RowKeys.NewestFirst(createdDate)}:{id:N}";

    /// <summary>
    /// Records an event whose id and time are derived from what it records, so that recording it again
    /// (a re-run, a second instance) meets the rows already written: false then, and nothing is added.
    /// </summary>
    public async Task<bool> RecordOnceAsync(ContainerEvent entry, CancellationToken cancellationToken)
    {
        try
        {
            await RecordAsync(entry, cancellationToken);
            return true;
        }
        catch (Azure.RequestFailedException e) when (e.IsConflict())
        {
            return false;
        }
    }

    /// <summary>
    /// Records an event that an org's viewer application reports about one of its containers. The
    /// action must start with <see cref="ClientActionPrefix"/>; who and from where come from the caller,
    /// the time from the server.
    /// </summary>
    public async Task<ContainerEvent> RecordClientAsync(ContainerRecord container, Actor actor, string action, IReadOnlyDictionary<string, string> detail, CancellationToken cancellationToken)
    {
        if (ClientActionProblem(action) is { } problem)
        {
            throw LockteraException.Validation("action", problem);
        }
        return await RecordAsync(action, container, actor, detail, cancellationToken);
    }

    /// <summary>Records what <paramref name="actor"/> did to <paramref name="container"/>, now.</summary>
    public async Task<ContainerEvent> RecordAsync(string action, ContainerRecord container, Actor actor, IReadOnlyDictionary<string, string> detail, CancellationToken cancellationToken)
    {
        var entry = new ContainerEvent(time.GetUtcNow(), action, container.OrgId, container.Id, actor.User, detail, actor.Ip);
        await RecordAsync(entry, cancellationToken);
        return entry;
    }

    /// <summary>What is wrong with an action a client wants to record, or null.</summary>
    public static string? ClientActionProblem(string action) =>
        !action.StartsWith(ClientActionPrefix, StringComparison.Ordinal) || action.Length == ClientActionPrefix.Length
            ? $"must start with '{ClientActionPrefix}' followed by a name: the other actions are the service's own"
            : !IsActionName(action)
                ? $"must be at most {MaxActionLength} letters, digits, '.', '_' or '-'"
                : null;

    /// <summary>
    /// One page of an org's events, newest first: one range scan of the query's index, after the row
    /// <paramref name="after"/> (a cursor) or skipping <paramref name="skip"/> events, that stops as soon
    /// as the page is full.
    /// </summary>
    public async Task<EventPage> ListAsync(Guid orgId, EventQuery query, string? after, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = orgId.ToString();
        var prefix = query.IndexPrefix;
        // Newer events have smaller keys: the end of the window is the lower bound, its start the upper one.
        // The API shows times to the millisecond, so an end includes its whole millisecond: a created_date
        // read back is an end that includes its own event.
        var lower = prefix + (query.End is { } end ? RowKeys.NewestFirst(end.AddTicks(TimeSpan.TicksPerMillisecond - 1 - (end.UtcTicks % TimeSpan.TicksPerMillisecond))) : "");
        var upper = prefix + (query.Start is { } start ? RowKeys.NewestFirst(start) + ";" : "~");
        var filter = after is not null && string.CompareOrdinal(after, lower) >= 0
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {after} and RowKey lt {upper}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {lower} and RowKey lt {upper}");
        var actionWithinContainer = query.ContainerId is not null ? query.Action : null;

        var page = new List<ContainerEvent>(take);
        string? cursor = null;
        var skipped = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, Math.Min(skip + take, MaxRowsPerRequest), cancellationToken: cancellationToken))
        {
            if ((actionWithinContainer is not null && row.GetString("Action") != actionWithinContainer) || skipped++ < skip)
            {
                continue;
            }
            page.Add(ToEvent(orgId, row));
            cursor = row.RowKey;
            if (page.Count == take)
            {
                break;
            }
        }
        return new EventPage(page, cursor);
    }

    private static ContainerEvent ToEvent(Guid orgId, TableEntity row) => new(
        row.GetDateTimeOffset("CreatedDate") ?? DateTimeOffset.UnixEpoch,
        row.GetString("Action") ?? "",
        orgId,
        Guid.TryParse(row.GetString("ContainerId"), out var containerId) ? containerId : null,
        row.GetString("User") ?? "",
        JsonSerializer.Deserialize<Dictionary<string, string>>(row.GetString("Detail") ?? "{}") ?? [],
        row.GetString("CreatorIp"))
    {
        Id = Guid.Parse(row.GetString("Id")),
    };


    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Events, cancellationToken);
}
