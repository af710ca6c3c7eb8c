using System.Text.Json.Nodes;
using Locktera.Core.Containers;
using Locktera.Core.Drm;
using Locktera.Core.Tera;
using Microsoft.Net.Http.Headers;

namespace Locktera.Functions.Http;

/// <summary>
/// Reads an encode manifest in either documented shape: nested
/// (<c>{ "container": { name, recipients, downloadable, password, drm: {…} }, "files": {…} }</c>)
/// or flat (<c>{ container_name, dynamic, downloadable, recipients, time, ip, geo, … }</c>).
/// </summary>
public static class ManifestReader
{
    public const int MaxBytes = 1024 * 1024;
    public const int MaxPasswordLength = 256;
    public const int MaxTags = 50;
    public const int MaxTagLength = 100;

    /// <summary>
    /// Why a file's media type (the manifest's <c>type</c>, or its part's Content-Type) cannot be kept,
    /// or null: a decode sends it back as the file's Content-Type, so it must be a media type, and a
    /// header value is printable ASCII.
    /// </summary>
    public static string? MediaTypeProblem(string type) =>
        type.All(c => c is >= ' ' and <= '~') && MediaTypeHeaderValue.TryParse(type, out _)
            ? null
            : "must be a media type (such as text/plain) in printable ASCII";

    public static EncodeManifest Read(JsonBody manifest, Guid orgId)
    {
        var nested = manifest.Has("container");
        var container = nested ? manifest.Nested("container") : manifest;
        var drm = nested ? container?.Nested("drm") : manifest;
        if (!nested && manifest.Text("org_id", 64) is { } named && (!Guid.TryParse(named, out var namedId) || namedId != orgId))
        {
            manifest.Forbid("org_id", "names another organization than the route");
        }

        var name = nested ? container?.Text("name", 200) : manifest.Text("container_name", 200);
        var password = container?.Secret("password", MaxPasswordLength);
        if (password is not null && password.Trim().Length != password.Length)
        {
            // HTTP trims header values, so such a password could never be presented in X-Locktera-Password.
            container!.Fail("password", "must not start or end with white space");
        }
        var dynamic = drm?.Bool("dynamic") ?? false;

        // Recipients and downloadable sit on the container, the other rules under drm (nested
        // shape) or all at the top (flat shape); errors keep the path the caller wrote.
        var rulesJson = new JsonObject();
        foreach (var field in new[] { "recipients", "downloadable" })
        {
            if (container?.Any(field) is { } value)
            {
                rulesJson[field] = value;
            }
        }
        foreach (var field in new[] { "ip", "geo", "time", "opens" })
        {
            if (drm?.Any(field) is { } value)
            {
                rulesJson[field] = value;
            }
        }
        var containerPrefix = nested ? "container." : "";
        var drmPrefix = nested ? "container.drm." : "";
        var rules = DrmRules.Parse(rulesJson, (path, message) =>
            manifest.Fail((path.StartsWith("recipients", StringComparison.Ordinal) || path == "downloadable" ? containerPrefix : drmPrefix) + path, message));

        var tags = (manifest.Strings("tags", MaxTags, MaxTagLength) ?? []).Concat(nested ? container?.Strings("tags", MaxTags, MaxTagLength) ?? [] : []);
        // In the order given: an upload session's parts cover the files in that order.
        var files = new OrderedDictionary<string, ManifestFile>(StringComparer.Ordinal);
        foreach (var (fileName, file) in manifest.Members("files"))
        {
            files[fileName] = new ManifestFile(
                file.Checked("type", 200, MediaTypeProblem),
                new TeraFileDetails(
                    file.WholeNumber("pages", 0, 1_000_000),
                    file.Number("duration", 0, 1e9),
                    file.Bool("hidden") ?? false,
                    file.Text("view_instead", FileNames.MaxBytes),
                    file.Text("download_instead", FileNames.MaxBytes)),
                file.WholeNumber("size", 0L, long.MaxValue));
        }
        foreach (var fileName in files.Keys)
        {
            if (FileNames.Problem(fileName) is { } problem)
            {
                manifest.Forbid("files", $"file name '{VisibleText.Escape(fileName)}' {problem}");
            }
        }
        manifest.EnsureValid();
        return new EncodeManifest(name, dynamic, password, rules, [.. tags.Distinct(StringComparer.Ordinal)], files);
    }
}
