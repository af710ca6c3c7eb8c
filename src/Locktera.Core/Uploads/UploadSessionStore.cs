using Azure;

namespace Locktera.Core.Uploads;

/// <summary>What never changes in a session, kept beside it: the container's header and sealed index, and sealed secrets.</summary>
internal sealed record SessionBlobs(byte[] Header, byte[] SealedIndex, byte[]? SealedKeys);

/// <summary>A part's row: reserved (its digest claimed) before its bytes are stored, written once they are.</summary>
internal sealed record PartRow(int Number, long Offset, int Size, string Sha256, bool Written, string? Tag);

/// <summary>
/// Upload sessions in table storage (<c>{prefix}uploads</c>, partition = org id): per session a row
/// <c>s:{id}</c> (its state), <c>i:{id}</c> (header, sealed index, sealed keys) and <c>p:{id}:{number}</c>
/// per part; and per org <c>open</c>, how many sessions are open. A session is counted while it is
/// open or being committed; the count changes only in the same entity-group transaction as the
/// session row it counts, under both rows' ETags, so it is exact however many instances race.
/// </summary>
public sealed class UploadSessionStore(StorageAccount storage)
{
    private const string OpenRow = "open";

    /// <summary>A property's most bytes in table storage is 64 KiB: larger values are kept in numbered pieces.</summary>
    private const int PieceBytes = 60 * 1024;

