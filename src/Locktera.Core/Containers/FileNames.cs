using System.Text;
using Locktera.Core.Validation;

namespace Locktera.Core.Containers;

/// <summary>The rules for names of files inside a container: plain names, never paths.</summary>
public static class FileNames
{
    public const int MaxBytes = 255;

    /// <summary>Why <paramref name="name"/> is not a valid file name, or null when it is.</summary>
    public static string? Problem(string name) => name switch
    {
        "" => "must not be empty",
        _ when Encoding.UTF8.GetByteCount(name) > MaxBytes => $"must be at most {MaxBytes} bytes of UTF-8",
        _ when name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) => "must not contain a path separator",
        _ when name is "." or ".." || name.Contains("..", StringComparison.Ordinal) => "must not contain '..'",
        _ when VisibleText.HasHidden(name) => $"must not contain {VisibleText.Rule}",
        _ when name.Trim().Length != name.Length => "must not start or end with white space",
        _ => null,
    };
}
