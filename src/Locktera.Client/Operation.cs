namespace Locktera.Client;

/// <summary>
/// One operation of docs/openapi.yaml, as the client calls it: its id, method and path template.
/// Every request the client makes goes through one of <see cref="Operations"/>, and a test holds
/// that table against the document, so the client cannot drift from it.
/// </summary>
public sealed record Operation(string Id, string Method, string Path)
{
    /// <summary>The path relative to the API's base URL, each <c>{name}</c> replaced, in order, by a value (escaped).</summary>
    public string Url(params string[] values)
    {
        var url = new System.Text.StringBuilder();
        var at = 1;
        var next = 0;
        while (at < Path.Length)
        {
            var open = Path.IndexOf('{', at);
            if (open < 0)
            {
                url.Append(Path, at, Path.Length - at);
                break;
            }
            url.Append(Path, at, open - at);
            var close = Path.IndexOf('}', open);
            url.Append(Uri.EscapeDataString(values[next++]));
            at = close + 1;
        }
        return next == values.Length ? url.ToString() : throw new ArgumentException($"{Id} takes {next} path values, not {values.Length}.", nameof(values));
    }
}
