using System.Text.Json;
using System.Text.RegularExpressions;
using Locktera.Core.Access;
using Locktera.Core.Events;
using Locktera.Core.Orgs;

namespace Locktera.Core.Consents;

/// <summary>Whose consent a record holds: the org node's own, or a viewer's (a recipient, by email).</summary>
public enum ConsentScope
{
    Org,
    Viewer,
}

/// <summary>
/// The state of one consent of one subject within one org node. <see cref="ConsentTimestamp"/> is
/// when the person gave or withdrew it (the client may say so); <see cref="UpdatedAt"/> when it was recorded.
/// </summary>
public sealed record Consent(
    Guid Id,
    Guid OrgId,
    string ConsentId,
    ConsentScope Scope,
    string? Email,
    string? Description,
    bool Granted,
    DateTimeOffset ConsentTimestamp,
    DateTimeOffset UpdatedAt,
    string ChangedBy,
    string? Ip);

/// <summary>What a caller sets: the decision, and optionally a description and when it was made.</summary>
public sealed record ConsentDecision(bool Granted, string? Description, DateTimeOffset? ConsentTimestamp);

/// <summary>Which records a listing keeps: those of one email and/or of one consent; null keeps all.</summary>
public sealed record ConsentFilter(string? Email, string? ConsentId)
{
    public bool Matches(Consent consent) => (Email is null || consent.Email == Email) && (ConsentId is null || consent.ConsentId == ConsentId);
}

/// <summary>
/// Consent records (table PK = org id). The current state of each consent is the row
/// "c:{subject}:{consent id}" (subject "org" for the node's own, the escaped email for a viewer); every
/// change appends its snapshot twice in the same entity-group transaction — "h:{inverted time}" for the
/// org's history and "s:{subject}:{inverted time}" for one subject's — so both read newest first in one
/// range. Viewers also get an index partition "e:{email}" naming the orgs that hold their records.
/// The routes of one node are authorized by the request pipeline; a viewer's records, which span
/// nodes, are read and written here for a <see cref="Caller"/>: a viewer token speaks for its own
/// email on its container's node, an org key reads what the nodes it sees hold and writes on its own.
/// </summary>
public sealed partial class ConsentLedger(StorageAccount storage, OrgStore orgs, TimeProvider time)
{
    public const int MaxConsentIdLength = 64;
    public const int MaxDescriptionLength = 200;