    internal async Task<int> OpenCountAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), OpenRow, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetInt32("Count") ?? 0 : 0;
    }

    /// <summary>Adds a session and counts it, unless the org already has <paramref name="maxOpen"/> open; returns whether it was added.</summary>
    internal async Task<bool> CreateAsync(UploadSession session, SessionBlobs blobs, int maxOpen, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = session.OrgId.ToString();
        while (true)
        {
            var counter = await table.GetEntityIfExistsAsync<TableEntity>(partition, OpenRow, cancellationToken: cancellationToken);
            var open = counter.HasValue ? counter.Value!.GetInt32("Count") ?? 0 : 0;
            if (open >= maxOpen)
            {
                return false;
            }
            try
            {
                await table.SubmitTransactionAsync(
                [
                    Counter(partition, open + 1, counter.HasValue ? counter.Value : null),
                    new(TableTransactionActionType.Add, ToEntity(session)),
                    new(TableTransactionActionType.Add, ToEntity(session.OrgId, session.Id, blobs)),
                ], cancellationToken);
                return true;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
            {
                // Another session was counted meanwhile: count again.
            }
        }
    }

    internal async Task<UploadSession?> FindAsync(Guid orgId, Guid sessionId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), SessionKey(sessionId), cancellationToken: cancellationToken);
        return row.HasValue ? ToSession(row.Value!) : null;
    }

    internal async Task<SessionBlobs?> BlobsAsync(Guid orgId, Guid sessionId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), BlobsKey(sessionId), cancellationToken: cancellationToken);
        return row.HasValue ? new SessionBlobs(ReadPieces(row.Value!, "Header"), ReadPieces(row.Value!, "SealedIndex"), row.Value!.GetBinary("SealedKeys")) : null;
    }

    /// <summary>Replaces the session's sealed secrets (after a commit: the keys go, the files' list stays for repeated commits).</summary>
    internal async Task SetSealedKeysAsync(Guid orgId, Guid sessionId, byte[] sealedKeys, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.UpdateEntityAsync(new TableEntity(orgId.ToString(), BlobsKey(sessionId)) { ["SealedKeys"] = sealedKeys }, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>
    /// Changes a session by <paramref name="decide"/>, given it as stored (null when there is none):
    /// the session as it is to be (null: removed), and whether it stops being counted as open. The
    /// change and the count are written in one transaction under both rows' ETags, again on a lost race.
    /// </summary>
    internal async Task<T> ChangeAsync<T>(Guid orgId, Guid sessionId, Func<UploadSession?, (bool Write, UploadSession? Next, bool Uncount, T Result)> decide, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = orgId.ToString();
        while (true)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(partition, SessionKey(sessionId), cancellationToken: cancellationToken);
            var (write, next, uncount, result) = decide(current.HasValue ? ToSession(current.Value!) : null);
            if (!write || !current.HasValue)
            {
                return result;
            }
            var actions = new List<TableTransactionAction>
            {
                next is null
                    ? new(TableTransactionActionType.Delete, current.Value!, current.Value!.ETag)
                    : new(TableTransactionActionType.UpdateReplace, ToEntity(next), current.Value!.ETag),
            };
            if (uncount)
            {
                var counter = await table.GetEntityIfExistsAsync<TableEntity>(partition, OpenRow, cancellationToken: cancellationToken);
                var open = counter.HasValue ? counter.Value!.GetInt32("Count") ?? 0 : 0;
                actions.Add(Counter(partition, Math.Max(0, open - 1), counter.HasValue ? counter.Value : null));
            }
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
                return result;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
            {
                // The session or the count changed meanwhile: decide again on what is there now.
            }
        }
    }

    internal async Task<PartRow?> FindPartAsync(Guid orgId, Guid sessionId, int number, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), PartKey(sessionId, number), cancellationToken: cancellationToken);
        return row.HasValue ? ToPart(row.Value!) : null;
    }

    /// <summary>Claims a part for bytes of this digest before they are stored; returns the part as it then is (another request's claim, if it came first).</summary>
    internal async Task<PartRow> ReservePartAsync(Guid orgId, Guid sessionId, int number, long offset, int size, string sha256, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var entity = new TableEntity(orgId.ToString(), PartKey(sessionId, number))
        {
            ["Offset"] = offset,
            ["Size"] = size,
            ["Sha256"] = sha256,
            ["Written"] = false,
        };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return new PartRow(number, offset, size, sha256, false, null);
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return await FindPartAsync(orgId, sessionId, number, cancellationToken) ?? throw new InvalidOperationException("A claimed part vanished.");
        }
    }

    /// <summary>Marks a claimed part as stored, with the store's tag for it; false when its claim is gone (the session ended meanwhile).</summary>
    internal async Task<bool> MarkPartWrittenAsync(Guid orgId, Guid sessionId, PartRow part, string tag, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        try
        {
            await table.UpdateEntityAsync(new TableEntity(orgId.ToString(), PartKey(sessionId, part.Number))
            {
                ["Offset"] = part.Offset,
                ["Size"] = part.Size,
                ["Sha256"] = part.Sha256,
                ["Written"] = true,
                ["Tag"] = tag,
            }, ETag.All, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Every part claimed or written, in number order.</summary>
    internal async Task<IReadOnlyList<PartRow>> PartsAsync(Guid orgId, Guid sessionId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.WithPrefix(orgId.ToString(), PartPrefix(sessionId), null, cancellationToken).Select(ToPart).ToListAsync(cancellationToken);
    }

    /// <summary>Removes a session's parts and blobs (its row goes by <see cref="ChangeAsync"/>).</summary>
    internal async Task ForgetAsync(Guid orgId, Guid sessionId, bool keepBlobs, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await table.DeletePartitionAsync(orgId.ToString(), cancellationToken, PartPrefix(sessionId));
        if (!keepBlobs)
        {
            await table.DeleteEntityAsync(orgId.ToString(), BlobsKey(sessionId), ETag.All, cancellationToken);
        }
    }

    /// <summary>Every session of an org, as stored.</summary>
    internal async Task<IReadOnlyList<UploadSession>> ListAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.WithPrefix(orgId.ToString(), "s:", null, cancellationToken).Select(ToSession).ToListAsync(cancellationToken);
    }

    private static TableTransactionAction Counter(string partition, int count, TableEntity? current)
    {
        var row = new TableEntity(partition, OpenRow) { ["Count"] = count };
        return current is null ? new(TableTransactionActionType.Add, row) : new(TableTransactionActionType.UpdateReplace, row, current.ETag);
    }

    private static string SessionKey(Guid id) => $"s:{id:N}";

    private static string BlobsKey(Guid id) => $"i:{id:N}";

    private static string PartPrefix(Guid id) => $"p:{id:N}:";

    private static string PartKey(Guid id, int number) => PartPrefix(id) + number.ToString("D5", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(UploadSession s) => new(s.OrgId.ToString(), SessionKey(s.Id))
    {
        ["ContainerId"] = s.ContainerId.ToString(),
        ["Status"] = s.Status.ToString(),
        ["CreatedAt"] = s.CreatedAt,
        ["ExpiresAt"] = s.ExpiresAt,
        ["PartSize"] = s.PartSize,
        ["StreamSize"] = s.StreamSize,
        ["PartCount"] = s.PartCount,
        ["StorageId"] = s.StorageId,
        ["ObjectKey"] = s.ObjectKey,
        ["UploadId"] = s.UploadId,
        ["CommitStartedAt"] = s.CommitStartedAt,
    };

    private static UploadSession ToSession(TableEntity e) => new(
        Guid.ParseExact(e.RowKey[2..], "N"),
        Guid.Parse(e.PartitionKey),
        Guid.Parse(e.GetString("ContainerId")),
        Enum.Parse<UploadStatus>(e.GetString("Status")),
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
        e.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.UnixEpoch,
        e.GetInt32("PartSize") ?? 0,
        e.GetInt64("StreamSize") ?? 0,
        e.GetInt32("PartCount") ?? 0,
        e.GetString("StorageId") ?? "",
        e.GetString("ObjectKey") ?? "",
        e.GetString("UploadId") ?? "",
        e.GetDateTimeOffset("CommitStartedAt"));

    private static TableEntity ToEntity(Guid orgId, Guid sessionId, SessionBlobs blobs)
    {
        var entity = new TableEntity(orgId.ToString(), BlobsKey(sessionId)) { ["SealedKeys"] = blobs.SealedKeys };
        WritePieces(entity, "Header", blobs.Header);
        WritePieces(entity, "SealedIndex", blobs.SealedIndex);
        return entity;
    }

    private static void WritePieces(TableEntity entity, string name, byte[] value)
    {
        var pieces = (value.Length + PieceBytes - 1) / PieceBytes;
        entity[name + "Pieces"] = pieces;
        for (var i = 0; i < pieces; i++)
        {
            entity[name + i.ToString(CultureInfo.InvariantCulture)] = value.AsSpan(i * PieceBytes, Math.Min(PieceBytes, value.Length - (i * PieceBytes))).ToArray();
        }
    }

    private static byte[] ReadPieces(TableEntity entity, string name) =>
        [.. Enumerable.Range(0, entity.GetInt32(name + "Pieces") ?? 0).SelectMany(i => entity.GetBinary(name + i.ToString(CultureInfo.InvariantCulture)) ?? [])];

    private static PartRow ToPart(TableEntity e) => new(
        int.Parse(e.RowKey[(e.RowKey.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture),
        e.GetInt64("Offset") ?? 0,
        e.GetInt32("Size") ?? 0,
        e.GetString("Sha256") ?? "",
        e.GetBoolean("Written") ?? false,
        e.GetString("Tag"));

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Uploads, cancellationToken);
}
