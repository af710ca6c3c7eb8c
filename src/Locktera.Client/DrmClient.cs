using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Locktera.Client;

/// <summary>
/// The DRM rules of the organization's containers (docs/drm.md). Only a dynamic container's rules
/// change (a static one's answer 409); every write may name the version it read
/// (<see cref="DrmRulesView.ETag"/>) as <c>If-Match</c>, and then fails with 412 when someone
/// changed them since, rather than overwrite that change.
/// </summary>
public sealed class DrmClient : SubClient
{
    internal DrmClient(LockteraPipeline pipeline, string orgId)
        : base(pipeline, orgId)
    {
    }

    /// <summary>The container's rules and their version.</summary>
    public Task<DrmRulesView> GetAsync(Guid containerId, CancellationToken cancellationToken = default) =>
        SendAsync(Operations.GetContainerDrm, containerId, null, null, cancellationToken);

    /// <summary>The same as <see cref="GetAsync"/>, by upstream's <c>drm_rules</c> path.</summary>
    public Task<DrmRulesView> GetRulesAsync(Guid containerId, CancellationToken cancellationToken = default) =>
        SendAsync(Operations.GetContainerDrmRules, containerId, null, null, cancellationToken);

    /// <summary>Replaces every rule: a rule left out of <paramref name="rules"/> is cleared.</summary>
    public Task<DrmRulesView> ReplaceAsync(Guid containerId, JsonObject rules, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        SendAsync(Operations.ReplaceContainerDrm, containerId, rules, ifMatch, cancellationToken);

    /// <summary>Merges <paramref name="patch"/> into the rules: a rule left out keeps its value, a rule set to null is cleared.</summary>
    public Task<DrmRulesView> ChangeAsync(Guid containerId, JsonObject patch, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        SendAsync(Operations.ChangeContainerDrm, containerId, patch, ifMatch, cancellationToken);

    /// <summary>Clears every rule.</summary>
    public async Task ClearRulesAsync(Guid containerId, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        using var _ = await Pipeline.SendAsync(Operations.ClearContainerDrmRules, [OrgId, containerId.ToString()], null, cancellationToken, configure: r => IfMatch(r, ifMatch));
    }

    /// <summary>
    /// What the rules would decide for a hypothetical request: any of <c>viewer</c>, <c>ip</c>,
    /// <c>geo</c> (<c>{continent, country, subdivision, city}</c>; the address's location when left
    /// out) and <c>time</c> (now when left out). Changes and records nothing.
    /// </summary>
    public Task<DrmEvaluation> EvaluateAsync(Guid containerId, JsonObject whatIf, CancellationToken cancellationToken = default) =>
        Pipeline.SendAsync<DrmEvaluation>(Operations.EvaluateContainerDrm, [OrgId, containerId.ToString()], whatIf, cancellationToken);

    private async Task<DrmRulesView> SendAsync(Operation operation, Guid containerId, JsonObject? body, string? ifMatch, CancellationToken cancellationToken)
    {
        using var response = await Pipeline.SendAsync(operation, [OrgId, containerId.ToString()], body is null ? null : JsonContent.Create(body, options: LockteraJson.Options),
            cancellationToken, configure: r => IfMatch(r, ifMatch));
        return DrmRulesView.From(await LockteraPipeline.ReadAsync<JsonObject>(response, cancellationToken), response.Headers.ETag?.ToString());
    }

    private static void IfMatch(HttpRequestMessage request, string? ifMatch)
    {
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
    }
}
