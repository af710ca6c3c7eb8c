using Sylvan.Data.Csv;

namespace Locktera.Core.Validation;

/// <summary>One data row of an uploaded CSV: its number in the file (the header is row 1) and its cells by column.</summary>
public sealed class CsvRow(int number, Func<string, string?> cell)
{
    public int Number { get; } = number;

    /// <summary>A cell, trimmed; empty or missing is null.</summary>
    public string? Cell(string column) => cell(column);
}

/// <summary>The rows of an import that are fine on their own, and what is wrong with the others, by row number.</summary>
public sealed record CsvRead<T>(IReadOnlyList<T> Values, IReadOnlyDictionary<int, string> RowErrors)
{
    /// <summary>The values, when every row was fine; otherwise the 400 naming each bad row.</summary>
    public IReadOnlyList<T> ValidOrThrow() => RowErrors.Count == 0 ? Values : throw CsvRows.Invalid(RowErrors);
}

/// <summary>
/// Reads CSV uploads (imports) the same way everywhere: headers matched in any order and case (letters
/// and digits only, so "First Name", "first_name" and "firstname" are one column), streamed, limited in
/// rows, and checked completely before anything is applied — one bad row and the whole file is refused,
/// with each bad row's number and reasons (<see cref="CsvRead{T}"/>).
/// </summary>
public static class CsvRows
{
    /// <param name="parse">Turns a row into a value, or adds its problems to the list and returns null.</param>
    public static async Task<CsvRead<T>> ReadAsync<T>(
        Stream csv, int maxRows, IReadOnlyList<string> required, IReadOnlyList<string> known, string columnsHint,
        Func<CsvRow, List<string>, T?> parse, CancellationToken cancellationToken) where T : class
    {
        try
        {
            using var text = new StreamReader(csv);
            await using var reader = await CsvDataReader.CreateAsync(text, new CsvDataReaderOptions { HasHeaders = true }, cancellationToken);
            var columns = new Dictionary<string, int>();
            var headerErrors = new FieldErrors();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (!columns.TryAdd(Normalize(reader.GetName(i)), i))
                {
                    headerErrors.Add($"header.{reader.GetName(i)}", "appears twice");
                }
            }
            foreach (var missing in required.Where(r => !columns.ContainsKey(r)))
            {
                headerErrors.Add("header", $"needs the columns {columnsHint} (missing: {missing})");
            }
            foreach (var unknown in columns.Keys.Where(c => !known.Contains(c)))
            {
                headerErrors.Add($"header.{unknown}", $"is not a known column ({columnsHint})");
            }
            headerErrors.ThrowIfAny();

            var values = new List<T>();
            var rows = new Dictionary<int, string>();
            var number = 1;
            while (await reader.ReadAsync(cancellationToken))
            {
                number++;
                if (number - 1 > maxRows)
                {
                    throw new LockteraException(ErrorCode.ValidationFailed, $"An import holds at most {maxRows} rows.",
                        new Dictionary<string, string> { ["body"] = $"has more than {maxRows} rows" });
                }
                var problems = new List<string>();
                var row = new CsvRow(number, name => Cell(reader, columns, name, problems));
                if (parse(row, problems) is { } value && problems.Count == 0)
                {
                    values.Add(value);
                }
                else
                {
                    rows[number] = string.Join("; ", problems);
                }
            }
            return new CsvRead<T>(values, rows);
        }
        catch (CsvMissingHeadersException)
        {
            throw new LockteraException(ErrorCode.ValidationFailed, "The body is empty; nothing was imported.",
                new Dictionary<string, string> { ["header"] = $"is missing: the first line names the columns ({columnsHint})" });
        }
        catch (CsvFormatException e)
        {
            throw new LockteraException(ErrorCode.ValidationFailed, "The body is not valid CSV; nothing was imported.",
                new Dictionary<string, string> { ["body"] = string.Create(CultureInfo.InvariantCulture, $"is not valid CSV at row {e.RowNumber}") });
        }
    }

    /// <summary>The 400 of an import with bad rows: each row's number and reasons, in file order.</summary>
    public static LockteraException Invalid(IEnumerable<KeyValuePair<int, string>> rowErrors) =>
        new(ErrorCode.ValidationFailed, "Some rows are invalid; nothing was imported.", rowErrors.OrderBy(e => e.Key).ToDictionary(e => RowName(e.Key), e => e.Value));

    /// <summary>How a row is named in error fields: "row 3".</summary>
    public static string RowName(int number) => string.Create(CultureInfo.InvariantCulture, $"row {number}");

    /// <summary>Notes a problem and stands in for the missing value.</summary>
    public static string? Problem(List<string> problems, string problem)
    {
        problems.Add(problem);
        return null;
    }

    /// <summary>A cell, trimmed; empty or missing is null. Text that hides characters is a problem of its row.</summary>
    private static string? Cell(CsvDataReader reader, Dictionary<string, int> columns, string name, List<string> problems)
    {
        if (!columns.TryGetValue(name, out var i) || reader.GetString(i).Trim() is not { Length: > 0 } value)
        {
            return null;
        }
        if (VisibleText.HasHidden(value))
        {
            problems.Add($"{reader.GetName(i)} must not contain {VisibleText.Rule}");
        }
        return value;
    }

    private static string Normalize(string header) => new([.. header.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
}
