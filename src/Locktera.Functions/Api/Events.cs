using System.Text.Json;
using System.Text.Json.Nodes;
using Locktera.Core.Events;

namespace Locktera.Functions.Api;

/// <summary>The event log: an org's events (all, by kind, of one container), and events a client records.</summary>
public sealed class Events(EventLog events)
{
    private const string OfContainer = Routes.Node + "/containers/{container_id}/events";

    [Function("ListOrgEvents")]
    [RequirePermission(Permission.Read)]
    public Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/events")] HttpRequest req, CancellationToken cancellationToken) =>
        ListAsync(req, EventFilter.From(req), cancellationToken);

    /// <summary>upstream's event feeds: by_access lists <c>container.access</c>, by_block <c>container.block</c>, and so on.</summary>
    [Function("ListContainerEventsByKind")]
    [RequirePermission(Permission.Read)]
    public Task<IResult> ListByKind(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/container_events/{kind:regex(^by_(access|block|create|expire|fail)$)}")] HttpRequest req,
        string kind, CancellationToken cancellationToken) =>
        ListAsync(req, EventFilter.From(req, routeAction: "container." + kind["by_".Length..]), cancellationToken);

    [Function("ListContainerEvents")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> ListOfContainer([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OfContainer)] HttpRequest req, CancellationToken cancellationToken)
    {
        var container = req.TargetContainer();
        return await ListAsync(req, EventFilter.From(req, routeContainer: container.Id), cancellationToken);
    }

    /// <summary>
    /// An org's viewer application records what happened to a container on its side, as
    /// <c>{ "action": "client.…", "detail": {…}, "timestamp": … }</c> or in upstream's github.io shape
    /// <c>{ "event_type": "ACCESS", "timestamp": …, "status": "SUCCESS" }</c> (action <c>client.access</c>,
    /// detail <c>status</c>). Who and from where are the caller's; the client's timestamp is kept in
    /// <c>detail.client_timestamp</c>, and <c>created_date</c> is the server's time.
    /// </summary>
    [Function("RecordContainerEvent")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Record([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OfContainer)] HttpRequest req, CancellationToken cancellationToken)
    {
        var container = req.TargetContainer();
        var body = await JsonBody.ReadAsync(req);
        var (action, detail) = ReadClientEvent(body);
        body.EnsureValid();
        var recorded = await events.RecordClientAsync(container, req.Actor(), action!, detail, cancellationToken);
        return ApiResults.Created(new EventView(recorded));
    }

    private async Task<IResult> ListAsync(HttpRequest req, EventQuery query, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, query.Accepts);
        var page = await events.ListAsync(req.TargetOrg().Id, query, paging.Cursor, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page.Events, e => new EventView(e), page.Cursor);
    }

    private static (string? Action, Dictionary<string, string> Detail) ReadClientEvent(JsonBody body)
    {
        foreach (var (field, reason) in new[]
        {
            ("user", "is the calling key"), ("creator_ip", "is the caller's address"), ("created_date", "is the server's time: send timestamp"),
            ("org_id", "is given by the route"), ("container_id", "is given by the route"), ("id", "is given by the service"),
        })
        {
            body.Forbid(field, reason);
        }
        var action = body.Checked("action", EventLog.MaxActionLength, EventLog.ClientActionProblem);
        var eventType = body.Checked("event_type", EventLog.MaxActionLength - EventLog.ClientActionPrefix.Length,
            type => EventLog.IsActionName(type) ? null : "must be letters, digits, '.', '_' or '-', such as ACCESS");
        if (eventType is not null)
        {
            action ??= EventLog.ClientActionPrefix + eventType.ToLowerInvariant();
            if (body.Has("action"))
            {
                body.Fail("event_type", "cannot be combined with action");
            }
        }
        else if (action is null)
        {
            // Also when event_type was null or empty: a missing action must never reach the log.
            body.Fail("action", $"is required: '{EventLog.ClientActionPrefix}' followed by a name");
        }

        var detail = ReadDetail(body);
        // Kept as the client wrote it: it is the client's claim, not a time the service relies on.
        var timestamp = body.Checked("timestamp", 40, t => Timestamps.Parse(t) is null ? Timestamps.Problem : null);
        foreach (var (field, key, value) in new[] { ("timestamp", "client_timestamp", timestamp), ("status", "status", body.Text("status", EventLog.MaxDetailValueLength)) })
        {
            if (value is not null && !detail.TryAdd(key, value))
            {
                body.Fail(field, $"cannot be combined with detail.{key}");
            }
        }
        return (action, detail);
    }

    private static Dictionary<string, string> ReadDetail(JsonBody body)
    {
        var detail = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body.Raw("detail", JsonValueKind.Object) is not JsonObject given)
        {
            return detail;
        }
        if (given.Count > EventLog.MaxDetailEntries)
        {
            body.Fail("detail", $"must have at most {EventLog.MaxDetailEntries} entries");
        }
        foreach (var (key, node) in given)
        {
            if (key.Length is 0 or > EventLog.MaxDetailKeyLength || VisibleText.HasHidden(key))
            {
                body.Fail("detail", $"keys must be 1 to {EventLog.MaxDetailKeyLength} characters without {VisibleText.Rule}");
            }
            else if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
            {
                body.Fail($"detail.{key}", "must be a string");
            }
            else if (text.Length > EventLog.MaxDetailValueLength)
            {
                body.Fail($"detail.{key}", $"must be at most {EventLog.MaxDetailValueLength} characters");
            }
            else
            {
                detail[key] = text;
            }
        }
        return detail;
    }
}
