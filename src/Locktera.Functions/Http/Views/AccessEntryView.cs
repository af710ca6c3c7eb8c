namespace Locktera.Functions.Http;

/// <summary>
/// A line of the access log: upstream's AccessLog fields (<c>org_id</c>, <c>timestamp</c>, <c>user</c>,
/// <c>action</c>, <c>ip</c>) and what a reviewer needs besides.
/// </summary>
public sealed class AccessEntryView(AccessEntry entry)
{
    public Guid OrgId { get; } = entry.OrgId;
    public DateTimeOffset Timestamp { get; } = entry.Timestamp;
    public DateTimeOffset LastSeen { get; } = entry.LastSeen;
    public string? User { get; } = entry.User;
    public Guid? KeyId { get; } = entry.KeyId;
    public string Action { get; } = entry.Action;
    public string Status { get; } = entry.Status;
    public string? Reason { get; } = entry.Reason;
    public string? Ip { get; } = entry.Ip;
    public long Count { get; } = entry.Count;
}
