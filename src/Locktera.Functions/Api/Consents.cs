using Locktera.Core.Consents;
using Locktera.Core.Orgs;

namespace Locktera.Functions.Api;

/// <summary>
/// Consents: an org node's own (<c>/orgs/{id}/consents</c>) and its viewers'
/// (<c>/viewers/{email}/consents</c>, for a viewer token of that email or an org key), each change kept as history.
/// </summary>
public sealed class Consents(ConsentLedger ledger, OrgStore orgs)
{
    private const string OfOrg = Routes.Node + "/consents";
    private const string OfViewer = "viewers/{email}/consents";
    private static readonly string[] StatusNames = ["granted", "revoked"];

    [Function("ListOrgConsents")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OfOrg)] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, ConsentLedger.IsCursor);
        var (email, consentId) = Filters(req);
        var page = await ledger.ListAsync(req.TargetOrg().Id, c => Matches(c, email, consentId), paging.Cursor, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, View, ConsentLedger.CursorOf);
    }

    [Function("PutOrgConsent")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = OfOrg + "/{consent_id}")] HttpRequest req, string consent_id, CancellationToken cancellationToken)
    {
        var id = ConsentId(consent_id);
        var org = req.TargetOrg();
        var decision = await ReadDecisionAsync(req, id, org.Email);
        return ApiResults.Ok(View(await ledger.SetAsync(org.Id, ConsentScope.Org, org.Email, id, decision, req.Actor(), cancellationToken)));
    }

    [Function("ListOrgConsentHistory")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> History([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/consents_history")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, _ => false);
        var (email, consentId) = Filters(req);
        var (start, end) = QueryValues.TimeWindow(req);
        var scope = email is null ? (ConsentScope?)null : ConsentScope.Viewer;
        var page = await ledger.HistoryAsync(req.TargetOrg().Id, scope, email, c => Matches(c, null, consentId), start, end, paging.Skip, paging.Limit, cancellationToken);
        return ApiResults.Ok(page.Select(View).ToList());
    }

    [Function("ListViewerConsents")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> ListOfViewer([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OfViewer)] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        var viewer = ViewerEmail(req, email);
        var records = new List<Consent>();
        foreach (var orgId in await VisibleOrgsAsync(req, viewer, cancellationToken))
        {
            records.AddRange(await ledger.OfViewerAsync(orgId, viewer, cancellationToken));
        }
        return ApiResults.Ok(records.OrderBy(c => c.OrgId).ThenBy(c => c.ConsentId, StringComparer.Ordinal).Select(c => ViewFor(req, c)).ToList());
    }

    [Function("PutViewerConsent")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> PutOfViewer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = OfViewer + "/{consent_id}")] HttpRequest req, string email, string consent_id, CancellationToken cancellationToken)
    {
        var viewer = ViewerEmail(req, email);
        // A viewer speaks for itself; an org key records consent on its own node, which takes writing.
        Guid orgId;
        if (req.Caller() is Caller.Viewer v)
        {
            orgId = v.Token.OrgId;
        }
        else
        {
            var key = req.Caller().RequireKey();
            RolePolicy.EnsureHas(key, Permission.Write);
            orgId = key.Org.Id;
        }
        var id = ConsentId(consent_id);
        var decision = await ReadDecisionAsync(req, id, viewer);
        return ApiResults.Ok(ViewFor(req, await ledger.SetAsync(orgId, ConsentScope.Viewer, viewer, id, decision, req.Actor(), cancellationToken)));
    }

    [Function("ListViewerConsentHistory")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> HistoryOfViewer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "viewers/{email}/consents_history")] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        var viewer = ViewerEmail(req, email);
        var paging = Paging.From(req, _ => false);
        var (_, consentId) = Filters(req);
        var (start, end) = QueryValues.TimeWindow(req);
        // Each node's history is newest first; the merged page needs at most skip + limit from each.
        var merged = new List<Consent>();
        foreach (var orgId in await VisibleOrgsAsync(req, viewer, cancellationToken))
        {
            merged.AddRange(await ledger.HistoryAsync(orgId, ConsentScope.Viewer, viewer, c => Matches(c, null, consentId), start, end, 0, paging.Skip + paging.Limit, cancellationToken));
        }
        return ApiResults.Ok(merged.OrderByDescending(c => c.UpdatedAt).Skip(paging.Skip).Take(paging.Limit).Select(c => ViewFor(req, c)).ToList());
    }

    /// <summary>The org nodes whose records of this viewer the caller may read: the token's node, or those an org key sees.</summary>
    private async Task<IReadOnlyList<Guid>> VisibleOrgsAsync(HttpRequest req, string viewer, CancellationToken cancellationToken)
    {
        var caller = req.Caller();
        if (caller is Caller.Viewer v)
        {
            return [v.Token.OrgId];
        }
        caller.RequireKey();
        var visible = new List<Guid>();
        foreach (var orgId in await ledger.OrgsOfViewerAsync(viewer, cancellationToken))
        {
            if (await orgs.FindAsync(orgId, cancellationToken) is { } org && RolePolicy.CanSee(caller, org))
            {
                visible.Add(orgId);
            }
        }
        return visible;
    }

    /// <summary>The path's viewer email; a viewer token may only name its own.</summary>
    private static string ViewerEmail(HttpRequest req, string email)
    {
        var viewer = ContactRules.NormalizeEmail(email, out var problem) ?? throw LockteraException.Validation("email", problem!);
        if (req.Caller() is Caller.Viewer v && !v.Token.Email.Equals(viewer, StringComparison.OrdinalIgnoreCase))
        {
            throw LockteraException.Forbidden(ErrorCode.ViewerNotAllowed, "A viewer token speaks only for its own email's consents.");
        }
        return viewer.ToLowerInvariant();
    }

    private static string ConsentId(string value) =>
        ConsentLedger.NormalizeConsentId(value, out var problem) ?? throw LockteraException.Validation("consent_id", problem!);

    /// <summary>
    /// Both upstream shapes: <c>status</c> granted|revoked, or <c>is_checked</c>; both may be sent when
    /// they agree. The record's own fields may be echoed back (as from a GET) if they match.
    /// </summary>
    private static async Task<ConsentDecision> ReadDecisionAsync(HttpRequest req, string consentId, string? email)
    {
        var body = await JsonBody.ReadAsync(req);
        var status = body.OptionalEnum("status", s => s switch { "granted" => true, "revoked" => (bool?)false, _ => null }, StatusNames);
        var isChecked = body.Bool("is_checked");
        var description = body.Text("description", ConsentLedger.MaxDescriptionLength);
        // When the person decided: a past time (five minutes of clock skew allowed), never the future.
        var at = body.Timestamp("consent_timestamp", value => value > DateTimeOffset.UtcNow.AddMinutes(5) ? "cannot be in the future" : null);
        if (body.Text("consent_id", ConsentLedger.MaxConsentIdLength + 1) is { } named && ConsentLedger.NormalizeConsentId(named, out _) != consentId)
        {
            body.Fail("consent_id", "differs from the consent id in the path");
        }
        if (body.Has("email") && !string.Equals(body.Text("email", ContactRules.MaxEmailLength + 1), email, StringComparison.OrdinalIgnoreCase))
        {
            body.Fail("email", "differs from the record's email");
        }
        foreach (var field in new[] { "id", "org_id", "updated_at", "scope" })
        {
            body.Forbid(field, "is set by the service");
        }
        if (status.IsSet && isChecked is { } c && c != status.Value)
        {
            body.Fail("is_checked", "contradicts status");
        }
        if (!status.IsSet && isChecked is null)
        {
            body.Fail("status", "is required: 'granted' or 'revoked' (or is_checked true or false)");
        }
        body.EnsureValid();
        return new ConsentDecision(status.IsSet ? status.Value : isChecked!.Value, description, at);
    }

    private static (string? Email, string? ConsentId) Filters(HttpRequest req)
    {
        var errors = new FieldErrors();
        string? email = null, consentId = null;
        if (QueryValues.Text(req, "email") is { } e)
        {
            email = ContactRules.NormalizeEmail(e, out var problem)?.ToLowerInvariant();
            if (email is null)
            {
                errors.Add("email", problem!);
            }
        }
        if (QueryValues.Text(req, "consent_id") is { } c)
        {
            consentId = ConsentLedger.NormalizeConsentId(c, out var problem);
            if (consentId is null)
            {
                errors.Add("consent_id", problem!);
            }
        }
        errors.ThrowIfAny(ErrorCode.InvalidPaging, "The list parameters are invalid.");
        return (email, consentId);
    }

    private static bool Matches(Consent consent, string? email, string? consentId) =>
        (email is null || consent.Email == email) && (consentId is null || consent.ConsentId == consentId);

    /// <summary>Both upstream shapes at once (<c>status</c>/<c>updated_at</c> and <c>is_checked</c>/<c>consent_timestamp</c>), and who made the change from where.</summary>
    /// <summary>A viewer sees who changed its records and from where only when it did so itself, never an org's keys or addresses.</summary>
    private static object ViewFor(HttpRequest req, Consent c) =>
        View(req.Caller() is Caller.Viewer v && !c.ChangedBy.Equals(v.Token.Email, StringComparison.OrdinalIgnoreCase) ? c with { ChangedBy = "org", Ip = null } : c);

    private static object View(Consent c) => new
    {
        id = c.Id,
        org_id = c.OrgId,
        consent_id = c.ConsentId,
        scope = c.Scope == ConsentScope.Org ? "org" : "viewer",
        email = c.Email,
        description = c.Description,
        status = c.Granted ? "granted" : "revoked",
        is_checked = c.Granted,
        consent_timestamp = c.ConsentTimestamp,
        updated_at = c.UpdatedAt,
        changed_by = c.ChangedBy,
        ip = c.Ip,
    };
}
