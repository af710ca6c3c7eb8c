using System.Text.Json.Nodes;
using Locktera.Core.Containers;
using Locktera.Core.Tera;

namespace Locktera.Functions.Http;

/// <summary>A container record: upstream's Container fields, with the newer names beside them.</summary>
public sealed class ContainerView(ContainerRecord record)
{
    public Guid Id { get; } = record.Id;
    public Guid Uuid { get; } = record.Id;
    public Guid OrgId { get; } = record.OrgId;
    public string ContainerName { get; } = record.Name;
    public string Name { get; } = record.Name;
    public string? ContainerDigest { get; } = record.Md5;
    public string? Digest { get; } = record.Md5;
    public string? Sha256 { get; } = record.Sha256;
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
    public JsonNode? DrmRules { get; } = record.Rules is null ? null : JsonNode.Parse(record.Rules);
}

public sealed class FileView(TeraFile file)
{
    public string Type { get; } = file.Type;
    public long Size { get; } = file.Size;
    public string Sha256 { get; } = file.Sha256;
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
    public object Container { get; } = new { name = opened.Index.Name, uuid = opened.Record.Id, id = opened.Record.Id, created_at = opened.Index.CreatedAt };
    public Dictionary<string, FileView> Files { get; } = FileView.Map(opened.Index);
}
