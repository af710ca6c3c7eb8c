using Locktera.Core.Validation;

namespace Locktera.Core.Addresses;

/// <summary>One valid row of a contacts CSV.</summary>
public sealed record ImportedContact(string Email, AddressDetails Details);

/// <summary>
/// Reads a contacts CSV (headers Email, First Name, Last Name, Mobile Phone, Company, in any order
/// and case; snake_case works too), all or nothing as <see cref="CsvRows"/> reads every import.
/// </summary>
public static class AddressImport
{
    private static readonly string[] Required = ["email", "firstname", "lastname"];
    private static readonly string[] Known = [.. Required, "mobilephone", "phonenumber", "company"];

    public static async Task<IReadOnlyList<ImportedContact>> ReadAsync(Stream csv, int maxRows, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var read = await CsvRows.ReadAsync(csv, maxRows, Required, Known, "Email, First Name, Last Name, Mobile Phone, Company", (row, problems) =>
        {
            var email = row.Cell("email") is { } rawEmail ? ContactRules.NormalizeEmail(rawEmail, out var emailError) ?? CsvRows.Problem(problems, $"email {emailError}") : CsvRows.Problem(problems, "email is required");
            var first = row.Cell("firstname") ?? CsvRows.Problem(problems, "first name is required");
            var last = row.Cell("lastname") ?? CsvRows.Problem(problems, "last name is required");
            var phoneText = row.Cell("mobilephone") ?? row.Cell("phonenumber");
            var phone = phoneText is null ? null : ContactRules.NormalizePhone(phoneText, out var phoneError) ?? CsvRows.Problem(problems, $"mobile phone {phoneError}");
            var company = row.Cell("company");
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
            return email is null ? null : new ImportedContact(email, new AddressDetails(first, last, company, phone));
        }, cancellationToken);
        return read.ValidOrThrow();
    }
}
