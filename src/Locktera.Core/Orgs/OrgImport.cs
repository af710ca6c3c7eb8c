using Locktera.Core.Validation;

namespace Locktera.Core.Orgs;

/// <summary>
/// One row of an organization import. <see cref="Ref"/> is the row's own id column: a name later rows
/// may give as their <see cref="Parent"/> to place nodes beneath a group of the same file. A parent is
/// otherwise the id of an existing node.
/// </summary>
public sealed record ImportedNode(int Row, string? Ref, string? Name, string? Email, string Parent, string Role);

/// <summary>
/// Reads an organization import (upstream's headers id, name, email, org_id, role), all or nothing as
/// <see cref="CsvRows"/> reads every import. This checks each row on its own; whether the tree accepts
/// the rows is <see cref="OrgService.ImportAsync"/>'s to check.
/// </summary>
public static class OrgImport
{
    public const int MaxRefLength = 64;

    /// <summary>Upstream's examples use "member" and "admin"; admin means the admin role the parent allows.</summary>
    public const string AdminAlias = "admin";
    public const string MemberAlias = "member";

    private static readonly string[] Required = ["name", "email", "orgid", "role"];
    private static readonly string[] Known = [.. Required, "id"];

    public static Task<CsvRead<ImportedNode>> ReadAsync(Stream csv, int maxRows, CancellationToken cancellationToken)
    {
        var refs = new HashSet<string>(StringComparer.Ordinal);
        var emails = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return CsvRows.ReadAsync(csv, maxRows, Required, Known, "id, name, email, org_id, role", (row, problems) =>
        {
            var reference = row.Cell("id");
            if (reference is not null && (reference.Length > MaxRefLength || !reference.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                problems.Add($"id must be at most {MaxRefLength} letters, digits, '-', '_' or '.'");
            }
            else if (reference is not null && !refs.Add(reference))
            {
                problems.Add("id appears on an earlier row");
            }
            var name = row.Cell("name");
            if (name is { Length: > ContactRules.MaxNameLength })
            {
                problems.Add($"name is longer than {ContactRules.MaxNameLength} characters");
            }
            var email = row.Cell("email") is { } rawEmail ? ContactRules.NormalizeEmail(rawEmail, out var emailError) ?? CsvRows.Problem(problems, $"email {emailError}") : null;
            if (email is not null && !emails.Add(email))
            {
                problems.Add("email appears on an earlier row");
            }
            var parent = row.Cell("orgid") ?? CsvRows.Problem(problems, "org_id is required: the id of an existing node, or of a group on an earlier row");
            var role = row.Cell("role")?.ToLowerInvariant() ?? CsvRows.Problem(problems, "role is required");
            if (role is not null && role is not (AdminAlias or MemberAlias) && OrgRoles.Parse(role) is null)
            {
                problems.Add($"role must be one of: {string.Join(", ", OrgRoles.AllNames.Where(r => r != "org"))}, {AdminAlias}, {MemberAlias}");
            }
            return parent is null || role is null ? null : new ImportedNode(row.Number, reference, name, email, parent, role);
        }, cancellationToken);
    }
}
