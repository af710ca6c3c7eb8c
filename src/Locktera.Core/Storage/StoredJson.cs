using System.Text.Json;
using System.Text.Json.Serialization;

namespace Locktera.Core.Storage;

/// <summary>How records kept as JSON inside table rows (snapshots, audits, lists) are written: camelCase, enums by name.</summary>
public static class StoredJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
