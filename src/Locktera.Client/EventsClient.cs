namespace Locktera.Client;

/// <summary>The organization's event log, newest first, page after page as it is read; and events a viewer application records.</summary>
public sealed class EventsClient
{
    private readonly LockteraPipeline _pipeline;
    private readonly string _org;

    internal EventsClient(LockteraPipeline pipeline, string orgId)
    {
        _pipeline = pipeline;
        _org = orgId;
    }

    /// <summary>Every event of the organization that <paramref name="filter"/> lets through.</summary>
    public IAsyncEnumerable<ContainerEvent> ListAsync(EventFilter? filter = null, CancellationToken cancellationToken = default) =>
        _pipeline.PageAsync<ContainerEvent>(Operations.ListOrgEvents, [_org], Query(filter), cancellationToken);

    /// <summary>
    /// One of upstream's event feeds: <paramref name="kind"/> <c>by_access</c>, <c>by_block</c>,
    /// <c>by_create</c>, <c>by_expire</c> or <c>by_fail</c>; an <see cref="EventFilter.Action"/> other than the feed's is refused (400).
    /// </summary>
    public IAsyncEnumerable<ContainerEvent> ListByKindAsync(string kind, EventFilter? filter = null, CancellationToken cancellationToken = default) =>
        _pipeline.PageAsync<ContainerEvent>(Operations.ListContainerEventsByKind, [_org, kind], Query(filter), cancellationToken);

    /// <summary>The events of one container; an <see cref="EventFilter.ContainerId"/> of another is refused (400).</summary>
    public IAsyncEnumerable<ContainerEvent> ListForContainerAsync(Guid containerId, EventFilter? filter = null, CancellationToken cancellationToken = default) =>
        _pipeline.PageAsync<ContainerEvent>(Operations.ListContainerEvents, [_org, containerId.ToString()], Query(filter), cancellationToken);

    /// <summary>Records what happened to a container on the caller's side; who and from where are the caller's.</summary>
    public Task<ContainerEvent> RecordAsync(Guid containerId, NewContainerEvent entry, CancellationToken cancellationToken = default) =>
        _pipeline.SendAsync<ContainerEvent>(Operations.RecordContainerEvent, [_org, containerId.ToString()], entry, cancellationToken);

    private static string? Query(EventFilter? filter) => ContainersClient.Query(
        ("action", filter?.Action),
        ("container_id", filter?.ContainerId?.ToString()),
        ("start", filter?.Start?.ToString("O")),
        ("end", filter?.End?.ToString("O")),
        ("limit", filter?.PageSize?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
