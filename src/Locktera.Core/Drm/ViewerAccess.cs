using Locktera.Core.Containers;
using System.Net;
using Locktera.Core.Events;
using Locktera.Core.Metering;
using Locktera.Core.Tera;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Drm;

/// <summary>
/// A container opened for a decode: the <see cref="Container"/>, whether its files go out to be
/// displayed only (<see cref="ViewOnly"/>: for a viewer, unless the container is downloadable), and
/// the viewer's session (none for the org's own callers).
/// </summary>
public sealed record DecodeAccess(OpenedContainer Container, bool ViewOnly, string? Session);

/// <summary>What a container's rules say about hypothetical facts.</summary>
public sealed record DrmWhatIf(DrmVerdict Verdict, ViewerFacts Facts);

/// <summary>
/// Who may decode a container: its status, and for a viewer the stateful half of DRM — its rules
/// (through <see cref="DrmEvaluator"/>), password lockout, and opens counted per viewing session.
/// Every decision about a viewer is an event.
/// </summary>
public sealed class ViewerAccess(
    ViewerStates states, ContainerService containers, ViewerFactsSource factsSource, EventLog events, UsageMeter meter, TimeProvider time, IOptions<LockteraOptions> options)
{
    /// <summary>Upstream: five attempts; the sixth failure and every later attempt is refused as locked.</summary>
    public const int MaxPasswordAttempts = 5;

    public const string ViewerLocked = "viewer.locked";
    public const string ViewerUnlocked = "viewer.unlocked";

    /// <summary>
    /// Opens a container for a decode. A blocked container opens for no one. The org's own callers
    /// (<paramref name="facts"/> without a viewer) need only its password. A viewer — a viewer
    /// token, or an org key decoding for a viewer's email — passes its rules first (and asks for a
    /// <paramref name="download"/> only of a downloadable container), then its password, then joins
    /// its live session (<paramref name="sessionId"/>) or starts one. The limits are reserved before
    /// the work they guard, on the viewer's counter row under its ETag, so they hold across any
    /// number of instances and parallel requests:
    /// <list type="bullet">
    /// <item>every password evaluation first takes one of the <see cref="MaxPasswordAttempts"/>
    /// attempts (refused once they are all taken or the viewer is locked); a wrong password keeps
    /// its attempt, and the one that finds the count full locks the viewer out;</item>
    /// <item>the grant — no lock, an open left (unless <paramref name="sessionId"/> names a live
    /// session), the attempts cleared by a right password — is one decision on the same row, so a
    /// request still in flight when the viewer is locked is refused too.</item>
    /// </list>
    /// An evaluation interrupted by a crash keeps its attempt, as a wrong password would. Every
    /// decode counts, refused or not.
    /// </summary>
    public async Task<DecodeAccess> OpenAsync(
        ContainerRecord record, ViewerFacts facts, string? password, string? sessionId, bool download, Actor actor, CancellationToken cancellationToken)
    {
        meter.Count(record.OrgId, actor.UsageSubject, Counters.Decodes);
        if (record.Status == ContainerStatus.Blocked)
        {
            if (facts.Viewer is { } refused)
            {
                await events.RecordAsync(EventLog.ContainerBlock, record, actor, new Dictionary<string, string> { ["attempt"] = "decode", ["viewer"] = refused }, cancellationToken);
            }
            throw new LockteraException(ErrorCode.ContainerBlocked, "The container is blocked.");
        }
        if (facts.Viewer is not { } email)
        {
            return new DecodeAccess(await containers.OpenAsync(record, password, actor, null, cancellationToken), ViewOnly: false, Session: null);
        }
        var rules = await CheckRulesAsync(record, facts, email, actor, cancellationToken);
        if (download && !rules.Downloadable)
        {
            throw new LockteraException(ErrorCode.DownloadNotAllowed, "This container's files may be viewed, not downloaded.");
        }
        OpenedContainer opened;
        try
        {
            opened = await containers.OpenAsync(record, password, actor, ct => ReserveAttemptAsync(record, email, actor, ct), cancellationToken);
        }
        catch (TeraPasswordException e)
        {
            if (!e.Missing)
            {
                await PasswordFailedAsync(record, email, actor, cancellationToken);
            }
            else if ((await states.GetAsync(record.OrgId, record.Id, email, cancellationToken)).Locked)
            {
                // Asked for the password it did not send, when no password would open it now.
                throw await LockedAsync(record, email, actor, cancellationToken);
            }
            throw;
        }
        var session = await GrantAsync(record, rules, email, sessionId, actor, cancellationToken);
        return new DecodeAccess(opened, ViewOnly: !rules.Downloadable, session);
    }

    /// <summary>
    /// What-if: the verdict of the container's rules for a viewer, an address, a place (by default
    /// where the address is) and a time (by default now). Changes and records nothing.
    /// </summary>
    public DrmWhatIf WhatIf(ContainerRecord record, string? viewer, IPAddress? address, GeoFacts? place, DateTimeOffset? at)
    {
        var facts = factsSource.For(address, viewer, place, at);
        return new DrmWhatIf(DrmEvaluator.Evaluate(containers.RulesOf(record).Rules, facts), facts);
    }

    /// <summary>The container's stateless rules (recipients, time, ip, geo), each refusal an event.</summary>
    private async Task<DrmRules> CheckRulesAsync(ContainerRecord record, ViewerFacts facts, string email, Actor actor, CancellationToken cancellationToken)
    {
        var rules = containers.RulesOf(record).Rules;
        if (DrmEvaluator.Evaluate(rules, facts).Denial is { } denial)
        {
            await RefusedAsync(record, email, denial.Rule, denial.Reason, actor, cancellationToken);
            throw Denied(denial.Rule, denial.Reason);
        }
        return rules;
    }

    /// <summary>Takes one password attempt before the password is evaluated; none is left once the viewer is locked or all are taken.</summary>
    private async Task ReserveAttemptAsync(ContainerRecord record, string email, Actor actor, CancellationToken cancellationToken)
    {
        var reserved = await states.ChangeAsync(record.OrgId, record.Id, email,
            s => s.Locked || s.FailedAttempts >= MaxPasswordAttempts ? null : s with { FailedAttempts = s.FailedAttempts + 1 }, cancellationToken);
        if (reserved is null)
        {
            throw await LockedAsync(record, email, actor, cancellationToken);
        }
    }

    /// <summary>A wrong password keeps the attempt it reserved; the failure that finds all attempts used locks the viewer out (an event of its own).</summary>
    private async Task PasswordFailedAsync(ContainerRecord record, string email, Actor actor, CancellationToken cancellationToken)
    {
        await RefusedAsync(record, email, "password", "wrong password", actor, cancellationToken);
        var locked = await states.ChangeAsync(record.OrgId, record.Id, email,
            s => s.Locked || s.FailedAttempts < MaxPasswordAttempts ? null : s with { Locked = true }, cancellationToken);
        if (locked is not null)
        {
            await events.RecordAsync(ViewerLocked, record, actor, new Dictionary<string, string> { ["viewer"] = email }, cancellationToken);
        }
    }

    private enum Grant
    {
        Granted,
        Locked,
        NoOpensLeft,
    }

    /// <summary>
    /// Lets the viewer in, decided on its counter row as it is now: refused if locked meanwhile or if
    /// a new session finds no open left; otherwise counts the open (unless the viewer's live session
    /// is reused) and, for a protected container, clears the attempts its right password proved wrong.
    /// Returns the session id.
    /// </summary>
    private async Task<string> GrantAsync(ContainerRecord record, DrmRules rules, string email, string? sessionId, Actor actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var reused = sessionId is not null && await states.SessionValidAsync(record.OrgId, record.Id, sessionId, email, now, cancellationToken);
        var grant = await states.DecideAsync(record.OrgId, record.Id, email, s =>
        {
            if (s.Locked)
            {
                return (null, Grant.Locked);
            }
            if (!reused && rules.Opens is { } max && s.Opens >= max)
            {
                return (null, Grant.NoOpensLeft);
            }
            var next = s with { Opens = reused ? s.Opens : s.Opens + 1, FailedAttempts = record.PasswordProtected ? 0 : s.FailedAttempts };
            return (next == s ? null : next, Grant.Granted);
        }, cancellationToken);
        switch (grant)
        {
            case Grant.Locked:
                throw await LockedAsync(record, email, actor, cancellationToken);
            case Grant.NoOpensLeft:
                await RefusedAsync(record, email, "opens", "no opens left", actor, cancellationToken);
                throw Denied("opens", $"this viewer has used all {rules.Opens} opens of the container");
            case Grant.Granted when reused:
                return sessionId!;
        }
        var session = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await states.AddSessionAsync(record.OrgId, record.Id, email, session, now + TimeSpan.FromMinutes(options.Value.ViewerSessionMinutes), cancellationToken);
        await events.RecordAsync(EventLog.ContainerAccess, record, actor, new Dictionary<string, string> { ["viewer"] = email, ["session"] = session }, cancellationToken);
        return session;
    }

    private async Task<LockteraException> LockedAsync(ContainerRecord record, string email, Actor actor, CancellationToken cancellationToken)
    {
        await RefusedAsync(record, email, "password", "locked out", actor, cancellationToken);
        return new LockteraException(ErrorCode.ViewerLocked, "Too many wrong passwords: ask the sender to unlock this container for you.");
    }

    private async Task RefusedAsync(ContainerRecord record, string email, string rule, string reason, Actor actor, CancellationToken cancellationToken) =>
        await events.RecordAsync(EventLog.ContainerFail, record, actor, new Dictionary<string, string> { ["rule"] = rule, ["reason"] = reason, ["viewer"] = email }, cancellationToken);

    /// <summary>The org lifts a lockout; the viewer may try again from zero. A viewer with nothing to lift is 404.</summary>
    public async Task UnlockAsync(ContainerRecord record, string email, Actor actor, CancellationToken cancellationToken)
    {
        var viewer = email.ToLowerInvariant();
        if (await states.ChangeAsync(record.OrgId, record.Id, viewer,
            s => s.Locked || s.FailedAttempts > 0 ? s with { Locked = false, FailedAttempts = 0 } : null, cancellationToken) is null)
        {
            throw new LockteraException(ErrorCode.NotFound, "That viewer has no failed attempts or lockout on this container.");
        }
        await events.RecordAsync(ViewerUnlocked, record, actor, new Dictionary<string, string> { ["viewer"] = viewer }, cancellationToken);
    }

    public Task<IReadOnlyList<ViewerState>> AttemptsAsync(ContainerRecord record, CancellationToken cancellationToken) =>
        states.ListAsync(record.OrgId, record.Id, cancellationToken);

    private static LockteraException Denied(string rule, string reason) => new(
        rule switch
        {
            "recipients" => ErrorCode.RecipientDenied,
            "time" => ErrorCode.TimeDenied,
            "ip" => ErrorCode.IpDenied,
            "geo" => ErrorCode.GeoDenied,
            _ => ErrorCode.OpensExhausted,
        },
        $"Access denied by the container's {rule} rule: {reason}.",
        new Dictionary<string, string> { [rule] = reason });
}
