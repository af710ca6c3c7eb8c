using Locktera.Core.Drm;
using Locktera.Core.Tera;

namespace Locktera.Core.Containers;

/// <summary>
/// What the manifest of an encode says, already validated: the container's name, whether its
/// <see cref="Rules"/> may change later, the password that protects it, its tags and what it says
/// about each file, in the order it lists them (an upload session's parts follow that order).
/// </summary>
public sealed record EncodeManifest(
    string? Name,
    bool Dynamic,
    string? Password,
    DrmRules Rules,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, ManifestFile> Files);

/// <summary>What the manifest says about one file: its media type, its details and, for an upload session (required there), its size.</summary>
public sealed record ManifestFile(string? Type, TeraFileDetails Details, long? Size = null);

/// <summary>
/// One file of an encode as it arrives: its name, the media type its part was sent with, and its
/// bytes, read to the end before the next file is asked for.
/// </summary>
public sealed record EncodeFile(string Name, string? PartType, Stream Content);
