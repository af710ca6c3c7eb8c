using Locktera.Core.Events;

namespace Locktera.Functions.Http;

/// <summary>upstream's Event schema, plus the event's own <c>id</c>.</summary>
public sealed class EventView(ContainerEvent entry)
{
    public Guid Id { get; } = entry.Id;
    public DateTimeOffset CreatedDate { get; } = entry.CreatedDate;
    public string Action { get; } = entry.Action;
    public Guid OrgId { get; } = entry.OrgId;
    public Guid? ContainerId { get; } = entry.ContainerId;
    public string User { get; } = entry.User;
    public IReadOnlyDictionary<string, string> Detail { get; } = entry.Detail;
    public string? CreatorIp { get; } = entry.CreatorIp;
}
