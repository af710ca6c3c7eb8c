using System.Text.Json.Serialization;
using Locktera.Core.Consents;

namespace Locktera.Functions.Http;

/// <summary>
/// Both upstream shapes of a consent at once (the SPEC's <c>is_checked</c>/<c>consent_timestamp</c>,
/// github.io's <c>status</c>/<c>updated_at</c>), and who made the change from where. What has no value
/// is left out: upstream types <c>email</c> as a string.
/// </summary>
public sealed class ConsentView(Consent consent)
{
    public Guid Id { get; } = consent.Id;
    public Guid OrgId { get; } = consent.OrgId;
    public string ConsentId { get; } = consent.ConsentId;
    public string Scope { get; } = consent.Scope == ConsentScope.Org ? "org" : "viewer";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Email { get; } = consent.Email;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Description { get; } = consent.Description;
    public string Status { get; } = consent.Granted ? "granted" : "revoked";
    public bool IsChecked { get; } = consent.Granted;
    public DateTimeOffset ConsentTimestamp { get; } = consent.ConsentTimestamp;
    public DateTimeOffset UpdatedAt { get; } = consent.UpdatedAt;
    public string ChangedBy { get; } = consent.ChangedBy;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Ip { get; } = consent.Ip;
}
