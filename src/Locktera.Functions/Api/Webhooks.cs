using Locktera.Core.Webhooks;

namespace Locktera.Functions.Api;

/// <summary>
/// Webhook subscriptions of an org node: the events of its subtree, signed (Standard Webhooks 1.0)
/// and delivered at least once to a URL of the node's admins' choosing; their deliveries, a test
/// ping, a redelivery and the rotation of the signing secret.
/// </summary>
public sealed class Webhooks(WebhookService webhooks)
{
    private const string All = Routes.Node + "/webhooks";
    private const string One = All + "/{webhook_id}";

    [Function("CreateWebhook")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = All)] HttpRequest req, CancellationToken cancellationToken)
    {
        var input = ReadInput(await JsonBody.ReadAsync(req), creating: true);
        return ApiResults.Created(new WebhookSecretView(await webhooks.CreateAsync(req.TargetOrg(), input, cancellationToken)));
    }

    [Function("ListWebhooks")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = All)] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, _ => false);
        var all = await webhooks.ListAsync(req.TargetOrg(), cancellationToken);
        return paging.Answer(req, [.. all.Skip(paging.Skip).Take(paging.Limit)], s => new WebhookView(s));
    }

    [Function("GetWebhook")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = One)] HttpRequest req, string webhook_id, CancellationToken cancellationToken) =>
        ApiResults.Ok(new WebhookView(await webhooks.GetAsync(req.TargetOrg(), webhook_id, cancellationToken)));

    [Function("UpdateWebhook")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Update([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = One)] HttpRequest req, string webhook_id, CancellationToken cancellationToken)
    {
        var input = ReadInput(await JsonBody.ReadAsync(req), creating: false);
        return ApiResults.Ok(new WebhookView(await webhooks.UpdateAsync(req.TargetOrg(), webhook_id, input, cancellationToken)));
    }

    [Function("DeleteWebhook")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = One)] HttpRequest req, string webhook_id, CancellationToken cancellationToken)
    {
        await webhooks.DeleteAsync(req.TargetOrg(), webhook_id, cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("RotateWebhookSecret")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> RotateSecret(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = One + "/rotate_secret")] HttpRequest req, string webhook_id, CancellationToken cancellationToken) =>
        ApiResults.Ok(new WebhookSecretView(await webhooks.RotateSecretAsync(req.TargetOrg(), webhook_id, cancellationToken)));

    [Function("PingWebhook")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Ping([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = One + "/ping")] HttpRequest req, string webhook_id, CancellationToken cancellationToken) =>
        ApiResults.Accepted(new WebhookDeliveryView(await webhooks.PingAsync(req.TargetOrg(), webhook_id, req.Actor(), cancellationToken)));

    [Function("ListWebhookDeliveries")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> ListDeliveries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = One + "/deliveries")] HttpRequest req, string webhook_id, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, WebhookStore.IsCursor);
        // One of the names exactly (Enum.TryParse would also take "1" or "pending,failed").
        DeliveryStatus? status = QueryValues.Text(req, "status") is { } text
            ? Enum.GetValues<DeliveryStatus>().Where(s => s.ToString().Equals(text, StringComparison.OrdinalIgnoreCase)).Select(s => (DeliveryStatus?)s).FirstOrDefault()
                ?? throw LockteraException.Validation("status", "must be pending, succeeded or failed")
            : null;
        var (page, cursor) = await webhooks.ListDeliveriesAsync(req.TargetOrg(), webhook_id, status, paging.Cursor, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, d => new WebhookDeliveryView(d), page.Count == paging.Limit ? cursor : null);
    }

    [Function("RedeliverWebhookDelivery")]
    [RequirePermission(Permission.Admin, ManagesTarget = true)]
    public async Task<IResult> Redeliver(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = One + "/deliveries/{delivery_id}/redeliver")] HttpRequest req,
        string webhook_id, string delivery_id, CancellationToken cancellationToken) =>
        ApiResults.Accepted(new WebhookDeliveryView(await webhooks.RedeliverAsync(req.TargetOrg(), webhook_id, delivery_id, cancellationToken)));

    /// <summary>
    /// <c>{url, events, description, enabled}</c>: url and events are required to make one; a change
    /// sends only what it changes (a description of null removes it).
    /// </summary>
    private static WebhookInput ReadInput(JsonBody body, bool creating)
    {
        var url = body.Checked("url", WebhookSubscription.MaxUrlLength, UrlProblem, required: creating);
        var events = body.Strings("events", WebhookSubscription.MaxEventPatterns, Core.Events.EventLog.MaxActionLength);
        if (events is not null)
        {
            if (events.Count == 0)
            {
                body.Fail("events", "must name at least one event type, or \"*\"");
            }
            else if (events.Select(WebhookSubscription.PatternProblem).OfType<string>().FirstOrDefault() is { } problem)
            {
                body.Fail("events", problem);
            }
            else if (events.Distinct(StringComparer.Ordinal).Count() != events.Count)
            {
                body.Fail("events", "must not repeat an entry");
            }
        }
        else if (creating)
        {
            body.Fail("events", "is required");
        }
        var description = body.OptionalString("description", WebhookSubscription.MaxDescriptionLength);
        var enabled = body.Bool("enabled");
        body.EnsureValid();
        return new WebhookInput(url is null ? null : new Uri(url), events, description, enabled);
    }

    /// <summary>The URL's form; whether its host may be connected to is the service's check (<see cref="WebhookService"/>).</summary>
    private static string? UrlProblem(string text) =>
        !Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") ? "must be an absolute https URL"
        : url.UserInfo.Length > 0 ? "must not carry a user name or password"
        : url.Fragment.Length > 0 ? "must not have a fragment"
        : null;
}
