using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using Locktera.Core.Content;
using Locktera.Core.Drm;
using Locktera.Core.Events;
using Locktera.Core.Metering;
using Locktera.Core.Operations;
using Locktera.Core.Tera;
using Locktera.Core.Validation;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Containers;

/// <summary>A container opened for reading: its record, keys and index, and where its bytes are.</summary>
public sealed record OpenedContainer(ContainerRecord Record, TeraHeader Header, TeraKeys Keys, TeraIndex Index, IContentStore Store)
{
    public TeraFile File(string name) => Index.Files[FileIndex(name)];

    /// <summary>
    /// What identifies the bytes of a file, for ETags: its SHA-256 where the index has one (version 1),
    /// else a value derived from the container's seal, which changes with any byte of the container.
    /// </summary>
    public string VersionOf(TeraFile file) =>
        file.Sha256 ?? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Record.Seal}\n{file.Name}")));

    /// <summary>Where the file of that name is in the index; its segments are sealed under that position.</summary>
    public int FileIndex(string name) => Index.Files.ToList().FindIndex(f => f.Name == name) is >= 0 and var index
        ? index
        : throw new LockteraException(ErrorCode.FileNotFound, "The container has no file of that name.");
}

/// <summary>The rules of a container, and their version (for ETag / If-Match).</summary>
public sealed record ContainerRules(ContainerRecord Record, DrmRules Rules, string Version);

/// <summary>
/// A byte range of one file being decrypted (<see cref="ContainerService.ReadFileAsync"/>): its first
/// segment has authenticated; a later segment that fails is recorded as it is found, then thrown.
/// </summary>
public sealed class OpenedFile(TeraReader reader, Func<string, Task> recordIntegrityFailure) : IAsyncDisposable
{
    public async Task CopyToAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        try
        {
            await reader.CopyToAsync(output, cancellationToken);
        }
        catch (TeraIntegrityException e)
        {
            await recordIntegrityFailure(e.Message);
            throw;
        }
    }

    public ValueTask DisposeAsync() => reader.DisposeAsync();
}

/// <summary>
/// A container an upload session writes in parts (<see cref="ContainerService.BeginPartsAsync"/>):
/// its pending record, and what sealing a part and committing need — the version-2 header, the
/// sealed index, the segment and index keys (kept sealed by the session), the store's upload id.
/// </summary>
public sealed record PartedContainer(
    ContainerRecord Record, byte[] Header, byte[] SealedIndex, byte[] SegmentKey, byte[] IndexKey, string UploadId, int PartSize, long StreamSize)
{
    public TeraParts Parts => new(TeraHeader.Parse(Header), SealedIndex, StreamSize, PartSize);
}

