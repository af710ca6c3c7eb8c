using System.Globalization;
using System.Text.RegularExpressions;
using Locktera.Core.Uploads;

namespace Locktera.Functions.Http;

/// <summary>What the requests of an upload session say in their headers and bodies.</summary>
public static partial class UploadRequest
{
    private const int MaxCommitBytes = 2 * 1024 * 1024;

    /// <summary>A part's <c>Content-Range: bytes a-b/total</c>.</summary>
    public static (long From, long To, long Total) ContentRange(HttpRequest request)
    {
        var match = ContentRangeShape().Match(request.Headers.ContentRange.ToString());
        return match.Success
            && long.TryParse(match.Groups["from"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var from)
            && long.TryParse(match.Groups["to"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var to)
            && long.TryParse(match.Groups["total"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            && from <= to && to < total
                ? (from, to, total)
                : throw LockteraException.Validation("content-range", "must be 'bytes first-last/total' for the part's place in the files' bytes");
    }

    /// <summary>A part's SHA-256 from its <c>Content-Digest</c> (RFC 9530): <c>sha-256=:base64:</c>, among others or alone.</summary>
    public static byte[] Sha256(HttpRequest request)
    {
        var match = DigestShape().Match(request.Headers["Content-Digest"].ToString());
        var digest = new byte[32];
        return match.Success && Convert.TryFromBase64String(match.Groups["value"].Value, digest, out var length) && length == 32
            ? digest
            : throw LockteraException.Validation("content-digest", "must carry the part's SHA-256: 'sha-256=:<base64>:'");
    }

    /// <summary>A commit's optional body: Box's <c>parts</c> list, checked against what arrived.</summary>
    public static async Task<IReadOnlyList<ClaimedPart>?> CommitAsync(HttpRequest request)
    {
        if (request.ContentLength is null or 0 && !request.Headers.ContainsKey("Transfer-Encoding"))
        {
            return null;
        }
        // A list of up to 10,000 parts is larger than the usual JSON body.
        var body = await JsonBody.ReadAsync(request.Body, MaxCommitBytes, "body", request.HttpContext.RequestAborted);
        var claimed = body.Objects("parts", LockteraOptions.MaxUploadParts)?
            .Select(p => new ClaimedPart(p.Text("part_id", 16, required: true) ?? "", p.WholeNumber("offset", 0L, long.MaxValue), p.WholeNumber("size", 0L, int.MaxValue), p.Text("sha256", 64)))
            .ToList();
        body.EnsureValid();
        return claimed;
    }

    /// <summary>The absolute URL of a session, <c>{family}/{org_id}/upload_sessions/{id}</c>, from any request of its node's session routes.</summary>
    public static string SessionUrl(HttpRequest request, Guid sessionId)
    {
        var path = request.Path.Value ?? "";
        var node = path[..path.IndexOf("/upload_sessions", StringComparison.Ordinal)];
        node = node.EndsWith("/containers", StringComparison.Ordinal) ? node[..^"/containers".Length] : node;
        return $"{request.Scheme}://{request.Host}{request.PathBase}{node}/upload_sessions/{sessionId}";
    }

    [GeneratedRegex(@"^\s*bytes\s+(?<from>\d{1,19})-(?<to>\d{1,19})/(?<total>\d{1,19})\s*$")]
    private static partial Regex ContentRangeShape();

    [GeneratedRegex(@"(?:^|,)\s*sha-256\s*=\s*:(?<value>[A-Za-z0-9+/=]{1,64}):")]
    private static partial Regex DigestShape();
}
