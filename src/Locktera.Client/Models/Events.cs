namespace Locktera.Client;

/// <summary>An event of the log: what happened (<see cref="Action"/>, e.g. <c>container.create</c>), to which container, by whom, from where.</summary>
public sealed record ContainerEvent(
    Guid Id,
    DateTimeOffset CreatedDate,
    string Action,
    Guid OrgId,
    Guid? ContainerId,
    string User,
    IReadOnlyDictionary<string, string> Detail,
    string? CreatorIp);

/// <summary>
/// Which events a listing returns: one exact action, one container, a time window.
/// <see cref="PageSize"/> is how many come per request (the listing still yields them all).
/// </summary>
public sealed record EventFilter(string? Action = null, Guid? ContainerId = null, DateTimeOffset? Start = null, DateTimeOffset? End = null, int? PageSize = null);

/// <summary>
/// What a viewer application records about a container on its side: an action <c>client.…</c>
/// with its detail, and the client's clock (kept as <c>detail.client_timestamp</c>).
/// </summary>
public sealed record NewContainerEvent(string Action, IReadOnlyDictionary<string, string>? Detail = null, DateTimeOffset? Timestamp = null);
