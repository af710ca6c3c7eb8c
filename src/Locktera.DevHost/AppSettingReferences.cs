using System.Text.RegularExpressions;

namespace Locktera.DevHost;

/// <summary>
/// A trigger's "%Name%" references, resolved as the Functions host resolves them: each is the value
/// of the app setting of that name.
/// </summary>
internal static partial class AppSettingReferences
{
    /// <summary><paramref name="text"/> with its references resolved; throws naming the function and the setting when one is not set.</summary>
    /// <param name="what">What the text is to the function ("schedule", "queue"), for the message.</param>
    public static string Resolve(string text, FunctionEntry entry, string what, IConfiguration configuration) =>
        Reference().Replace(text, reference => configuration[reference.Groups["setting"].Value]
            ?? throw new InvalidOperationException($"Function {entry.Name}: setting '{reference.Groups["setting"].Value}' for its {what} is not set."));

    [GeneratedRegex("%(?<setting>[^%]+)%")]
    private static partial Regex Reference();
}
