using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Locktera.Functions.Http;

/// <summary>
/// The list parameters: <c>page</c> (from 1) and <c>limit</c> as documented upstream, or an opaque
/// <c>cursor</c> from a previous page's <c>Link</c> header for cheap deep paging. A cursor is the
/// base64url of where the listing resumes: an id, or a row key.
/// </summary>
public sealed record Paging(int Page, int Limit, string? Cursor)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const string NextCursorHeader = "X-Next-Cursor";

    /// <summary>Cursors are short; a long one is not ours and is refused before it is decoded.</summary>
    private const int MaxCursorLength = 512;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public int Skip => Cursor is null ? (Page - 1) * Limit : 0;

    /// <summary>The cursor of a listing by id (children, containers): the id the page starts after.</summary>
    public Guid? After => Cursor is null ? null : Guid.ParseExact(Cursor, "N");

    public static Paging From(HttpRequest request) => From(request, cursor => Guid.TryParseExact(cursor, "N", out _));

    /// <summary>The paging parameters of a listing whose cursors <paramref name="accepts"/> recognizes.</summary>
    public static Paging From(HttpRequest request, Func<string, bool> accepts)
    {
        var errors = new FieldErrors();
        var page = Number(request, "page", 1, 1, 100_000, errors);
        var limit = Number(request, "limit", DefaultLimit, 1, MaxLimit, errors);
        string? after = null;
        if (request.Query.TryGetValue("cursor", out var cursor))
        {
            if (request.Query.ContainsKey("page"))
            {
                errors.Add("cursor", "cannot be combined with page");
            }
            else if (DecodeCursor(cursor.ToString()) is { } decoded && accepts(decoded))
            {
                after = decoded;
            }
            else
            {
                errors.Add("cursor", "is not a cursor this API returned");
            }
        }
        errors.ThrowIfAny(ErrorCode.InvalidPaging, "The paging parameters are invalid.");
        return new Paging(page, limit, after);
    }

    /// <summary>
    /// Answers one page of a listing: its items as their views, with the link to the next page when
    /// this one came back full (it resumes after the last item's <paramref name="cursorOf"/>; a listing
    /// without cursors passes none and pages by number only).
    /// </summary>
    public IResult Answer<T>(HttpRequest request, IReadOnlyList<T> page, Func<T, object> view, Func<T, string>? cursorOf = null) =>
        Answer(request, page, view, page.Count > 0 && cursorOf is not null ? cursorOf(page[^1]) : null);

    /// <summary>As above, for a listing that knows its own next cursor (null: there is no next page).</summary>
    public IResult Answer<T>(HttpRequest request, IReadOnlyList<T> page, Func<T, object> view, string? next)
    {
        if (next is not null && page.Count >= Limit)
        {
            var encoded = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(next));
            var response = request.HttpContext.Response;
            response.Headers[NextCursorHeader] = encoded;
            // The link keeps the request's filters: a cursor continues the listing it came from.
            var query = QueryString.Create(request.Query.Where(p => p.Key is not ("page" or "limit" or "cursor")))
                .Add("limit", Limit.ToString(CultureInfo.InvariantCulture))
                .Add("cursor", encoded);
            response.Headers.Link = $"<{request.Path}{query}>; rel=\"next\"";
        }
        return ApiResults.Ok(page.Select(view).ToList());
    }

    private static string? DecodeCursor(string cursor)
    {
        try
        {
            return cursor.Length <= MaxCursorLength ? Strict.GetString(Base64Url.DecodeFromChars(cursor)) : null;
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }
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
