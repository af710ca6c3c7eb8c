using System.Text.Json;
using Locktera.Core.Events;

namespace Locktera.Core.ErrorLog;

public enum Severity
{
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>An error an org's application reported (upstream's Error fields plus severity and who sent it).</summary>
public sealed record ErrorReport(
    Guid ErrorId,
    Guid OrgId,
    string Message,
    int? Code,
    IReadOnlyDictionary<string, string> Fields,
    Severity Severity,
    DateTimeOffset Timestamp,
    DateTimeOffset ReceivedAt,
    string ReportedBy,
    string? Ip);

/// <summary>
/// An org's append-only error log (table PK = org id, RK = inverted report time + id, newest
/// first). Reports are only ever added: there is no update or delete.
/// </summary>
public sealed class ErrorReports(StorageAccount storage, TimeProvider time)
{
    public const int MaxMessageLength = 2000;
    public const int MaxFields = 50;

    public async Task<ErrorReport> AddAsync(Guid orgId, string message, int? code, IReadOnlyDictionary<string, string> fields, Severity severity, DateTimeOffset? timestamp, Actor actor, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var now = time.GetUtcNow();
        var report = new ErrorReport(OrderedGuid.Next(), orgId, message, code, fields, severity, timestamp ?? now, now, actor.User, actor.Ip);
        await table.AddEntityAsync(new TableEntity(orgId.ToString(), $"{RowKeys.NewestFirst(report.Timestamp)}:{report.ErrorId:N}")
        {
            ["ErrorId"] = report.ErrorId.ToString(),
            ["Message"] = message,
            ["Code"] = code,
            ["Fields"] = JsonSerializer.Serialize(fields),
            ["Severity"] = severity.ToString(),
            ["At"] = report.Timestamp,
            ["ReceivedAt"] = now,
            ["ReportedBy"] = actor.User,
            ["Ip"] = actor.Ip,
        }, cancellationToken);
        return report;
    }

    /// <summary>Reports newest first, within [start, end] by row-key bounds, optionally of one severity.</summary>
    public async Task<IReadOnlyList<ErrorReport>> ListAsync(Guid orgId, DateTimeOffset? start, DateTimeOffset? end, Severity? severity, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.NewestFirstWithin(orgId.ToString(), "", start, end, cancellationToken)
            .Select(row => ToReport(orgId, row))
            .PageAsync(r => severity is null || r.Severity == severity, skip, take, cancellationToken);
    }

    private static ErrorReport ToReport(Guid orgId, TableEntity e) => new(
        Guid.Parse(e.GetString("ErrorId")),
        orgId,
        e.GetString("Message") ?? "",
        e.GetInt32("Code"),
        JsonSerializer.Deserialize<Dictionary<string, string>>(e.GetString("Fields") ?? "{}") ?? [],
        Enum.TryParse<Severity>(e.GetString("Severity"), out var severity) ? severity : Severity.Medium,
        e.GetDateTimeOffset("At") ?? DateTimeOffset.UnixEpoch,
        e.GetDateTimeOffset("ReceivedAt") ?? DateTimeOffset.UnixEpoch,
        e.GetString("ReportedBy") ?? "",
        e.GetString("Ip"));

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.ErrorReports, cancellationToken);
}
