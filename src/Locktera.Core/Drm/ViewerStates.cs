using Locktera.Core.Operations;

namespace Locktera.Core.Drm;

/// <summary>What the service counts for one viewer of one container.</summary>
public sealed record ViewerState(string Email, int Opens, int FailedAttempts, bool Locked);

/// <summary>
/// Per-viewer counters and viewing sessions, in the containers table's org partition: a counter
/// row "v:{container}:{email}" changed only under its ETag (so two instances can never over-grant
/// opens or lose a failed attempt) and a row per session "s:{container}:{session}", which the purge
/// removes once it has expired (each session is noted in <see cref="DueIndex.Sessions"/> by its end).
/// </summary>
public sealed class ViewerStates(StorageAccount storage, DueIndex due)
{
    /// <summary>Keeps a viewing session the viewer's counter row has just granted (and notes its end for the purge).</summary>
    public async Task AddSessionAsync(Guid orgId, Guid containerId, string email, string sessionId, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await due.AddAsync(DueIndex.Sessions, expires, $"{orgId}:{SessionRow(containerId, sessionId)}", cancellationToken);
        await table.AddEntityAsync(new TableEntity(orgId.ToString(), SessionRow(containerId, sessionId)) { ["Email"] = email, ["Expires"] = expires }, cancellationToken);
    }

    public async Task<bool> SessionValidAsync(Guid orgId, Guid containerId, string sessionId, string email, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (sessionId.Length is 0 or > 64 || !sessionId.All(char.IsAsciiLetterOrDigit))
        {
            return false;
        }
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), SessionRow(containerId, sessionId), cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetString("Email") == email && row.Value.GetDateTimeOffset("Expires") > now;
    }

    /// <summary>Removes an expired session, named as <see cref="AddSessionAsync"/> noted it ("{org id}:{session row}").</summary>
    public async Task RemoveSessionAsync(string subject, CancellationToken cancellationToken)
    {
        var parts = subject.Split(':', 2);
        if (parts.Length == 2 && Guid.TryParse(parts[0], out _) && parts[1].StartsWith("s:", StringComparison.Ordinal))
        {
            var table = await Table(cancellationToken);
            await table.DeleteEntityAsync(parts[0], parts[1], Azure.ETag.All, cancellationToken);
        }
    }

    public async Task<ViewerState> GetAsync(Guid orgId, Guid containerId, string email, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), CounterRow(containerId, email), cancellationToken: cancellationToken);
        return row.HasValue ? ToState(row.Value!) : new ViewerState(email, 0, 0, false);
    }

    /// <summary>
    /// Applies <paramref name="change"/> under the counter row's ETag, again after a lost race.
    /// A change that returns null writes nothing (and the method returns null).
    /// </summary>
    public Task<ViewerState?> ChangeAsync(Guid orgId, Guid containerId, string email, Func<ViewerState, ViewerState?> change, CancellationToken cancellationToken) =>
        DecideAsync(orgId, containerId, email, state => change(state) is { } next ? (next, next) : (null, (ViewerState?)null), cancellationToken);

    /// <summary>
    /// Decides on the viewer's counters as they are and writes the decision under the row's ETag;
    /// on a lost race it decides again on the newer row, so a decision never rests on a stale count
    /// or lock. <paramref name="decide"/> returns the state to write (null: none) and the outcome.
    /// </summary>
    public async Task<T> DecideAsync<T>(Guid orgId, Guid containerId, string email, Func<ViewerState, (ViewerState? Write, T Result)> decide, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = orgId.ToString();
        var rowKey = CounterRow(containerId, email);
        return await table.UpdateAsync<T>(partition, rowKey, row =>
        {
            var (next, result) = decide(row is null ? new ViewerState(email, 0, 0, false) : ToState(row));
            return next is null
                ? (null, result)
                : (new TableEntity(partition, rowKey) { ["Email"] = email, ["Opens"] = next.Opens, ["FailedAttempts"] = next.FailedAttempts, ["Locked"] = next.Locked }, result);
        }, cancellationToken);
    }

    /// <summary>Every viewer of a container the service has counted something for.</summary>
    public async Task<IReadOnlyList<ViewerState>> ListAsync(Guid orgId, Guid containerId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.WithPrefix(orgId.ToString(), $"v:{containerId:N}:", null, cancellationToken).Select(ToState).ToListAsync(cancellationToken);
    }

    private static string CounterRow(Guid containerId, string email) =>
        string.Create(CultureInfo.InvariantCulture, $"v:{containerId:N}:{RowKeys.Segment(email)}");

    private static string SessionRow(Guid containerId, string sessionId) => $"s:{containerId:N}:{RowKeys.Segment(sessionId)}";

    private static ViewerState ToState(TableEntity e) =>
        new(e.GetString("Email") ?? "", e.GetInt32("Opens") ?? 0, e.GetInt32("FailedAttempts") ?? 0, e.GetBoolean("Locked") ?? false);

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Containers, cancellationToken);
}
