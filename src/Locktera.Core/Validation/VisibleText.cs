using System.Text;

namespace Locktera.Core.Validation;

/// <summary>
/// Characters that hide, reorder or break text rather than show it: control characters, format
/// characters (bidi overrides and isolates, zero-width spaces, soft hyphens, byte-order marks),
/// line and paragraph separators, and unpaired surrogates. A name holding one is not what it looks
/// like (<c>invoice\u202Efdp.exe</c> reads as "invoiceexe.pdf"), and a log line holding one can be
/// made to look like two. So names and other user-given text refuse them, and logs escape them.
/// The zero-width joiner and non-joiner stay allowed: emoji sequences and Persian or Indic script
/// need them, and they neither reorder text nor start a line.
/// </summary>
public static class VisibleText
{
    /// <summary>The rule, as field errors state it.</summary>
    public const string Rule = "control or invisible formatting characters";

    /// <summary>Whether <paramref name="text"/> holds a character that does not show as itself.</summary>
    public static bool HasHidden(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Hidden(text.AsSpan(i), out var length))
            {
                return true;
            }
            i += length;
        }
        return false;
    }

    /// <summary>
    /// <paramref name="text"/> with each hidden character written as its escape (<c>\u000D</c>,
    /// <c>\U000E0041</c>), so it stays on one line and shows what it holds. Text without hidden
    /// characters is returned as it is, so escaping twice changes nothing.
    /// </summary>
    public static string Escape(string text)
    {
        if (!HasHidden(text))
        {
            return text;
        }
        var escaped = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length;)
        {
            if (Hidden(text.AsSpan(i), out var length))
            {
                escaped.Append(length == 1
                    ? string.Create(CultureInfo.InvariantCulture, $"\\u{(int)text[i]:X4}")
                    : string.Create(CultureInfo.InvariantCulture, $"\\U{char.ConvertToUtf32(text[i], text[i + 1]):X8}"));
            }
            else
            {
                escaped.Append(text, i, length);
            }
            i += length;
        }
        return escaped.ToString();
    }

    /// <summary>Whether the character (or surrogate pair) that <paramref name="text"/> starts with is hidden; <paramref name="length"/> is its length.</summary>
    private static bool Hidden(ReadOnlySpan<char> text, out int length)
    {
        if (Rune.DecodeFromUtf16(text, out var rune, out length) != System.Buffers.OperationStatus.Done)
        {
            // An unpaired surrogate is no character at all.
            length = 1;
            return true;
        }
        return rune.Value is not (0x200C or 0x200D) && Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control
            or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }
}
