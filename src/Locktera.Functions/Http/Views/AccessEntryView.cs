using System.Text.Json.Serialization;

namespace Locktera.Functions.Http;

/// <summary>
/// A line of the access log: upstream's AccessLog fields (<c>org_id</c>, <c>timestamp</c>, <c>user</c>,
/// <c>action</c>, <c>ip</c>) and what a reviewer needs besides. What a line does not know (the key of
/// an unreadable token, the reason of a success) is left out: upstream types its fields as strings.
/// </summary>
public sealed class AccessEntryView(AccessEntry entry)
{
    public Guid OrgId { get; } = entry.OrgId;
    public DateTimeOffset Timestamp { get; } = entry.Timestamp;
    public DateTimeOffset LastSeen { get; } = entry.LastSeen;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? User { get; } = entry.User;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? KeyId { get; } = entry.KeyId;
    public string Action { get; } = entry.Action;
    public string Status { get; } = entry.Status;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Reason { get; } = entry.Reason;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Ip { get; } = entry.Ip;
    public long Count { get; } = entry.Count;
}