    /// <summary>How far a client's clock may run ahead of ours when it says when a consent was given.</summary>
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);
    private const string CurrentPrefix = "c:";
    private const string HistoryPrefix = "h:";
    private const string SubjectHistoryPrefix = "s:";
    private const string OwnSubject = "org";
    private const string IndexPrefix = "e:";

    /// <summary>Who changed a record, as a viewer sees the changes its org made: neither the org's key nor its address.</summary>
    private const string ChangedByOrg = "org";
    private static readonly JsonSerializerOptions Json = StoredJson.Options;

    /// <summary>Consent ids are short slugs ("gdpr", "terms_of_use"): lower-case letters, digits, '_', '-' and '.'.</summary>
    public static string? NormalizeConsentId(string value, out string? error)
    {
        var id = value.Trim().ToLowerInvariant();
        error = id.Length is > 0 and <= MaxConsentIdLength && char.IsAsciiLetterOrDigit(id[0]) && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '.')
            ? null
            : $"must be 1 to {MaxConsentIdLength} letters, digits, '_', '-' or '.', starting with a letter or digit";
        return error is null ? id : null;
    }

    /// <summary>Records the node's own decision.</summary>
    public Task<Consent> SetOwnAsync(Org org, string consentId, ConsentDecision decision, Actor actor, CancellationToken cancellationToken) =>
        SetAsync(org.Id, ConsentScope.Org, org.Email, consentId, decision, actor, cancellationToken);

    /// <summary>
    /// Records a viewer's decision: a viewer token's on its container's node, an org key's (which then
    /// needs writing) on the key's own node.
    /// </summary>
    public Task<Consent> SetOfViewerAsync(Caller caller, string email, string consentId, ConsentDecision decision, Actor actor, CancellationToken cancellationToken)
    {
        EnsureSpeaksFor(caller, email);
        Guid orgId;
        if (caller is Caller.Viewer viewer)
        {
            orgId = viewer.Token.OrgId;
        }
        else
        {
            var key = caller.RequireKey();
            RolePolicy.EnsureHas(key, Permission.Write);
            orgId = key.Org.Id;
        }
        return SetAsync(orgId, ConsentScope.Viewer, email, consentId, decision, actor, cancellationToken);
    }

    /// <summary>Records a decision; the description stays as it was unless a new one is given.</summary>
    private async Task<Consent> SetAsync(Guid orgId, ConsentScope scope, string? email, string consentId, ConsentDecision decision, Actor actor, CancellationToken cancellationToken)
    {
        // When the person decided: a past time (five minutes of clock skew allowed), never the future.
        if (decision.ConsentTimestamp > time.GetUtcNow() + MaxClockSkew)
        {
            throw LockteraException.Validation("consent_timestamp", "cannot be in the future");
        }
        var table = await Table(cancellationToken);
        var subject = Subject(scope, email);
        if (scope == ConsentScope.Viewer)
        {
            // The index goes first: a crash after it leaves a pointer to no records, which readers skip.
            await table.UpsertEntityAsync(new TableEntity(IndexPartition(email!), orgId.ToString()), TableUpdateMode.Replace, cancellationToken);
        }
        return await table.UpdateAsync<Consent>(orgId.ToString(), CurrentRow(subject, consentId), row =>
        {
            var old = row is null ? null : ToConsent(row);
            var now = time.GetUtcNow();
            var next = new Consent(
                old?.Id ?? OrderedGuid.Next(), orgId, consentId, scope, email?.ToLowerInvariant(),
                decision.Description ?? old?.Description, decision.Granted, decision.ConsentTimestamp ?? now, now, actor.User, actor.Ip);
            var unique = $"{RowKeys.NewestFirst(now)}:{Guid.NewGuid():N}";
            return (ToEntity(next, row?.RowKey ?? CurrentRow(subject, consentId)),
                [ToEntity(next, HistoryPrefix + unique), ToEntity(next, $"{SubjectHistoryPrefix}{subject}:{unique}")],
                next);
        }, cancellationToken);
    }

    /// <summary>An org node's current consents (its own and its viewers'), in subject then consent order.</summary>
    public async Task<IReadOnlyList<Consent>> ListAsync(Guid orgId, ConsentFilter filter, string? afterKey, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.WithPrefix(orgId.ToString(), CurrentPrefix, afterKey, cancellationToken)
            .Select(ToConsent)
            .PageAsync(filter.Matches, skip, take, cancellationToken);
    }

    /// <summary>A listing cursor: the row key of a record, which <see cref="ListAsync"/> resumes after.</summary>
    public static string CursorOf(Consent consent) => CurrentRow(Subject(consent.Scope, consent.Email), consent.ConsentId);

    /// <summary>Whether a cursor has the shape of a record's row key (an escaped subject and a slug), so nothing else reaches a query.</summary>
    public static bool IsCursor(string cursor) => CursorShape().IsMatch(cursor);

    [GeneratedRegex("^c:(org|[A-Za-z0-9%._~-]{1,800}):[a-z0-9][a-z0-9_.-]{0,63}$")]
    private static partial Regex CursorShape();

    /// <summary>A viewer's current consents that <paramref name="caller"/> may read, by node and consent.</summary>
    public async Task<IReadOnlyList<Consent>> OfViewerAsync(Caller caller, string email, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var prefix = $"{CurrentPrefix}{Subject(ConsentScope.Viewer, email)}:";
        var records = new List<Consent>();
        foreach (var orgId in await ReadableOrgsAsync(caller, email, cancellationToken))
        {
            records.AddRange(await table.WithPrefix(orgId.ToString(), prefix, null, cancellationToken).Select(ToConsent).ToListAsync(cancellationToken));
        }
        return [.. records.OrderBy(c => c.OrgId).ThenBy(c => c.ConsentId, StringComparer.Ordinal).Select(c => SeenBy(caller, c))];
    }

    /// <summary>
    /// Every change of a viewer's consents that <paramref name="caller"/> may read, newest first across
    /// the nodes, within [<paramref name="start"/>, <paramref name="end"/>].
    /// </summary>
    public async Task<IReadOnlyList<Consent>> HistoryOfViewerAsync(
        Caller caller, string email, string? consentId, DateTimeOffset? start, DateTimeOffset? end, int skip, int take, CancellationToken cancellationToken)
    {
        // Each node's history is newest first; the merged page needs at most skip + take from each.
        var merged = new List<Consent>();
        foreach (var orgId in await ReadableOrgsAsync(caller, email, cancellationToken))
        {
            merged.AddRange(await HistoryAsync(orgId, new ConsentFilter(email, consentId), start, end, 0, skip + take, cancellationToken));
        }
        return [.. merged.OrderByDescending(c => c.UpdatedAt).Skip(skip).Take(take).Select(c => SeenBy(caller, c))];
    }

    /// <summary>A viewer token speaks only for its own email.</summary>
    private static void EnsureSpeaksFor(Caller caller, string email)
    {
        if (caller is Caller.Viewer viewer && !viewer.Token.Email.Equals(email, StringComparison.OrdinalIgnoreCase))
        {
            throw LockteraException.Forbidden(ErrorCode.ViewerNotAllowed, "A viewer token speaks only for its own email's consents.");
        }
    }

    /// <summary>The nodes whose records of this viewer the caller may read: a viewer token's own node, or those an org key sees.</summary>
    private async Task<IReadOnlyList<Guid>> ReadableOrgsAsync(Caller caller, string email, CancellationToken cancellationToken)
    {
        EnsureSpeaksFor(caller, email);
        if (caller is Caller.Viewer viewer)
        {
            return [viewer.Token.OrgId];
        }
        caller.RequireKey();
        var table = await Table(cancellationToken);
        var partition = IndexPartition(email);
        // The index may name a few nodes that no longer hold records, or no longer exist.
        var readable = new List<Guid>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (await orgs.FindAsync(Guid.Parse(row.RowKey), cancellationToken) is { } org && RolePolicy.CanSee(caller, org))
            {
                readable.Add(org.Id);
            }
        }
        return readable;
    }

    /// <summary>A viewer sees who changed its records and from where only when it did so itself.</summary>
    private static Consent SeenBy(Caller caller, Consent consent) =>
        caller is Caller.Viewer viewer && !consent.ChangedBy.Equals(viewer.Token.Email, StringComparison.OrdinalIgnoreCase)
            ? consent with { ChangedBy = ChangedByOrg, Ip = null }
            : consent;

    /// <summary>Removes the viewer index rows ("e:{email}" → this org) of a deleted org's viewers, before its partition goes.</summary>
    public async Task ForgetViewersAsync(Guid orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        await foreach (var row in table.WithPrefix(orgId.ToString(), CurrentPrefix, null, cancellationToken, select: ["RowKey"]))
        {
            var subject = row.RowKey[CurrentPrefix.Length..row.RowKey.LastIndexOf(':')];
            if (subject != OwnSubject)
            {
                // The subject is the escaped email, as the index partition's name holds it.
                await table.DeleteEntityAsync(IndexPrefix + subject, orgId.ToString(), Azure.ETag.All, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Every change a node recorded, newest first within [<paramref name="start"/>, <paramref name="end"/>]:
    /// with an email in the filter, only that viewer's.
    /// </summary>
    public async Task<IReadOnlyList<Consent>> HistoryAsync(
        Guid orgId, ConsentFilter filter, DateTimeOffset? start, DateTimeOffset? end, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var prefix = filter.Email is { } email ? $"{SubjectHistoryPrefix}{Subject(ConsentScope.Viewer, email)}:" : HistoryPrefix;
        return await table.NewestFirstWithin(orgId.ToString(), prefix, start, end, cancellationToken)
            .Select(ToConsent)
            .PageAsync(filter.Matches, skip, take, cancellationToken);
    }

    private static string Subject(ConsentScope scope, string? email) =>
        scope == ConsentScope.Org ? OwnSubject : RowKeys.Segment(email!.ToLowerInvariant());

    private static string CurrentRow(string subject, string consentId) => $"{CurrentPrefix}{subject}:{RowKeys.Segment(consentId)}";

    private static string IndexPartition(string email) => IndexPrefix + Subject(ConsentScope.Viewer, email);

    private static TableEntity ToEntity(Consent c, string rowKey) => new(c.OrgId.ToString(), rowKey)
    {
        ["Snapshot"] = JsonSerializer.Serialize(c, Json),
    };

    private static Consent ToConsent(TableEntity e) => JsonSerializer.Deserialize<Consent>(e.GetString("Snapshot"), Json)
        ?? throw new InvalidDataException($"Consent row {e.PartitionKey}/{e.RowKey} is empty.");

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Consents, cancellationToken);
}
