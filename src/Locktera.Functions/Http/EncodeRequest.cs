using System.Runtime.CompilerServices;
using Locktera.Core.Containers;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Locktera.Functions.Http;

/// <summary>
/// Reads an encode's <c>multipart/form-data</c> body: the manifest part first (named <c>manifest</c>
/// or <c>manifest.json</c>), then one part named <c>files</c> per file, each with a file name. The
/// files are read as the encode asks for them, so they stream through and are never buffered.
/// </summary>
public static class EncodeRequest
{
    public static async Task<(EncodeManifest Manifest, IAsyncEnumerable<EncodeFile> Files)> ReadAsync(HttpRequest req, Guid orgId, CancellationToken cancellationToken)
    {
        var reader = new MultipartReader(Boundary(req), req.Body) { BodyLengthLimit = null };
        var first = await reader.ReadNextSectionAsync(cancellationToken);
        if (first is null || PartName(first) is not ("manifest" or "manifest.json"))
        {
            throw LockteraException.Validation("manifest", "the first part must be the manifest, named 'manifest' or 'manifest.json'");
        }
        var manifest = ManifestReader.Read(await JsonBody.ReadAsync(first.Body, ManifestReader.MaxBytes, "manifest", cancellationToken), orgId);
        return (manifest, Files(reader, cancellationToken));
    }

    private static async IAsyncEnumerable<EncodeFile> Files(MultipartReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (PartName(section) != "files")
            {
                throw LockteraException.Validation("files", $"unexpected part '{PartName(section)}': after the manifest, every part must be named 'files'");
            }
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            if (fileName is null)
            {
                throw LockteraException.Validation("files", "every file part needs a filename");
            }
            if (section.ContentType is { } partType && ManifestReader.MediaTypeProblem(partType) is { } problem)
            {
                throw LockteraException.Validation("files", $"the Content-Type of file part '{VisibleText.Escape(fileName)}' {problem}");
            }
            yield return new EncodeFile(fileName, section.ContentType, section.Body);
        }
    }

    private static string Boundary(HttpRequest req)
    {
        if (!MediaTypeHeaderValue.TryParse(req.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw LockteraException.Validation("content-type", "must be multipart/form-data with a manifest part and file parts");
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        return string.IsNullOrWhiteSpace(boundary) || boundary.Length > 200
            ? throw LockteraException.Validation("content-type", "the multipart boundary is missing or too long")
            : boundary;
    }

    private static string? PartName(MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
            && disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(disposition.Name).Value
            : null;
}