public sealed class ContainerService(
    ContainerStore store, OrgKeyPairs keyPairs, ContainerSeal seal, IContentStores stores, EventLog events, UsageMeter meter, DueIndex due, IMemoryCache cache, IOptions<LockteraOptions> options, TimeProvider time)
{
    /// <summary>
    /// How long an encode may take before the purge treats what it left (a pending record, perhaps a
    /// committed object) as the remains of a crash: far longer than any upload the front end allows.
    /// </summary>
    public static readonly TimeSpan EncodeGrace = TimeSpan.FromDays(1);

    /// <summary>
    /// How long an opened container's header, keys and index stay in memory. A video player's Range
    /// requests then cost one ranged read each, instead of two more reads, a key decapsulation and,
    /// for a protected container, an Argon2id derivation (a quarter second) every time.
    /// </summary>
    public static readonly TimeSpan OpenedLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Keys the cache by password without keeping the password: a per-process random HMAC key.</summary>
    private static readonly byte[] PasswordFingerprintKey = RandomNumberGenerator.GetBytes(32);

    private sealed record OpenedMaterial(TeraHeader Header, TeraKeys Keys, TeraIndex Index);

    /// <summary>
    /// Encodes a container: a pending record (never listed) and an upload to the org's current
    /// storage, into which the <paramref name="files"/> are encrypted as they arrive; once every file
    /// the manifest names has come, the upload commits and only then does the record become active.
    /// Anything that fails before the commit discards the upload and the pending record: a failed
    /// encode leaves nothing behind (and what a crash leaves, the purge removes a day later).
    /// </summary>
    public async Task<(ContainerRecord Record, TeraIndex Index)> EncodeAsync(
        Guid orgId, Actor actor, EncodeManifest manifest, IAsyncEnumerable<EncodeFile> files, CancellationToken cancellationToken)
    {
        var (record, header, keys, target) = await NewAsync(orgId, actor, manifest, TeraHeader.Version, cancellationToken);
        // Noted before anything is written, so that whatever a crash leaves behind is found and removed;
        // an encode that ends, committed or cleaned up, removes its note (SettleEncodeAsync).
        await due.AddAsync(DueIndex.Encodes, EncodeNoteDue(record), Subject(record), cancellationToken,
            new Dictionary<string, object> { ["StorageId"] = record.StorageId, ["ObjectKey"] = record.ObjectKey });
        await store.AddAsync(record, cancellationToken);
        var upload = await target.Store.StartUploadAsync(record.ObjectKey, cancellationToken);
        TeraWritten written;
        long plainBytes;
        try
        {
            var writer = await TeraWriter.StartAsync(upload, header, keys, cancellationToken);
            await WriteFilesAsync(writer, manifest, files, cancellationToken);
            written = await writer.CompleteAsync(record.Name, record.CreatedAt, cancellationToken);
            plainBytes = writer.ContentBytes;
            await upload.CommitAsync(cancellationToken);
        }
        catch
        {
            await upload.DisposeAsync();
            await AbandonAsync(record);
            throw;
        }
        await upload.DisposeAsync();

        var active = await ActivateAsync(record, written, cancellationToken) ?? throw new InvalidOperationException("The pending container record vanished.");
        await meter.EncodedAsync(active.OrgId, actor.UsageSubject, plainBytes, active.Size, cancellationToken);
        await events.RecordAsync(EventLog.ContainerCreate, active, actor, new Dictionary<string, string>
        {
            ["name"] = active.Name,
            ["files"] = written.Index.Files.Count.ToString(CultureInfo.InvariantCulture),
            ["size"] = active.Size.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        await SettleEncodeAsync(active, cancellationToken);
        return (active, written.Index);
    }

    /// <summary>
    /// A new container's pending record (not yet stored: never listed), its header and keys for the
    /// org's active key pair, and the org's current storage, which it will be written to.
    /// </summary>
    private async Task<(ContainerRecord Record, TeraHeader Header, TeraKeys Keys, ContentTarget Target)> NewAsync(
        Guid orgId, Actor actor, EncodeManifest manifest, byte version, CancellationToken cancellationToken)
    {
        var id = OrderedGuid.Next();
        var target = await stores.ForNewContainerAsync(orgId, cancellationToken);
        var keyPair = await keyPairs.ActiveAsync(orgId, cancellationToken);
        var rules = manifest.Rules.ToJson().ToJsonString();
        var (header, keys) = TeraHeader.Create(id, orgId, keyPair.Id, keyPair.PublicKey, TeraHeader.DefaultSegmentSize, manifest.Password,
            manifest.Dynamic ? [] : Encoding.UTF8.GetBytes(rules), version);
        var record = new ContainerRecord
        {
            Id = id,
            OrgId = orgId,
            Name = manifest.Name ?? $"container-{id:N}"[..18],
            Status = ContainerStatus.Pending,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = actor.User,
            Tags = manifest.Tags,
            Dynamic = manifest.Dynamic,
            Downloadable = manifest.Rules.Downloadable,
            PasswordProtected = manifest.Password is not null,
            StorageId = target.StorageId,
            ObjectKey = $"{orgId}/{id}.tera",
            Rules = rules,
        };
        return (record, header, keys, target);
    }

    /// <summary>
    /// Begins a container that an upload session writes in parts: its pending record (never listed),
    /// its version-2 header and sealed index — both known now, as the manifest gives every file's size,
    /// so the record's seal is too — and a multipart upload in the org's current storage. What the
    /// session must keep to seal and commit the parts is returned.
    /// </summary>
    public async Task<PartedContainer> BeginPartsAsync(
        Guid orgId, Actor actor, EncodeManifest manifest, IReadOnlyList<(string Name, string Type, long Size, TeraFileDetails Details)> files, int partSize, CancellationToken cancellationToken)
    {
        var (record, header, keys, target) = await NewAsync(orgId, actor, manifest, TeraHeader.StreamVersion, cancellationToken);
        var index = TeraIndex.ForStream(record.Name, record.CreatedAt, files);
        var sealedIndex = index.Seal(header, keys, header.Bytes.Length);
        var parts = new TeraParts(header, sealedIndex, index.StreamSize, partSize);
        record = record with
        {
            Size = parts.ObjectSize,
            HeaderLength = header.Bytes.Length,
            IndexOffset = header.Bytes.Length,
            IndexLength = sealedIndex.Length,
            Seal = seal.Compute(orgId, record.Id, header.Bytes, header.Bytes.Length, sealedIndex),
        };
        var uploadId = await target.Store.StartPartsAsync(record.ObjectKey, cancellationToken);
        try
        {
            await store.AddAsync(record, cancellationToken);
        }
        catch
        {
            await target.Store.AbortPartsAsync(record.ObjectKey, uploadId, CancellationToken.None);
            throw;
        }
        return new PartedContainer(record, header.Bytes, sealedIndex, keys.SegmentKey, keys.IndexKey, uploadId, partSize, index.StreamSize);
    }

    /// <summary>
    /// Completes a container written in parts once every part is stored: the parts become the object
    /// (for a container of empty files, the one part of header, index and trailer is written now), and
    /// the record becomes active with <paramref name="partsSha256"/> as its digest; the encode is then
    /// metered and recorded. Repeatable: a commit that crashed part-way is finished by the next, and
    /// what it did is never done twice.
    /// </summary>
    public async Task<(ContainerRecord Record, TeraIndex Index)> CompletePartsAsync(
        PartedContainer container, IReadOnlyList<ContentPart> parts, string partsSha256, Actor actor, CancellationToken cancellationToken)
    {
        var record = container.Record;
        var content = await stores.ForStoredAsync(record.OrgId, record.StorageId, cancellationToken);
        var tera = container.Parts;
        if (tera.Count == 0)
        {
            parts = [new ContentPart(1, await content.WritePartAsync(record.ObjectKey, container.UploadId, 1, tera.Empty(), cancellationToken))];
        }
        try
        {
            await content.CommitPartsAsync(record.ObjectKey, container.UploadId, parts, cancellationToken);
        }
        catch (Exception e) when (e is ContentPartsMissingException or ContentUploadGoneException)
        {
            // Committed already by an earlier attempt that stopped before the record was activated?
            if (!await IsWholeAsync(content, record, tera, cancellationToken))
            {
                throw;
            }
        }
        var activated = false;
        var active = await store.UpdateAsync(record.OrgId, record.Id, r =>
        {
            if (r.Status != ContainerStatus.Pending)
            {
                return null;
            }
            activated = true;
            return r with { Status = ContainerStatus.Active, PartsSha256 = partsSha256 };
        }, cancellationToken) ?? throw new InvalidOperationException("The pending container record vanished.");
        var index = TeraIndex.Open(TeraHeader.Parse(container.Header), TeraKeys.Restore(container.SegmentKey, container.IndexKey), container.SealedIndex, record.IndexOffset);
        if (activated)
        {
            await IndexExpiryAsync(active, cancellationToken);
            await meter.EncodedAsync(active.OrgId, actor.UsageSubject, container.StreamSize, active.Size, cancellationToken);
            await events.RecordAsync(EventLog.ContainerCreate, active, actor, new Dictionary<string, string>
            {
                ["name"] = active.Name,
                ["files"] = index.Files.Count.ToString(CultureInfo.InvariantCulture),
                ["size"] = active.Size.ToString(CultureInfo.InvariantCulture),
                ["parts"] = Math.Max(1, tera.Count).ToString(CultureInfo.InvariantCulture),
            }, cancellationToken);
        }
        return (active, index);
    }

    /// <summary>
    /// Removes what a container written in parts left that will never complete: its parts, an object
    /// committed by a commit that stopped before the record was activated, and its pending record. A
    /// container that did complete is left as it is. Repeatable.
    /// </summary>
    public async Task AbandonPartsAsync(Guid orgId, Guid containerId, string storageId, string objectKey, string uploadId, CancellationToken cancellationToken)
    {
        var record = await store.FindAsync(orgId, containerId, cancellationToken);
        if (record is { Status: not ContainerStatus.Pending })
        {
            return;
        }
        var content = await stores.ForStoredAsync(orgId, storageId, cancellationToken);
        await content.AbortPartsAsync(objectKey, uploadId, cancellationToken);
        await content.DeleteAsync(objectKey, cancellationToken);
        if (record is not null)
        {
            await store.DeleteAsync(record, cancellationToken);
        }
    }

    /// <summary>Whether the object of a container written in parts is there whole: its trailer where the record says it ends.</summary>
    private static async Task<bool> IsWholeAsync(IContentStore content, ContainerRecord record, TeraParts parts, CancellationToken cancellationToken)
    {
        try
        {
            var trailer = await ReadAsync(content, record.ObjectKey, record.Size - TeraTrailer.Size, TeraTrailer.Size, cancellationToken);
            return TeraTrailer.Parse(trailer) == new TeraTrailer(record.IndexOffset, record.IndexLength, record.HeaderLength, TeraHeader.StreamVersion)
                && parts.ObjectSize == record.Size;
        }
        catch (TeraIntegrityException)
        {
            return false;
        }
    }

    /// <summary>
    /// Encrypts the files as they arrive, each under the name and type the manifest gives it (or its
    /// part's type), within the limits of a container; every file the manifest names must come.
    /// </summary>
    private async Task WriteFilesAsync(TeraWriter writer, EncodeManifest manifest, IAsyncEnumerable<EncodeFile> files, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var file in files.WithCancellation(cancellationToken))
        {
            if (FileNames.Problem(file.Name) is { } problem)
            {
                throw LockteraException.Validation("files", $"file name '{VisibleText.Escape(file.Name)}' {problem}");
            }
            if (!names.Add(file.Name))
            {
                throw LockteraException.Validation("files", $"file name '{file.Name}' is sent more than once");
            }
            if (names.Count > limits.MaxFilesPerContainer)
            {
                throw new LockteraException(ErrorCode.ContainerTooLarge, $"A container holds at most {limits.MaxFilesPerContainer} files.");
            }
            var described = manifest.Files.GetValueOrDefault(file.Name);
            var type = described?.Type ?? file.PartType ?? "application/octet-stream";
            var written = await writer.AddFileAsync(file.Name, type, described?.Details ?? new TeraFileDetails(), file.Content, limits.EncodeLimit - writer.ContentBytes, cancellationToken);
            if (described?.Size is { } size && size != written.Size)
            {
                throw LockteraException.Validation($"files.{file.Name}.size", $"is {size}, but the file sent has {written.Size} bytes");
            }
        }
        if (names.Count == 0)
        {
            throw LockteraException.Validation("files", "at least one file part named 'files' is required");
        }
        var missing = manifest.Files.Keys.Where(n => !names.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            throw LockteraException.Validation("files", $"named in the manifest but not sent: {string.Join(", ", missing)}");
        }
    }

    /// <summary>A container of the org by the id a route gave; a malformed id is as unknown as a missing one.</summary>
    public async Task<ContainerRecord> GetAsync(Guid orgId, string containerId, CancellationToken cancellationToken)
    {
        var record = Guid.TryParse(containerId, out var id) ? await store.FindAsync(orgId, id, cancellationToken) : null;
        return record is null || record.Status == ContainerStatus.Pending
            ? throw LockteraException.ContainerNotFound()
            : Effective(record);
    }

    /// <summary>One page of the org's containers that <paramref name="query"/> asks for, newest first; never one still being encoded.</summary>
    public Task<IReadOnlyList<ContainerRecord>> ListAsync(Guid orgId, ContainerQuery query, Guid? after, int skip, int take, CancellationToken cancellationToken) =>
        store.ListAsync(orgId, after, cancellationToken).Select(Effective).PageAsync(query.Matches, skip, take, cancellationToken);

    /// <summary>
    /// Reads the header and index (two ranged reads), checks them against the record's seal and
    /// derives the keys; a protected container needs its password. <paramref name="beforePasswordCheck"/>
    /// runs just before a password is evaluated — after the seal has proven the header is ours, and
    /// not at all when a password already proven right is remembered — so that a caller can reserve
    /// the attempt first (viewer lockout). Whether the caller may open it at all (its status, its
    /// rules) is <see cref="ViewerAccess.OpenAsync"/>'s decision, made before.
    /// </summary>
    internal async Task<OpenedContainer> OpenAsync(
        ContainerRecord record, string? password, Actor actor, Func<CancellationToken, Task>? beforePasswordCheck, CancellationToken cancellationToken)
    {
        var content = await stores.ForStoredAsync(record.OrgId, record.StorageId, cancellationToken);
        // The seal is part of the key: material read under one seal is never served for another.
        var cacheKey = (record.Id, record.Seal, password is null ? "" : Convert.ToHexString(HMACSHA256.HashData(PasswordFingerprintKey, Encoding.UTF8.GetBytes(password))));
        if (!cache.TryGetValue(cacheKey, out OpenedMaterial? material) || material is null)
        {
            material = await IntegrityCheckedAsync(record, actor, () => ReadMaterialAsync(record, content, password, beforePasswordCheck, cancellationToken));
            // Only a successful open is cached: a wrong password is derived and refused every time.
            cache.Set(cacheKey, material, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = OpenedLifetime, Size = 1 });
        }
        return new OpenedContainer(record, material.Header, material.Keys, material.Index, content);
    }

    /// <summary>
    /// Starts reading bytes <paramref name="from"/>..<paramref name="to"/> of one file of an opened
    /// container: one ranged read, whose first segment is authenticated before this returns, so a
    /// damaged or substituted object fails here, before anything is answered. The bytes count as
    /// served from then on.
    /// </summary>
    public async Task<OpenedFile> ReadFileAsync(OpenedContainer opened, TeraFile file, long from, long to, Actor actor, CancellationToken cancellationToken)
    {
        var content = await IntegrityCheckedAsync(opened.Record, actor, async () =>
        {
            var run = TeraRun.Of(opened.Header, opened.Index, opened.Record.IndexOffset + opened.Record.IndexLength, opened.FileIndex(file.Name));
            var (a, b) = run.Of(file, from, to);
            var (offset, length) = run.StoredRange(a, b);
            var stored = await ReadStoredAsync(opened.Store, opened.Record.ObjectKey, offset, length, cancellationToken);
            var reader = await TeraReader.StartAsync(opened.Header, opened.Keys, run, stored, a, b, cancellationToken);
            return new OpenedFile(reader, reason => RecordIntegrityFailureAsync(opened.Record, actor, reason));
        });
        meter.Count(opened.Record.OrgId, actor.UsageSubject, Counters.BytesOut, to - from + 1);
        return content;
    }

    private async Task<OpenedMaterial> ReadMaterialAsync(
        ContainerRecord record, IContentStore content, string? password, Func<CancellationToken, Task>? beforePasswordCheck, CancellationToken cancellationToken)
    {
        var headerBytes = await ReadAsync(content, record.ObjectKey, 0, record.HeaderLength, cancellationToken);
        var sealedIndex = await ReadAsync(content, record.ObjectKey, record.IndexOffset, record.IndexLength, cancellationToken);
        // Before any of it is used: from here on the header and index are the ones this service wrote.
        seal.Verify(record, headerBytes, sealedIndex);
        var header = TeraHeader.Parse(headerBytes);
        var privateKey = await keyPairs.PrivateKeyAsync(record.OrgId, header.OrgKeyId, cancellationToken)
            ?? throw new TeraIntegrityException("The container was wrapped for a key this org does not have.");
        var contentKey = header.UnwrapContentKey(privateKey);
        if (header.Password is not null && !string.IsNullOrEmpty(password) && beforePasswordCheck is not null)
        {
            await beforePasswordCheck(cancellationToken);
        }
        var keys = header.Keys(contentKey, password);
        return new OpenedMaterial(header, keys, TeraIndex.Open(header, keys, sealedIndex, record.IndexOffset));
    }

    /// <summary>Stored bytes that failed their check are a refused open of their own: someone must look at them.</summary>
    private async Task<T> IntegrityCheckedAsync<T>(ContainerRecord record, Actor actor, Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (TeraIntegrityException e)
        {
            await RecordIntegrityFailureAsync(record, actor, e.Message);
            throw;
        }
    }

    private async Task RecordIntegrityFailureAsync(ContainerRecord record, Actor actor, string reason) =>
        await events.RecordAsync(EventLog.ContainerFail, record, actor, new Dictionary<string, string> { ["rule"] = "integrity", ["reason"] = reason }, CancellationToken.None);

    public async Task DeleteAsync(ContainerRecord record, Actor actor, CancellationToken cancellationToken)
    {
        var content = await stores.ForStoredAsync(record.OrgId, record.StorageId, cancellationToken);
        await content.DeleteAsync(record.ObjectKey, cancellationToken);
        // Of two deletes at once, only the one that removed the record counts it: storage figures never go down twice.
        if (!await store.DeleteAsync(record, cancellationToken))
        {
            throw LockteraException.ContainerNotFound();
        }
        await meter.DeletedAsync(record.OrgId, record.Size, cancellationToken);
        await events.RecordAsync(EventLog.ContainerDelete, record, actor, new Dictionary<string, string> { ["name"] = record.Name }, cancellationToken);
    }

    public async Task<ContainerRecord> SetBlockedAsync(ContainerRecord record, bool blocked, Actor actor, CancellationToken cancellationToken)
    {
        var updated = await store.UpdateAsync(record.OrgId, record.Id, r => r with { Status = blocked ? ContainerStatus.Blocked : ContainerStatus.Active }, cancellationToken)
            ?? throw LockteraException.ContainerNotFound();
        await events.RecordAsync(blocked ? EventLog.ContainerBlock : EventLog.ContainerUnblock, record, actor, new Dictionary<string, string>(), cancellationToken);
        await IndexExpiryAsync(updated, cancellationToken);
        return updated;
    }

    /// <summary>
    /// An active container whose time window has ended reads as EXPIRED at once; the expiry sweep
    /// (operations) later stores that status and records the event.
    /// </summary>
    private ContainerRecord Effective(ContainerRecord record) =>
        record.Status == ContainerStatus.Active && RulesOf(record).Rules.Time.End is { } end && end <= time.GetUtcNow()
            ? record with { Status = ContainerStatus.Expired }
            : record;

    /// <summary>
    /// The rules of a container and their version (for ETag / If-Match). Parsed rules are kept by
    /// version, so a decode pays for hashing the stored JSON, not for parsing thousands of entries.
    /// </summary>
    public ContainerRules RulesOf(ContainerRecord record)
    {
        var version = RulesVersion(record.Rules);
        var rules = cache.GetOrCreate(("rules", version), entry =>
        {
            entry.Size = 1;
            entry.SlidingExpiration = OpenedLifetime;
            return DrmRules.Parse(record.Rules is null ? new JsonObject() : JsonNode.Parse(record.Rules)!.AsObject(), (_, _) => { });
        })!;
        return new ContainerRules(record, rules, version);
    }

    private static string RulesVersion(string? rules) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rules ?? "")))[..32];

    /// <summary>
    /// Changes a dynamic container's rules. Under the record's ETag, so concurrent edits never lose
    /// an update; <paramref name="ifMatch"/> (a version from <see cref="RulesOf"/>) makes it
    /// conditional. Every change is an event with the old and new rules.
    /// </summary>
    public async Task<ContainerRules> UpdateRulesAsync(ContainerRecord record, DrmRulesChange change, string? ifMatch, Actor actor, CancellationToken cancellationToken)
    {
        if (!record.Dynamic)
        {
            throw new LockteraException(ErrorCode.StaticRules, "This container's rules are static: sealed into it at encode, they cannot change.");
        }
        string? before = null;
        var updated = await store.UpdateAsync(record.OrgId, record.Id, current =>
        {
            if (ifMatch is not null && ifMatch != RulesVersion(current.Rules))
            {
                throw new LockteraException(ErrorCode.PreconditionFailed, "The rules changed since you read them (If-Match does not match).");
            }
            before = current.Rules;
            var rules = change.ApplyTo(RulesOf(current).Rules);
            // New rules that allow opening again (no end, or a later one) make an expired container active again.
            var reopened = current.Status == ContainerStatus.Expired && !(rules.Time.End <= time.GetUtcNow());
            return current with { Rules = rules.ToJson().ToJsonString(), Downloadable = rules.Downloadable, Status = reopened ? ContainerStatus.Active : current.Status };
        }, cancellationToken) ?? throw LockteraException.ContainerNotFound();
        await IndexExpiryAsync(updated, cancellationToken);
        await events.RecordAsync(EventLog.DrmUpdate, updated, actor, new Dictionary<string, string> { ["old"] = before ?? "{}", ["new"] = updated.Rules ?? "{}" }, cancellationToken);
        return RulesOf(updated);
    }

    /// <summary>
    /// Replaces a container's tags (a set: a tag given twice is kept once, where it first came) and
    /// records the change (who, when, before and after) with it.
    /// </summary>
    public async Task<ContainerRecord> SetTagsAsync(ContainerRecord record, IReadOnlyList<string> tags, Actor actor, CancellationToken cancellationToken) =>
        await store.ReplaceTagsAsync(record.OrgId, record.Id, [.. tags.Distinct(StringComparer.Ordinal)], actor.User, time, cancellationToken)
            ?? throw LockteraException.ContainerNotFound();

    public Task<IReadOnlyList<TagChange>> TagChangesAsync(ContainerRecord record, CancellationToken cancellationToken) =>
        store.TagChangesAsync(record.OrgId, record.Id, cancellationToken);

    /// <summary>Every tag in use in the org's containers, with how many containers carry it.</summary>
    public async Task<IReadOnlyList<(string Tag, int Count)>> TagCountsAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var record in store.ListAsync(orgId, null, cancellationToken))
        {
            foreach (var tag in record.Status == ContainerStatus.Pending ? [] : record.Tags)
            {
                counts[tag] = counts.GetValueOrDefault(tag) + 1;
            }
        }
        return [.. counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value))];
    }

    /// <summary>A container by its MD5 (32 hex digits) or SHA-256 (64) digest.</summary>
    public async Task<ContainerRecord> FindByDigestAsync(Guid orgId, string digest, CancellationToken cancellationToken)
    {
        var normalized = digest.Trim().ToLowerInvariant();
        var algorithm = normalized.Length switch { 32 => "md5", 64 => "sha256", _ => null };
        if (algorithm is null || !normalized.All(char.IsAsciiHexDigit))
        {
            throw LockteraException.Validation("digest", "must be an MD5 (32 hex digits) or SHA-256 (64 hex digits) digest");
        }
        // A SHA-256 names an encoded container's object, or a container written in parts by its parts' digest.
        var record = await store.FindByDigestAsync(orgId, algorithm, normalized, cancellationToken)
            ?? (algorithm == "sha256" ? await store.FindByDigestAsync(orgId, ContainerStore.PartsDigest, normalized, cancellationToken) : null);
        return record is null || record.Status == ContainerStatus.Pending
            ? throw new LockteraException(ErrorCode.ContainerNotFound, "No container has that digest.")
            : Effective(record);
    }

    private async Task<ContainerRecord?> ActivateAsync(ContainerRecord record, TeraWritten written, CancellationToken cancellationToken)
    {
        var active = await store.UpdateAsync(record.OrgId, record.Id, r => r with
        {
            Status = ContainerStatus.Active,
            Size = written.Size,
            Md5 = written.Md5,
            Sha256 = written.Sha256,
            HeaderLength = written.HeaderLength,
            IndexOffset = written.IndexOffset,
            IndexLength = written.IndexLength,
            Seal = seal.Compute(r.OrgId, r.Id, written),
        }, cancellationToken);
        if (active is not null)
        {
            await IndexExpiryAsync(active, cancellationToken);
        }
        return active;
    }

    /// <summary>
    /// The expiry sweep finds an active container with an end through a row keyed by that end, written
    /// whenever a container becomes active or its rules change. A row left by an end that changed since
    /// is dropped by the sweep, which checks the container itself.
    /// </summary>
    private async Task IndexExpiryAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        if (record.Status == ContainerStatus.Active && RulesOf(record).Rules.Time.End is { } end)
        {
            await due.AddAsync(DueIndex.Expiries, end, Subject(record), cancellationToken);
        }
    }

    /// <summary>How the due rows of <see cref="DueIndex"/> name a container.</summary>
    public static string Subject(ContainerRecord record) => $"{record.OrgId}:{record.Id}";

    /// <summary>Removes the record of an encode that failed before committing (its upload is disposed: no object), and its crash note.</summary>
    private async Task AbandonAsync(ContainerRecord record)
    {
        await store.DeleteAsync(record, CancellationToken.None);
        await SettleEncodeAsync(record, CancellationToken.None);
    }

    /// <summary>
    /// An encode that is active, or that removed what it wrote, leaves the purge nothing to do: its crash
    /// note goes, so the purge's list holds only what crashes left. (Should this fail, the purge drops
    /// the note a day later: it checks the record first.)
    /// </summary>
    private Task SettleEncodeAsync(ContainerRecord record, CancellationToken cancellationToken) =>
        due.RemoveAsync(DueIndex.Encodes, EncodeNoteDue(record), Subject(record), cancellationToken);

    private static DateTimeOffset EncodeNoteDue(ContainerRecord record) => record.CreatedAt + EncodeGrace;

    private static async Task<byte[]> ReadAsync(IContentStore content, string key, long offset, int length, CancellationToken cancellationToken)
    {
        var bytes = new byte[length];
        await using var stream = await ReadStoredAsync(content, key, offset, length, cancellationToken);
        var read = await stream.ReadAtLeastAsync(bytes, length, throwOnEndOfStream: false, cancellationToken);
        return read == length ? bytes : throw new TeraIntegrityException("The stored container is truncated.");
    }

    /// <summary>One ranged read of a container; an object that is gone or shorter than its record says fails its integrity check.</summary>
    private static async Task<Stream> ReadStoredAsync(IContentStore content, string key, long offset, long length, CancellationToken cancellationToken)
    {
        try
        {
            return await content.OpenReadAsync(key, offset, length, cancellationToken);
        }
        catch (ContentNotFoundException)
        {
            throw new TeraIntegrityException("The stored container is missing.");
        }
        catch (ContentTooShortException)
        {
            throw new TeraIntegrityException("The stored container is truncated.");
        }
    }
}
