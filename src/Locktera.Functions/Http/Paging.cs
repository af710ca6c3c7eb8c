using System.Buffers.Text;
using System.Globalization;
using Locktera.Core.Errors;
using Locktera.Core.Validation;
using Microsoft.AspNetCore.Http;

namespace Locktera.Functions.Http;

/// <summary>
/// The list parameters: <c>page</c> (from 1) and <c>limit</c> as documented upstream, or an opaque
/// <c>cursor</c> from a previous page's <c>Link</c> header for cheap deep paging.
/// </summary>
public sealed record Paging(int Page, int Limit, Guid? After)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const string NextCursorHeader = "X-Next-Cursor";

    public int Skip => After is null ? (Page - 1) * Limit : 0;

    public static Paging From(HttpRequest request)
    {
        var errors = new FieldErrors();
        var page = Number(request, "page", 1, 1, 100_000, errors);
        var limit = Number(request, "limit", DefaultLimit, 1, MaxLimit, errors);
        Guid? after = null;
        if (request.Query.TryGetValue("cursor", out var cursor))
        {
            if (request.Query.ContainsKey("page"))
            {
                errors.Add("cursor", "cannot be combined with page");
            }
            else if (DecodeCursor(cursor.ToString()) is { } id)
            {
                after = id;
            }
            else
            {
                errors.Add("cursor", "is not a cursor this API returned");
            }
        }
        errors.ThrowIfAny(ErrorCode.InvalidPaging, "The paging parameters are invalid.");
        return new Paging(page, limit, after);
    }

    /// <summary>Adds the next page's link when the page came back full (there may be more).</summary>
    public void AddNextLink(HttpResponse response, HttpRequest request, int count, Guid lastId)
    {
        if (count < Limit)
        {
            return;
        }
        var next = EncodeCursor(lastId);
        response.Headers[NextCursorHeader] = next;
        response.Headers.Link = $"<{request.Path}?limit={Limit}&cursor={next}>; rel=\"next\"";
    }

    private static string EncodeCursor(Guid id) => Base64Url.EncodeToString(id.ToByteArray(bigEndian: true));

    private static Guid? DecodeCursor(string cursor)
    {
        var bytes = new byte[18];
        return Base64Url.DecodeFromChars(cursor, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == 16
            ? new Guid(bytes.AsSpan(0, 16), bigEndian: true)
            : null;
    }

    private static int Number(HttpRequest request, string name, int fallback, int min, int max, FieldErrors errors)
    {
        if (!request.Query.TryGetValue(name, out var raw))
        {
            return fallback;
        }
        if (int.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        errors.Add(name, $"must be a whole number from {min} to {max}");
        return fallback;
    }
}
