using Locktera.Core.ErrorLog;

namespace Locktera.Functions.Api;

/// <summary>An org's error log: errors its applications report (upstream's Error shape plus severity), append-only.</summary>
public sealed class OrgErrors(ErrorReports reports)
{
    private const string Route = Routes.Node + "/errors";
    private static readonly string[] SeverityNames = ["low", "medium", "high", "critical"];

    [Function("ReportError")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Report([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(req);
        var message = body.Text("message", ErrorReports.MaxMessageLength, required: true);
        var code = body.WholeNumber("code", int.MinValue, int.MaxValue);
        var severity = body.OptionalEnum("severity", ParseSeverity, SeverityNames);
        var timestamp = body.Timestamp("timestamp");
        var fields = body.StringMap("fields", ErrorReports.MaxFields, 100, 1000);
        body.EnsureValid();
        var report = await reports.AddAsync(req.TargetOrg().Id, message!, code, fields, severity.IsSet ? severity.Value : Severity.Medium, timestamp, req.Actor(), cancellationToken);
        return ApiResults.Created(new ErrorReportView(report));
    }

    [Function("ListErrors")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, _ => false);
        var errors = new FieldErrors();
        var start = QueryValues.Timestamp(req, "start", errors);
        var end = QueryValues.Timestamp(req, "end", errors);
        Severity? severity = null;
        if (QueryValues.Text(req, "severity") is { } text)
        {
            severity = ParseSeverity(text) ?? Fail(errors, $"must be one of: {string.Join(", ", SeverityNames)}");
        }
        errors.ThrowIfAny(ErrorCode.InvalidPaging, "The list parameters are invalid.");
        var page = await reports.ListAsync(req.TargetOrg().Id, start, end, severity, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, r => new ErrorReportView(r));
    }

    private static Severity? ParseSeverity(string text) =>
        SeverityNames.Contains(text) ? Enum.Parse<Severity>(text, ignoreCase: true) : null;

    private static Severity? Fail(FieldErrors errors, string message)
    {
        errors.Add("severity", message);
        return null;
    }
}
