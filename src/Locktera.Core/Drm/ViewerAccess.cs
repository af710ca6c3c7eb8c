using System.Security.Cryptography;
using Locktera.Core.Containers;
using Locktera.Core.Errors;
using Locktera.Core.Events;
using Microsoft.Extensions.Options;

namespace Locktera.Core.Drm;

/// <summary>
/// The stateful half of DRM for a viewer's decode: the container's status, its rules (through
/// <see cref="DrmEvaluator"/>), password lockout, and opens counted per viewing session. Every
/// decision is an event.
/// </summary>
public sealed class ViewerAccess(ViewerStates states, ContainerService containers, EventLog events, TimeProvider time, IOptions<LockteraOptions> options)
{
    /// <summary>Upstream: five attempts; the sixth failure and every later attempt is refused as locked.</summary>
    public const int MaxPasswordAttempts = 5;

    public const string ViewerLocked = "viewer.locked";
    public const string ViewerUnlocked = "viewer.unlocked";

    /// <summary>Everything but opens: may this viewer, with these facts, read this container now?</summary>
    public async Task<DrmRules> CheckAsync(ContainerRecord record, ViewerFacts facts, Actor actor, CancellationToken cancellationToken)
    {
        var email = facts.Viewer ?? throw new InvalidOperationException("A viewer decision needs the viewer's email.");
        if (record.Status == ContainerStatus.Blocked)
        {
            await events.RecordAsync(EventLog.ContainerBlock, record, actor, new Dictionary<string, string> { ["attempt"] = "decode", ["viewer"] = email }, cancellationToken);
            throw new LockteraException(ErrorCode.ContainerBlocked, "The container is blocked.");
        }
        var (rules, _) = containers.RulesOf(record);
        var verdict = DrmEvaluator.Evaluate(rules, facts);
        if (verdict.Denial is { } denial)
        {
            await events.RecordAsync(EventLog.ContainerFail, record, actor, new Dictionary<string, string> { ["rule"] = denial.Rule, ["reason"] = denial.Reason, ["viewer"] = email }, cancellationToken);
            throw Denied(denial.Rule, denial.Reason);
        }
        if ((await states.GetAsync(record.OrgId, record.Id, email, cancellationToken)).Locked)
        {
            await events.RecordAsync(EventLog.ContainerFail, record, actor, new Dictionary<string, string> { ["rule"] = "password", ["reason"] = "locked out", ["viewer"] = email }, cancellationToken);
            throw new LockteraException(ErrorCode.ViewerLocked, "Too many wrong passwords: ask the sender to unlock this container for you.");
        }
        return rules;
    }

    /// <summary>
    /// Reuses the viewer's session when <paramref name="sessionId"/> names a live one; otherwise starts
    /// one, counting an open (refused once the rules' opens are used up). Returns the session id.
    /// </summary>
    public async Task<string> EnterAsync(ContainerRecord record, DrmRules rules, string email, string? sessionId, Actor actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (sessionId is not null && await states.SessionValidAsync(record.OrgId, record.Id, sessionId, email, now, cancellationToken))
        {
            return sessionId;
        }
        var session = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var lifetime = TimeSpan.FromMinutes(options.Value.ViewerSessionMinutes);
        if (!await states.TryStartSessionAsync(record.OrgId, record.Id, email, rules.Opens, session, now + lifetime, cancellationToken))
        {
            await events.RecordAsync(EventLog.ContainerFail, record, actor, new Dictionary<string, string> { ["rule"] = "opens", ["reason"] = "no opens left", ["viewer"] = email }, cancellationToken);
            throw Denied("opens", $"this viewer has used all {rules.Opens} opens of the container");
        }
        await events.RecordAsync(EventLog.ContainerAccess, record, actor, new Dictionary<string, string> { ["viewer"] = email, ["session"] = session }, cancellationToken);
        return session;
    }

    /// <summary>Counts a wrong password; the fifth locks the viewer out (an event of its own).</summary>
    public async Task PasswordFailedAsync(ContainerRecord record, string email, Actor actor, CancellationToken cancellationToken)
    {
        var state = await states.ChangeAsync(record.OrgId, record.Id, email,
            s => s with { FailedAttempts = s.FailedAttempts + 1, Locked = s.Locked || s.FailedAttempts + 1 >= MaxPasswordAttempts }, cancellationToken);
        await events.RecordAsync(EventLog.ContainerFail, record, actor, new Dictionary<string, string> { ["rule"] = "password", ["reason"] = "wrong password", ["viewer"] = email }, cancellationToken);
        if (state is { Locked: true, FailedAttempts: MaxPasswordAttempts })
        {
            await events.RecordAsync(ViewerLocked, record, actor, new Dictionary<string, string> { ["viewer"] = email }, cancellationToken);
        }
    }

    /// <summary>A right password clears the count of wrong ones (written only when there is one to clear).</summary>
    public Task PasswordSucceededAsync(ContainerRecord record, string email, CancellationToken cancellationToken) =>
        states.ChangeAsync(record.OrgId, record.Id, email, s => s.FailedAttempts == 0 || s.Locked ? null : s with { FailedAttempts = 0 }, cancellationToken);

    /// <summary>The org lifts a lockout; the viewer may try again from zero.</summary>
    public async Task<bool> UnlockAsync(ContainerRecord record, string email, Actor actor, CancellationToken cancellationToken)
    {
        var unlocked = await states.ChangeAsync(record.OrgId, record.Id, email.ToLowerInvariant(),
            s => s.Locked || s.FailedAttempts > 0 ? s with { Locked = false, FailedAttempts = 0 } : null, cancellationToken);
        if (unlocked is not null)
        {
            await events.RecordAsync(ViewerUnlocked, record, actor, new Dictionary<string, string> { ["viewer"] = email.ToLowerInvariant() }, cancellationToken);
        }
        return unlocked is not null;
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
