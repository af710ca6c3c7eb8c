using System.Text.Json.Serialization;
using Locktera.Core.Keys;

namespace Locktera.Functions.Http;

/// <summary>The ApiKey schema; <c>id</c> repeats <c>key_id</c> for clients of the older documented shape.</summary>
public class ApiKeyView(ApiKey key)
{
    public Guid KeyId { get; } = key.KeyId;
    public Guid Id { get; } = key.KeyId;
    public string Name { get; } = key.Name;
    public Guid OrgId { get; } = key.OrgId;
    public IReadOnlyList<string> Permissions { get; } = key.Permissions.ToNames();
    public DateTimeOffset CreatedAt { get; } = key.CreatedAt;
    public DateTimeOffset? LastUsedAt { get; } = key.LastUsedAt;
}

/// <summary>A key as returned once, at creation: with the secret to send as the bearer token.</summary>
public sealed class CreatedApiKeyView(CreatedApiKey created) : ApiKeyView(created.Key)
{
    [JsonPropertyOrder(1)] public string Secret { get; } = created.Token;
}
