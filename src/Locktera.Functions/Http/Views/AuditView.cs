using System.Text.Json.Serialization;

namespace Locktera.Functions.Http;

/// <summary>
/// One row of an audit (<c>addresses_audit</c>, <c>children_audit</c>): upstream's AuditLog fields —
/// what was done, in which org, when, from where, the record before and after — with the fields that
/// name the record and the actor given by each audit. A record that did not exist before (a create)
/// or after (a delete) is left out, not null: upstream types <c>old_data</c> as an object.
/// </summary>
public abstract class AuditView<TData>(string action, Guid orgId, DateTimeOffset timestamp, TData? oldData, TData? newData, string? ip)
    where TData : class
{
    [JsonPropertyOrder(-1)] public string Action { get; } = action;
    [JsonPropertyOrder(-1)] public Guid OrgId { get; } = orgId;
    [JsonPropertyOrder(1)] public DateTimeOffset Timestamp { get; } = timestamp;
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public TData? OldData { get; } = oldData;
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public TData? NewData { get; } = newData;
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Ip { get; } = ip;
}
