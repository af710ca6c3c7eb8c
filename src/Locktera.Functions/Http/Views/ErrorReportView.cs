using System.Text.Json.Serialization;
using Locktera.Core.ErrorLog;

namespace Locktera.Functions.Http;

/// <summary>
/// A reported error: upstream's Error fields (<c>message</c>, <c>code</c>, <c>fields</c>) with its id,
/// severity and who sent it when. A report without a code leaves it out: upstream types it as an integer.
/// </summary>
public sealed class ErrorReportView(ErrorReport report)
{
    public Guid ErrorId { get; } = report.ErrorId;
    public Guid OrgId { get; } = report.OrgId;
    public string Message { get; } = report.Message;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Code { get; } = report.Code;
    public IReadOnlyDictionary<string, string> Fields { get; } = report.Fields;
    public Severity Severity { get; } = report.Severity;
    public DateTimeOffset Timestamp { get; } = report.Timestamp;
    public DateTimeOffset ReceivedAt { get; } = report.ReceivedAt;
    public string ReportedBy { get; } = report.ReportedBy;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Ip { get; } = report.Ip;
}
