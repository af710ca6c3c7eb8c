using Locktera.Core.Consents;

namespace Locktera.Functions.Api;

/// <summary>
/// Consents: an org node's own (<c>/orgs/{id}/consents</c>) and its viewers'
/// (<c>/viewers/{email}/consents</c>, for a viewer token of that email or an org key), each change kept as history.
/// </summary>
public sealed class Consents(ConsentLedger ledger)
{
    private const string OfOrg = Routes.Node + "/consents";
    private const string OfViewer = "viewers/{email}/consents";
    private static readonly string[] StatusNames = ["granted", "revoked"];

    [Function("ListOrgConsents")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OfOrg)] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, ConsentLedger.IsCursor);
        var page = await ledger.ListAsync(req.TargetOrg().Id, ReadFilter(req), paging.Cursor, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, c => new ConsentView(c), ConsentLedger.CursorOf);
    }

    [Function("PutOrgConsent")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = OfOrg + "/{consent_id}")] HttpRequest req, string consent_id, CancellationToken cancellationToken)
    {
        var id = ConsentId(consent_id);
        var org = req.TargetOrg();
        var decision = await ReadDecisionAsync(req, id, org.Email);
        return ApiResults.Ok(new ConsentView(await ledger.SetOwnAsync(org, id, decision, req.Actor(), cancellationToken)));
    }

    [Function("ListOrgConsentHistory")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> History([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/consents_history")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, _ => false);
        var filter = ReadFilter(req);
        var (start, end) = QueryValues.TimeWindow(req);
        var page = await ledger.HistoryAsync(req.TargetOrg().Id, filter, start, end, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, c => new ConsentView(c));
    }

    [Function("ListViewerConsents")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> ListOfViewer([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OfViewer)] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        var records = await ledger.OfViewerAsync(req.Caller(), ViewerEmail(email), cancellationToken);
        return ApiResults.Ok(records.Select(c => new ConsentView(c)).ToList());
    }

    [Function("PutViewerConsent")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> PutOfViewer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = OfViewer + "/{consent_id}")] HttpRequest req, string email, string consent_id, CancellationToken cancellationToken)
    {
        var viewer = ViewerEmail(email);
        var id = ConsentId(consent_id);
        var decision = await ReadDecisionAsync(req, id, viewer);
        return ApiResults.Ok(new ConsentView(await ledger.SetOfViewerAsync(req.Caller(), viewer, id, decision, req.Actor(), cancellationToken)));
    }

    [Function("ListViewerConsentHistory")]
    [RequirePermission(Permission.Read, AllowViewer = true)]
    public async Task<IResult> HistoryOfViewer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "viewers/{email}/consents_history")] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        var viewer = ViewerEmail(email);
        var paging = Paging.From(req, _ => false);
        var consentId = ReadFilter(req).ConsentId;
        var (start, end) = QueryValues.TimeWindow(req);
        var page = await ledger.HistoryOfViewerAsync(req.Caller(), viewer, consentId, start, end, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, c => new ConsentView(c));
    }

    /// <summary>The path's viewer email, lower-cased as the records hold it.</summary>
    private static string ViewerEmail(string email) =>
        (ContactRules.NormalizeEmail(email, out var problem) ?? throw LockteraException.Validation("email", problem!)).ToLowerInvariant();

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
        var at = body.Timestamp("consent_timestamp");
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

    /// <summary>The <c>email</c> and <c>consent_id</c> filters of a listing.</summary>
    private static ConsentFilter ReadFilter(HttpRequest req)
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
        return new ConsentFilter(email, consentId);
    }
}
