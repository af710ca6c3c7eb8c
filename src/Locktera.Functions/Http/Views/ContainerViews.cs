using System.Text.Json.Serialization;
using System.Text.Json.Nodes;
using Locktera.Core.Containers;
using Locktera.Core.Tera;

namespace Locktera.Functions.Http;

/// <summary>
/// A container record: upstream's Container fields, with the newer names beside them. An encoded
/// container has its object's MD5 and SHA-256; one written in parts (an upload session) has instead
/// the SHA-256 of its parts' digests, and leaves the others out.
/// </summary>
public sealed class ContainerView(ContainerRecord record)
{
    public Guid Id { get; } = record.Id;
    public Guid Uuid { get; } = record.Id;
    public Guid OrgId { get; } = record.OrgId;
    public string ContainerName { get; } = record.Name;
    public string Name { get; } = record.Name;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ContainerDigest { get; } = record.Md5;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Digest { get; } = record.Md5;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; } = record.Sha256;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PartsSha256 { get; } = record.PartsSha256;
    public long ContainerSize { get; } = record.Size;
    public long Size { get; } = record.Size;
    public DateTimeOffset CreatedDate { get; } = record.CreatedAt;
    public DateTimeOffset CreatedAt { get; } = record.CreatedAt;
    public string CreatedBy { get; } = record.CreatedBy;
    public string Status { get; } = record.Status.ToString().ToUpperInvariant();
    public IReadOnlyList<string> Tags { get; } = record.Tags;
    public bool Dynamic { get; } = record.Dynamic;
    public bool Downloadable { get; } = record.Downloadable;
    public bool PasswordProtected { get; } = record.PasswordProtected;

    /// <summary>The rules in their stored form (<see cref="Core.Drm.DrmRules.ToJson"/>), which is the one answered.</summary>
    public JsonNode DrmRules { get; } = JsonNode.Parse(record.Rules ?? "{}")!;
}

public sealed class FileView(TeraFile file)
{
    public string Type { get; } = file.Type;
    public long Size { get; } = file.Size;
    /// <summary>The file's SHA-256, where it was written in order (an encode); not for a file of an upload session.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sha256 { get; } = file.Sha256;
    public int? Pages { get; } = file.Pages;
    public double? Duration { get; } = file.Duration;
    public bool Hidden { get; } = file.Hidden;
    public string? ViewInstead { get; } = file.ViewInstead;
    public string? DownloadInstead { get; } = file.DownloadInstead;

    public static Dictionary<string, FileView> Map(TeraIndex index) => index.Files.ToDictionary(f => f.Name, f => new FileView(f), StringComparer.Ordinal);
}

/// <summary>The encode response: upstream clients read <c>org_id</c> and <c>container.uuid</c>.</summary>
public sealed class EncodedManifestView(ContainerRecord record, TeraIndex index)
{
    public Guid OrgId { get; } = record.OrgId;
    public ContainerView Container { get; } = new(record);
    public Dictionary<string, FileView> Files { get; } = FileView.Map(index);
}

/// <summary>A decode without a file name: the decrypted manifest.</summary>
public sealed class DecodedManifestView(OpenedContainer opened)
{
    public DecodedContainerView Container { get; } = new(opened);
    public Dictionary<string, FileView> Files { get; } = FileView.Map(opened.Index);
}

/// <summary>The container as its decrypted index describes it.</summary>
public sealed class DecodedContainerView(OpenedContainer opened)
{
    public string Name { get; } = opened.Index.Name;
    public Guid Uuid { get; } = opened.Record.Id;
    public Guid Id { get; } = opened.Record.Id;
    public DateTimeOffset CreatedAt { get; } = opened.Index.CreatedAt;
}

/// <summary>One change of a container's tags.</summary>
public sealed class TagChangeView(TagChange change)
{
    public DateTimeOffset Timestamp { get; } = change.Timestamp;
    public IReadOnlyList<string> OldTags { get; } = change.OldTags;
    public IReadOnlyList<string> NewTags { get; } = change.NewTags;
    public string User { get; } = change.User;
}

/// <summary>A tag in use in an org, and how many of its containers carry it.</summary>
public sealed class TagCountView((string Tag, int Count) tag)
{
    public string Name { get; } = tag.Tag;
    public int Count { get; } = tag.Count;
}
