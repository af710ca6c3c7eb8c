using System.Text.Json;
using System.Text.Json.Serialization;

namespace Locktera.Client;

/// <summary>The API's JSON: snake_case names, absent fields left out.</summary>
public static class LockteraJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
