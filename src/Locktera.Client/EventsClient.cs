namespace Locktera.Client;

/// <summary>The organization's event log, newest first, page after page as it is read; and events a viewer application records.</summary>
public sealed class EventsClient : SubClient
{
    internal EventsClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>Every event of the organization that <paramref name="filter"/> lets through.</summary>
    public IAsyncEnumerable<ContainerEvent> ListAsync(EventFilter? filter = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<ContainerEvent>(Operations.ListOrgEvents, [OrgId], Query(filter), cancellationToken);

    /// <summary>
    /// One of upstream's event feeds: <paramref name="kind"/> <c>by_access</c>, <c>by_block</c>,
    /// <c>by_create</c>, <c>by_expire</c> or <c>by_fail</c>; an <see cref="EventFilter.Action"/> other than the feed's is refused (400).
    /// </summary>
    public IAsyncEnumerable<ContainerEvent> ListByKindAsync(string kind, EventFilter? filter = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<ContainerEvent>(Operations.ListContainerEventsByKind, [OrgId, kind], Query(filter), cancellationToken);

    /// <summary>The events of one container; an <see cref="EventFilter.ContainerId"/> of another is refused (400).</summary>
    public IAsyncEnumerable<ContainerEvent> ListForContainerAsync(Guid containerId, EventFilter? filter = null, CancellationToken cancellationToken = default) =>
        Pipeline.PageAsync<ContainerEvent>(Operations.ListContainerEvents, [OrgId, containerId.ToString()], Query(filter), cancellationToken);

    /// <summary>Records what happened to a container on the caller's side; who and from where are the caller's.</summary>
    public Task<ContainerEvent> RecordAsync(Guid containerId, NewContainerEvent entry, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<ContainerEvent>(Operations.RecordContainerEvent, [OrgId, containerId.ToString()], entry, cancellationToken);

    private static string? Query(EventFilter? filter) => LockteraPipeline.Query(
        ("action", filter?.Action),
        ("container_id", filter?.ContainerId?.ToString()),
        ("start", filter?.Start?.ToString("O")),
        ("end", filter?.End?.ToString("O")),
        ("limit", filter?.PageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
