using System.Text.Json.Serialization;
using Locktera.Core.Events;

namespace Locktera.Functions.Http;

/// <summary>
/// upstream's Event schema, plus the event's own <c>id</c>. What an event does not have (an address,
/// for the expiry sweep's) is left out: upstream types <c>creator_ip</c> and <c>container_id</c> as strings.
/// </summary>
public sealed class EventView(ContainerEvent entry)
{
    public Guid Id { get; } = entry.Id;
    public DateTimeOffset CreatedDate { get; } = entry.CreatedDate;
    public string Action { get; } = entry.Action;
    public Guid OrgId { get; } = entry.OrgId;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Guid? ContainerId { get; } = entry.ContainerId;
    public string User { get; } = entry.User;
    public IReadOnlyDictionary<string, string> Detail { get; } = entry.Detail;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? CreatorIp { get; } = entry.CreatorIp;
}
