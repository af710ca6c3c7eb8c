using System.Text.Json;
using System.Text.RegularExpressions;
using Locktera.Core.Events;

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

/// <summary>
/// Consent records (table PK = org id). The current state of each consent is the row
/// "c:{subject}:{consent id}" (subject "org" for the node's own, the escaped email for a viewer); every
/// change appends its snapshot twice in the same entity-group transaction — "h:{inverted time}" for the
/// org's history and "s:{subject}:{inverted time}" for one subject's — so both read newest first in one
/// range. Viewers also get an index partition "e:{email}" naming the orgs that hold their records.
/// </summary>
public sealed partial class ConsentLedger(StorageAccount storage, TimeProvider time)
{
    public const int MaxConsentIdLength = 64;
    public const int MaxDescriptionLength = 200;
    private const string CurrentPrefix = "c:";
    private const string HistoryPrefix = "h:";
    private const string SubjectHistoryPrefix = "s:";
    private const string OwnSubject = "org";
    private const string IndexPrefix = "e:";
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

    /// <summary>Records a decision; the description stays as it was unless a new one is given.</summary>
    public async Task<Consent> SetAsync(Guid orgId, ConsentScope scope, string? email, string consentId, ConsentDecision decision, Actor actor, CancellationToken cancellationToken)
    {
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
    public async Task<IReadOnlyList<Consent>> ListAsync(Guid orgId, Func<Consent, bool> matches, string? afterKey, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.WithPrefix(orgId.ToString(), CurrentPrefix, afterKey, cancellationToken)
            .Select(ToConsent)
            .PageAsync(matches, skip, take, cancellationToken);
    }

    /// <summary>A listing cursor: the row key of a record, which <see cref="ListAsync"/> resumes after.</summary>
    public static string CursorOf(Consent consent) => CurrentRow(Subject(consent.Scope, consent.Email), consent.ConsentId);

    /// <summary>Whether a cursor has the shape of a record's row key (an escaped subject and a slug), so nothing else reaches a query.</summary>
    public static bool IsCursor(string cursor) => CursorShape().IsMatch(cursor);

    [GeneratedRegex("^c:(org|[A-Za-z0-9%._~-]{1,800}):[a-z0-9][a-z0-9_.-]{0,63}$")]
    private static partial Regex CursorShape();

    /// <summary>A viewer's current consents within one org node.</summary>
    public async Task<IReadOnlyList<Consent>> OfViewerAsync(Guid orgId, string email, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var prefix = $"{CurrentPrefix}{Subject(ConsentScope.Viewer, email)}:";
        return await table.WithPrefix(orgId.ToString(), prefix, null, cancellationToken).Select(ToConsent).ToListAsync(cancellationToken);
    }

    /// <summary>The org nodes that may hold records of this viewer (possibly a few that no longer do).</summary>
    public async Task<IReadOnlyList<Guid>> OrgsOfViewerAsync(string email, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var partition = IndexPartition(email);
        return await table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"], cancellationToken: cancellationToken)
            .Select(row => Guid.Parse(row.RowKey))
            .ToListAsync(cancellationToken);
    }

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
    /// Every recorded change, newest first within [<paramref name="start"/>, <paramref name="end"/>]:
    /// the whole org's, or with a subject only that viewer's (or the org's own, for email null and
    /// <paramref name="scope"/> Org).
    /// </summary>
    public async Task<IReadOnlyList<Consent>> HistoryAsync(
        Guid orgId, ConsentScope? scope, string? email, Func<Consent, bool> matches, DateTimeOffset? start, DateTimeOffset? end, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        var prefix = scope is { } s ? $"{SubjectHistoryPrefix}{Subject(s, email)}:" : HistoryPrefix;
        return await table.NewestFirstWithin(orgId.ToString(), prefix, start, end, cancellationToken)
            .Select(ToConsent)
            .PageAsync(matches, skip, take, cancellationToken);
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
