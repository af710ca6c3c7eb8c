using System.Globalization;
using Locktera.Core.Errors;
using Locktera.Core.Validation;
using Sylvan.Data.Csv;

namespace Locktera.Core.Addresses;

/// <summary>One valid row of a contacts CSV.</summary>
public sealed record ImportedContact(string Email, AddressDetails Details);

/// <summary>
/// Reads a contacts CSV (headers Email, First Name, Last Name, Mobile Phone, Company, in any order
/// and case; snake_case works too). Every row is checked before anything is imported: one bad row
/// and the whole file is refused, with each bad row's number and reasons.
/// </summary>
public static class AddressImport
{
    private static readonly string[] Required = ["email", "firstname", "lastname"];
    private static readonly string[] Known = [.. Required, "mobilephone", "phonenumber", "company"];

    public static async Task<IReadOnlyList<ImportedContact>> ReadAsync(Stream csv, int maxRows, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadRowsAsync(csv, maxRows, cancellationToken);
        }
        catch (CsvFormatException e)
        {
            throw new LockteraException(ErrorCode.ValidationFailed, "The body is not valid CSV; nothing was imported.",
                new Dictionary<string, string> { ["body"] = string.Create(CultureInfo.InvariantCulture, $"is not valid CSV at row {e.RowNumber}") });
        }
    }

    private static async Task<IReadOnlyList<ImportedContact>> ReadRowsAsync(Stream csv, int maxRows, CancellationToken cancellationToken)
    {
        using var text = new StreamReader(csv);
        await using var reader = await CsvDataReader.CreateAsync(text, new CsvDataReaderOptions { HasHeaders = true }, cancellationToken);
        var columns = Enumerable.Range(0, reader.FieldCount).ToDictionary(i => Normalize(reader.GetName(i)), i => i);
        var headerErrors = new FieldErrors();
        foreach (var missing in Required.Where(r => !columns.ContainsKey(r)))
        {
            headerErrors.Add("header", $"needs the columns Email, First Name and Last Name (missing: {missing})");
        }
        foreach (var unknown in columns.Keys.Where(c => !Known.Contains(c)))
        {
            headerErrors.Add($"header.{unknown}", "is not a known column (Email, First Name, Last Name, Mobile Phone, Company)");
        }
        headerErrors.ThrowIfAny();

        var contacts = new List<ImportedContact>();
        var rows = new FieldErrors();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var row = 1;
        while (await reader.ReadAsync(cancellationToken))
        {
            row++;
            if (row - 1 > maxRows)
            {
                throw new LockteraException(ErrorCode.ValidationFailed, $"An import holds at most {maxRows} rows.",
                    new Dictionary<string, string> { ["body"] = $"has more than {maxRows} rows" });
            }
            string? Cell(string name) => columns.TryGetValue(name, out var i) && reader.GetString(i).Trim() is { Length: > 0 } value ? value : null;
            var problems = new List<string>();
            var email = Cell("email") is { } rawEmail ? ContactRules.NormalizeEmail(rawEmail, out var emailError) ?? Problem(problems, $"email {emailError}") : Problem(problems, "email is required");
            var first = Cell("firstname") ?? Problem(problems, "first name is required");
            var last = Cell("lastname") ?? Problem(problems, "last name is required");
            var phoneText = Cell("mobilephone") ?? Cell("phonenumber");
            var phone = phoneText is null ? null : ContactRules.NormalizePhone(phoneText, out var phoneError) ?? Problem(problems, $"mobile phone {phoneError}");
            var company = Cell("company");
            foreach (var (value, name) in new[] { (first, "first name"), (last, "last name"), (company, "company") })
            {
                if (value is { Length: > ContactRules.MaxNameLength })
                {
                    problems.Add($"{name} is longer than {ContactRules.MaxNameLength} characters");
                }
            }
            if (email is not null && !seen.Add(email))
            {
                problems.Add("email appears on an earlier row");
            }
            if (problems.Count > 0)
            {
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"row {row}"), string.Join("; ", problems));
            }
            else
            {
                contacts.Add(new ImportedContact(email!, new AddressDetails(first, last, company, phone)));
            }
        }
        rows.ThrowIfAny(ErrorCode.ValidationFailed, "Some rows are invalid; nothing was imported.");
        return contacts;
    }

    private static string? Problem(List<string> problems, string problem)
    {
        problems.Add(problem);
        return null;
    }

    private static string Normalize(string header) => new([.. header.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
}
