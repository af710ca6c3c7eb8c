using System.Net.Mail;
using System.Text;

namespace Locktera.Core.Validation;

/// <summary>Normalisation and validation of the contact fields shared by orgs, users and addresses.</summary>
public static class ContactRules
{
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 254;

    /// <summary>Returns the trimmed address, or null with a reason when it is not a plain mailbox.</summary>
    public static string? NormalizeEmail(string value, out string? error)
    {
        var trimmed = value.Trim();
        error = null;
        if (trimmed.Length is 0 or > MaxEmailLength)
        {
            error = $"must be an email address of at most {MaxEmailLength} characters";
            return null;
        }
        if (VisibleText.HasHidden(trimmed))
        {
            error = $"must not contain {VisibleText.Rule}";
            return null;
        }
        var at = trimmed.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != trimmed.LastIndexOf('@') || at == trimmed.Length - 1)
        {
            error = "must contain exactly one '@' between a local part and a domain";
            return null;
        }
        if (!MailAddress.TryCreate(trimmed, out var parsed) || parsed.Address != trimmed || !parsed.Host.Contains('.', StringComparison.Ordinal))
        {
            error = "is not a valid email address";
            return null;
        }
        return trimmed;
    }

    /// <summary>
    /// Phone numbers are kept in E.164-like form: an optional leading '+' and 6 to 15 digits,
    /// with the usual separators (spaces, dots, dashes, parentheses) removed.
    /// </summary>
    public static string? NormalizePhone(string value, out string? error)
    {
        var digits = new StringBuilder(value.Length);
        foreach (var (c, i) in value.Trim().Select((c, i) => (c, i)))
        {
            if (char.IsAsciiDigit(c) || (c == '+' && i == 0))
            {
                digits.Append(c);
            }
            else if (c is not (' ' or '.' or '-' or '(' or ')'))
            {
                error = "may contain only digits, a leading '+', spaces, dots, dashes and parentheses";
                return null;
            }
        }
        var count = digits.Length - (digits.Length > 0 && digits[0] == '+' ? 1 : 0);
        if (count is < 6 or > 15)
        {
            error = "must have between 6 and 15 digits";
            return null;
        }
        error = null;
        return digits.ToString();
    }
}
