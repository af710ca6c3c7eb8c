using System.Buffers;
using System.Text.Json;
using Locktera.Core.Containers;
using Locktera.Core.Content;
using Locktera.Core.Events;
using Locktera.Core.Operations;
using Locktera.Core.Security;
using Locktera.Core.Tera;
using Locktera.Core.Validation;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Uploads;

/// <summary>
/// Upload sessions: a container whose files arrive as numbered parts, in parallel and in any order,
/// each retried and resumed on its own, on any instance (Box's chunked upload, for containers). The
/// container is version 2 of the format (docs/tera-format.md), begun when the session starts; each
/// part is encrypted as it arrives and stored as a native part of the object (a staged block, an S3
/// part), nothing buffered beyond the part; the commit makes the parts the container. Each step is
/// decided on a row under its ETag, so two instances never both commit, a part never counts twice,
/// and the org's count of open sessions is exact.
/// </summary>
public sealed class UploadSessions(
    UploadSessionStore store, ContainerService containers, ContainerStore records, IContentStores stores, DueIndex due, MasterKey masterKey,
    IMemoryCache cache, IOptions<LockteraOptions> options, TimeProvider time)
{
    /// <summary>How long a commit may run before another commit of the same session takes it over (the first one stopped).</summary>
    public static readonly TimeSpan CommitTakeover = TimeSpan.FromMinutes(5);

    /// <summary>What a client is told to wait before asking again about a commit under way.</summary>
    public static readonly TimeSpan CommitRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>The due rows of expiring sessions carry where their parts are, so that they can go even when the session row did not survive.</summary>
    private const string ContainerProperty = "ContainerId";

    /// <summary>
    /// The buffers of part requests, apart from the shared pool: that one keeps a buffer per thread
    /// and bucket, so part-sized buffers would pile up with the threads that ever served a part. This
    /// keeps at most 8 buffers of each power-of-two size, whatever the threads.
    /// </summary>
    private static readonly ArrayPool<byte> PartBuffers = ArrayPool<byte>.Create(2 * LockteraOptions.MaxUploadPartBytes, 8);

    private readonly SecretBox _secrets = new(masterKey, "upload-session");

    /// <summary>
    /// Starts a session for the container <paramref name="manifest"/> describes: every file with its
    /// size, in the order the parts will cover them. Refused while the org has
    /// <see cref="LockteraOptions.MaxOpenUploadSessions"/> open.
    /// </summary>
    public async Task<UploadSessionState> CreateAsync(Guid orgId, Actor actor, EncodeManifest manifest, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var files = Files(manifest, limits);
        var streamSize = files.Sum(f => f.Size);
        var partSize = PartSizeFor(streamSize, limits);
        if (await store.OpenCountAsync(orgId, cancellationToken) >= limits.MaxOpenUploadSessions)
        {
            await EndLapsedAsync(orgId, cancellationToken);
            if (await store.OpenCountAsync(orgId, cancellationToken) >= limits.MaxOpenUploadSessions)
            {
                throw TooMany(limits);
            }
        }
        var container = await containers.BeginPartsAsync(orgId, actor, manifest, files, partSize, cancellationToken);
        var record = container.Record;
        var now = time.GetUtcNow();
        var session = new UploadSession(OrderedGuid.Next(), orgId, record.Id, UploadStatus.Open, now, now.AddHours(limits.UploadSessionHours),
            partSize, streamSize, container.Parts.Count, record.StorageId, record.ObjectKey, container.UploadId, null);
        var created = false;
        try
        {
            // Noted first: whatever a crash leaves from here on, the purge removes once the session expires.
            await due.AddAsync(DueIndex.Uploads, session.ExpiresAt, Subject(session), cancellationToken, new Dictionary<string, object>
            {
                [ContainerProperty] = record.Id.ToString(),
                ["StorageId"] = record.StorageId,
                ["ObjectKey"] = record.ObjectKey,
                ["UploadId"] = container.UploadId,
            });
            var keys = _secrets.Seal([.. container.SegmentKey, .. container.IndexKey], Binding(session.OrgId, session.Id));
            created = await store.CreateAsync(session, new SessionBlobs(container.Header, container.SealedIndex, keys), limits.MaxOpenUploadSessions, cancellationToken);
        }
        finally
        {
            if (!created)
            {
                // Others took the last places meanwhile, or storage failed: nothing of this one stays.
                await containers.AbandonPartsAsync(orgId, record.Id, record.StorageId, record.ObjectKey, container.UploadId, CancellationToken.None);
                await due.RemoveAsync(DueIndex.Uploads, session.ExpiresAt, Subject(session), CancellationToken.None);
            }
        }
        return created ? new UploadSessionState(session, 0) : throw TooMany(limits);
    }

    /// <summary>The session and how many of its parts have arrived.</summary>
    public async Task<UploadSessionState> GetAsync(Guid orgId, string sessionId, CancellationToken cancellationToken)
    {
        var session = await LiveAsync(orgId, sessionId, cancellationToken);
        return new UploadSessionState(session, (await WrittenPartsAsync(session, cancellationToken)).Count);
    }

    /// <summary>The parts that have arrived, in number order: a client that lost its connection sends only the others.</summary>
    public async Task<IReadOnlyList<UploadPart>> PartsAsync(Guid orgId, string sessionId, CancellationToken cancellationToken) =>
        [.. (await WrittenPartsAsync(await LiveAsync(orgId, sessionId, cancellationToken), cancellationToken)).Select(ToPart)];

    /// <summary>
    /// Takes part bytes <paramref name="from"/>..<paramref name="to"/> of the files' <paramref name="total"/>
    /// (a <c>Content-Range</c>), whose SHA-256 must be <paramref name="sha256"/>: checked, encrypted and
    /// stored as the object's part of that number. The range must be exactly one part. Sending a part
    /// again is harmless; sending other bytes for a part that has arrived is a conflict. A part that
    /// fails any check keeps nothing.
    /// </summary>
    public async Task<UploadPart> WritePartAsync(Guid orgId, string sessionId, long from, long to, long total, byte[] sha256, Stream body, CancellationToken cancellationToken)
    {
        var session = await LiveAsync(orgId, sessionId, cancellationToken);
        EnsureOpen(session);
        var number = PartNumber(session, from, to, total);
        var (offset, length) = session.PlainRange(number);
        var digest = Convert.ToHexStringLower(sha256);
        var known = await store.FindPartAsync(orgId, session.Id, number, cancellationToken);
        if (known is not null && known.Sha256 != digest)
        {
            throw PartConflict(number);
        }
        if (known is { Written: true })
        {
            return ToPart(known);
        }
        var (tera, keys) = await MaterialAsync(session, cancellationToken);
        // One buffer of the part's stored length: the plaintext is read to where its ciphertext goes and sealed there.
        var storedLength = tera.StoredLength(number);
        var buffer = PartBuffers.Rent(storedLength);
        var stored = buffer.AsMemory(0, storedLength);
        var sealedAll = false;
        try
        {
            await ReadPartAsync(body, tera, number, length, stored, sha256, cancellationToken);
            var claim = await store.ReservePartAsync(orgId, session.Id, number, offset, length, digest, cancellationToken);
            if (claim.Sha256 != digest)
            {
                throw PartConflict(number);
            }
            tera.SealInPlace(keys.SegmentKey, number, stored.Span);
            sealedAll = true;
            var content = await stores.ForStoredAsync(orgId, session.StorageId, cancellationToken);
            string tag;
            try
            {
                tag = await content.WritePartAsync(session.ObjectKey, session.UploadId, number, stored, cancellationToken);
            }
            catch (ContentUploadGoneException)
            {
                throw await EndedMeanwhileAsync(session, cancellationToken);
            }
            // Checked after the part is marked: an abort removes the session before what it wrote, so
            // either the abort's clean-up finds this part, or this request sees the session gone.
            if (!await store.MarkPartWrittenAsync(orgId, session.Id, claim, tag, cancellationToken)
                || await store.FindAsync(orgId, session.Id, cancellationToken) is null)
            {
                throw await EndedMeanwhileAsync(session, cancellationToken);
            }
            return ToPart(claim);
        }
        finally
        {
            if (!sealedAll)
            {
                // The plaintext, which a failure left unsealed.
                CryptographicOperations.ZeroMemory(stored.Span);
            }
            PartBuffers.Return(buffer);
        }
    }

    /// <summary>
    /// Commits the session: once every part has arrived (and, when <paramref name="claimed"/> lists
    /// them, they are the ones listed), the parts become the container. Exactly one of any number of
    /// commits at once does it; the others learn it is under way, and a commit once done answers the
    /// container again.
    /// </summary>
    public async Task<UploadCommit> CommitAsync(Guid orgId, string sessionId, IReadOnlyList<ClaimedPart>? claimed, Actor actor, CancellationToken cancellationToken)
    {
        var id = SessionId(sessionId);
        var now = time.GetUtcNow();
        var (claim, session) = await store.ChangeAsync(orgId, id, current => current switch
        {
            null => (false, null, false, ("gone", (UploadSession?)null)),
            { Status: UploadStatus.Committed } => (false, null, false, ("done", current)),
            _ when current.ExpiresAt <= now => (false, null, false, ("gone", current)),
            { Status: UploadStatus.Committing, CommitStartedAt: { } started } when now - started < CommitTakeover => (false, null, false, ("busy", current)),
            _ => (true, current with { Status = UploadStatus.Committing, CommitStartedAt = now }, false, ("mine", current)),
        }, cancellationToken);
        switch (claim)
        {
            case "gone":
                throw NotFound();
            case "busy":
                return new UploadCommit.InProgress(new UploadSessionState(session!, (await WrittenPartsAsync(session!, cancellationToken)).Count), CommitRetryAfter);
            case "done":
                return await CommittedAsync(session!, cancellationToken);
        }
        session = session! with { Status = UploadStatus.Committing, CommitStartedAt = now };
        var parts = await WrittenPartsAsync(session, cancellationToken);
        if (Incomplete(session, parts, claimed) is { } problem)
        {
            // Not this time: the session takes parts again.
            await store.ChangeAsync(orgId, id, current => current is { Status: UploadStatus.Committing }
                ? (true, current with { Status = UploadStatus.Open, CommitStartedAt = null }, false, true)
                : (false, null, false, false), CancellationToken.None);
            throw new LockteraException(ErrorCode.UploadIncomplete, "The upload session cannot be committed yet.", new Dictionary<string, string> { ["parts"] = problem });
        }
        var (tera, keys) = await MaterialAsync(session, cancellationToken);
        var blobs = await store.BlobsAsync(orgId, id, cancellationToken) ?? throw new InvalidOperationException("An upload session lost its blobs.");
        var record = await records.FindAsync(orgId, session.ContainerId, cancellationToken) ?? throw new InvalidOperationException("An upload session lost its container.");
        var partsSha256 = Convert.ToHexStringLower(SHA256.HashData([.. parts.SelectMany(p => Convert.FromHexString(p.Sha256))]));
        var (container, index) = await containers.CompletePartsAsync(
            new PartedContainer(record, blobs.Header, blobs.SealedIndex, keys.SegmentKey, keys.IndexKey, session.UploadId, session.PartSize, session.StreamSize),
            [.. parts.Select(p => new ContentPart(p.Number, p.Tag!))], partsSha256, actor, cancellationToken);
        // The keys go; what a repeated commit answers (the files) stays, sealed, until the session expires.
        await store.SetSealedKeysAsync(orgId, id, _secrets.Seal(JsonSerializer.SerializeToUtf8Bytes(index, StoredJson.Options), Binding(orgId, id)), CancellationToken.None);
        await store.ChangeAsync(orgId, id, current => current is { Status: UploadStatus.Committing }
            ? (true, current with { Status = UploadStatus.Committed }, true, true)
            : (false, null, false, false), CancellationToken.None);
        cache.Remove(("upload", id));
        await store.ForgetAsync(orgId, id, keepBlobs: true, CancellationToken.None);
        return new UploadCommit.Done(container, index);
    }

    /// <summary>Aborts an open session: its parts and everything written for its container go, and it is no longer counted.</summary>
    public async Task AbortAsync(Guid orgId, string sessionId, CancellationToken cancellationToken)
    {
        var id = SessionId(sessionId);
        var now = time.GetUtcNow();
        var aborted = await store.ChangeAsync<UploadSession?>(orgId, id, current => current switch
        {
            null => (false, null, false, (UploadSession?)null),
            _ when current.ExpiresAt <= now => (false, null, false, null),
            { Status: UploadStatus.Open } => (true, null, true, current),
            _ => throw Closed(),
        }, cancellationToken) ?? throw NotFound();
        await ForgetAsync(aborted, cancellationToken);
        await due.RemoveAsync(DueIndex.Uploads, aborted.ExpiresAt, Subject(aborted), CancellationToken.None);
    }

    /// <summary>
    /// The purge's work for a session whose time is up (its due row): an open or unfinished one is
    /// removed with all it wrote, a committed one's row goes (its container stays); one whose commit
    /// is under way right now is looked at again later. Repeatable, and done from what the due row
    /// says where the session row is already gone.
    /// </summary>
    public async Task<bool?> ExpireAsync(DueRow row, CancellationToken cancellationToken)
    {
        var parts = row.Subject.Split(':');
        if (parts.Length != 2 || !Guid.TryParse(parts[0], out var orgId) || !Guid.TryParseExact(parts[1], "N", out var id))
        {
            return false;
        }
        var left = new UploadSession(id, orgId, Guid.TryParse(row.Entity.GetString(ContainerProperty), out var containerId) ? containerId : Guid.Empty, UploadStatus.Open,
            default, default, 0, 0, 0, row.Entity.GetString("StorageId") ?? "", row.Entity.GetString("ObjectKey") ?? "", row.Entity.GetString("UploadId") ?? "", null);
        return await EndAsync(orgId, id, left, cancellationToken) ? true : null;
    }

    /// <summary>
    /// Ends a session whose time is up, unless a commit of it is running now (then false): its row
    /// goes and, unless it was committed, everything it wrote; <paramref name="left"/> says where that
    /// is when the row is gone already.
    /// </summary>
    private async Task<bool> EndAsync(Guid orgId, Guid id, UploadSession left, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (ended, expired) = await store.ChangeAsync<(bool, UploadSession?)>(orgId, id, current => current switch
        {
            null => (false, null, false, (true, null)),
            { Status: UploadStatus.Committing, CommitStartedAt: { } started } when now - started < CommitTakeover => (false, null, false, (false, current)),
            _ => (true, null, current.Status != UploadStatus.Committed, (true, current)),
        }, cancellationToken);
        if (!ended)
        {
            return false;
        }
        cache.Remove(("upload", id));
        if (expired is { Status: UploadStatus.Committed })
        {
            await store.ForgetAsync(orgId, id, keepBlobs: false, cancellationToken);
        }
        else
        {
            await ForgetAsync(expired ?? left, cancellationToken);
        }
        return true;
    }

    /// <summary>Ends the org's sessions whose time is up now rather than at the next purge, so that they stop taking places.</summary>
    private async Task EndLapsedAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var session in (await store.ListAsync(orgId, cancellationToken)).Where(s => s.ExpiresAt <= now && s.Status != UploadStatus.Committed))
        {
            if (await EndAsync(orgId, session.Id, session, cancellationToken))
            {
                await due.RemoveAsync(DueIndex.Uploads, session.ExpiresAt, Subject(session), cancellationToken);
            }
        }
    }

    /// <summary>For the purge of a deleted org, while its storage configurations still exist: every session's uploaded parts go.</summary>
    public async Task ForgetOrgAsync(Guid orgId, CancellationToken cancellationToken)
    {
        foreach (var session in await store.ListAsync(orgId, cancellationToken))
        {
            await containers.AbandonPartsAsync(orgId, session.ContainerId, session.StorageId, session.ObjectKey, session.UploadId, cancellationToken);
        }
    }

    /// <summary>The part size for a stream: the configured one, larger only where the stream would need more than S3's 10,000 parts.</summary>
    public static int PartSizeFor(long streamSize, LockteraOptions limits)
    {
        var segment = TeraHeader.DefaultSegmentSize;
        var needed = (streamSize + LockteraOptions.MaxUploadParts - 1) / LockteraOptions.MaxUploadParts;
        var rounded = (needed + segment - 1) / segment * segment;
        return (int)Math.Max(limits.UploadPartBytes, Math.Min(rounded, LockteraOptions.MaxUploadPartBytes));
    }

    /// <summary>
    /// What to answer a part whose session ended while it was stored: committed (409), or aborted or
    /// purged (404) — then what this request wrote goes too (its claim; on Azure the staged block,
    /// which would otherwise stay, invisible, for 7 days).
    /// </summary>
    private async Task<LockteraException> EndedMeanwhileAsync(UploadSession session, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(session.OrgId, session.Id, cancellationToken) is not null)
        {
            return Closed();
        }
        await ForgetAsync(session, CancellationToken.None);
        return NotFound();
    }

    private async Task ForgetAsync(UploadSession session, CancellationToken cancellationToken)
    {
        await containers.AbandonPartsAsync(session.OrgId, session.ContainerId, session.StorageId, session.ObjectKey, session.UploadId, cancellationToken);
        await store.ForgetAsync(session.OrgId, session.Id, keepBlobs: false, cancellationToken);
    }

    private async Task<UploadCommit> CommittedAsync(UploadSession session, CancellationToken cancellationToken)
    {
        var blobs = await store.BlobsAsync(session.OrgId, session.Id, cancellationToken);
        var record = await records.FindAsync(session.OrgId, session.ContainerId, cancellationToken);
        if (blobs?.SealedKeys is not { } sealedFiles || record is null)
        {
            throw NotFound();
        }
        var index = JsonSerializer.Deserialize<TeraIndex>(_secrets.Open(sealedFiles, Binding(session.OrgId, session.Id)), StoredJson.Options)!;
        return new UploadCommit.Done(record, index);
    }

    /// <summary>The files of a session's manifest, in its order, each with its size; the container's limits hold.</summary>
    private static List<(string Name, string Type, long Size, TeraFileDetails Details)> Files(EncodeManifest manifest, LockteraOptions limits)
    {
        var errors = new FieldErrors();
        if (manifest.Files.Count == 0)
        {
            errors.Add("files", "an upload session needs the files, each with its size, in the manifest");
        }
        foreach (var (name, file) in manifest.Files)
        {
            if (file.Size is null)
            {
                errors.Add($"files.{name}.size", "is required for an upload session");
            }
        }
        errors.ThrowIfAny();
        if (manifest.Files.Count > limits.MaxFilesPerContainer)
        {
            throw new LockteraException(ErrorCode.ContainerTooLarge, $"A container holds at most {limits.MaxFilesPerContainer} files.");
        }
        var files = manifest.Files.Select(f => (Name: f.Key, Type: f.Value.Type ?? "application/octet-stream", Size: f.Value.Size!.Value, f.Value.Details)).ToList();
        var total = files.Aggregate(0L, (sum, f) => sum + f.Size > limits.MaxContainerBytes || sum + f.Size < sum ? long.MaxValue : sum + f.Size);
        return total > limits.MaxContainerBytes
            ? throw new LockteraException(ErrorCode.ContainerTooLarge, $"The files exceed the limit of {limits.MaxContainerBytes} bytes.")
            : files;
    }

    /// <summary>The session the route names, unless it never was, was aborted or has expired (all alike).</summary>
    private async Task<UploadSession> LiveAsync(Guid orgId, string sessionId, CancellationToken cancellationToken)
    {
        var session = await store.FindAsync(orgId, SessionId(sessionId), cancellationToken);
        return session is null || session.ExpiresAt <= time.GetUtcNow() ? throw NotFound() : session;
    }

    private static Guid SessionId(string sessionId) => Guid.TryParse(sessionId, out var id) ? id : throw NotFound();

    private static void EnsureOpen(UploadSession session)
    {
        if (session.Status != UploadStatus.Open)
        {
            throw Closed();
        }
    }

    /// <summary>Which part a Content-Range names: exactly one whole part of this session, or a 400 saying what it should be.</summary>
    private static int PartNumber(UploadSession session, long from, long to, long total)
    {
        string? problem = null;
        if (total != session.StreamSize)
        {
            problem = $"the total must be {session.StreamSize}, the files' bytes";
        }
        else if (session.PartCount == 0)
        {
            problem = "this session's files are empty: it has no parts, commit it";
        }
        else if (from < 0 || from % session.PartSize != 0 || from / session.PartSize >= session.PartCount)
        {
            problem = $"a part starts at a multiple of the part size {session.PartSize}, before {session.StreamSize}";
        }
        else
        {
            var number = (int)(from / session.PartSize) + 1;
            var (_, length) = session.PlainRange(number);
            if (to != from + length - 1)
            {
                problem = $"part {number} is bytes {from}-{from + length - 1}";
            }
            else
            {
                return number;
            }
        }
        throw LockteraException.Validation("content-range", problem);
    }

    /// <summary>
    /// Reads exactly one part's <paramref name="length"/> bytes from the body (no more, no fewer), each
    /// segment to its place in <paramref name="stored"/>, and checks them against their SHA-256.
    /// </summary>
    private static async Task ReadPartAsync(Stream body, TeraParts tera, int number, int length, Memory<byte> stored, byte[] sha256, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var done = 0; done < length; done += tera.SegmentSize)
        {
            var chunk = stored.Slice(tera.PlainPosition(number, done), Math.Min(tera.SegmentSize, length - done));
            if (await body.ReadAtLeastAsync(chunk, chunk.Length, throwOnEndOfStream: false, cancellationToken) != chunk.Length)
            {
                throw WrongLength(length);
            }
            hash.AppendData(chunk.Span);
        }
        if (await body.ReadAsync(new byte[1], cancellationToken) != 0)
        {
            throw WrongLength(length);
        }
        if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), sha256))
        {
            throw LockteraException.Validation("content-digest", "does not match the part's bytes (sha-256)");
        }
    }

    private static LockteraException WrongLength(int length) => LockteraException.Validation("body", $"must be the part's {length} bytes, as its Content-Range says");

    /// <summary>What sealing a part needs, the same for every part of a session: kept in memory once read.</summary>
    private async Task<(TeraParts Parts, TeraKeys Keys)> MaterialAsync(UploadSession session, CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync(("upload", session.Id), async entry =>
        {
            entry.Size = 1;
            // The keys stay in memory only while parts arrive here, never past the session.
            entry.SlidingExpiration = TimeSpan.FromMinutes(10);
            entry.AbsoluteExpiration = session.ExpiresAt;
            var blobs = await store.BlobsAsync(session.OrgId, session.Id, cancellationToken);
            if (blobs?.SealedKeys is not { Length: > 0 } sealedKeys || session.Status == UploadStatus.Committed)
            {
                throw NotFound();
            }
            var keys = _secrets.Open(sealedKeys, Binding(session.OrgId, session.Id));
            return (new TeraParts(TeraHeader.Parse(blobs.Header), blobs.SealedIndex, session.StreamSize, session.PartSize), TeraKeys.Restore(keys[..32], keys[32..]));
        });

    private async Task<IReadOnlyList<PartRow>> WrittenPartsAsync(UploadSession session, CancellationToken cancellationToken) =>
        [.. (await store.PartsAsync(session.OrgId, session.Id, cancellationToken)).Where(p => p.Written)];

    /// <summary>What keeps a session from being committed: a part missing, or a claimed list that is not what arrived.</summary>
    private static string? Incomplete(UploadSession session, IReadOnlyList<PartRow> parts, IReadOnlyList<ClaimedPart>? claimed)
    {
        var missing = Enumerable.Range(1, session.PartCount).Except(parts.Select(p => p.Number)).ToList();
        if (missing.Count > 0)
        {
            return $"missing: {string.Join(", ", missing.Take(50))}{(missing.Count > 50 ? ", …" : "")}";
        }
        if (claimed is null)
        {
            return null;
        }
        var arrived = parts.Select(ToPart).ToDictionary(p => p.PartId, StringComparer.Ordinal);
        var wrong = claimed.Where(c => !arrived.TryGetValue(c.PartId, out var p) || (c.Offset is { } o && o != p.Offset)
            || (c.Size is { } s && s != p.Size) || (c.Sha256 is { } h && !h.Equals(p.Sha256, StringComparison.OrdinalIgnoreCase))).Select(c => c.PartId).ToList();
        return wrong.Count > 0 || claimed.Select(c => c.PartId).Distinct(StringComparer.Ordinal).Count() != session.PartCount
            ? $"the list differs from the parts that arrived{(wrong.Count > 0 ? $": {string.Join(", ", wrong.Take(50).Select(VisibleText.Escape))}" : "")}"
            : null;
    }

    private static UploadPart ToPart(PartRow p) => new(p.Number, p.Offset, p.Size, p.Sha256);

    private static string Subject(UploadSession session) => $"{session.OrgId}:{session.Id:N}";

    private static string Binding(Guid orgId, Guid sessionId) => $"{orgId}/{sessionId:N}";

    private static LockteraException NotFound() => new(ErrorCode.UploadSessionNotFound, "No open upload session has that id: it never was, was aborted, or has expired.");

    private static LockteraException Closed() => new(ErrorCode.UploadSessionClosed, "The upload session is committed or being committed: it takes no more parts and cannot be aborted.");

    private static LockteraException PartConflict(int number) =>
        new(ErrorCode.PartConflict, $"Part {number} has already arrived with other bytes.", new Dictionary<string, string> { ["content-digest"] = "differs from the part that arrived" });

    private static LockteraException TooMany(LockteraOptions limits) =>
        new(ErrorCode.TooManyUploadSessions, $"The organization has {limits.MaxOpenUploadSessions} upload sessions open: commit or abort one first.");
}
