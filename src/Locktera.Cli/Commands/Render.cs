using System.Globalization;
using Spectre.Console.Rendering;

namespace Locktera.Cli.Commands;

/// <summary>How results look at a terminal: tables and trees of plain text (names are never read as markup).</summary>
internal static class Render
{
    /// <summary>A table whose first column (what names the row: an id, a file) never wraps, so that it can be copied whole.</summary>
    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var (column, i) in columns.Select((c, i) => (c, i)))
        {
            var added = new TableColumn(new Text(column));
            table.AddColumn(i == 0 ? added.NoWrap() : added);
        }
        return table;
    }

    public static Table Row(this Table table, params string?[] cells)
    {
        table.AddRow(cells.Select(c => (IRenderable)new Text(c ?? "")));
        return table;
    }

    /// <summary>Name and value pairs, one a line.</summary>
    public static Grid Details(params (string Name, string? Value)[] details)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (name, value) in details)
        {
            grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value ?? ""));
        }
        return grid;
    }

    public static string Time(DateTimeOffset? time) => time?.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var value = (double)bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    /// <summary>A group's name, else a person's, else their email.</summary>
    public static string Name(Org org) =>
        org.OrgName ?? (string.Join(' ', new[] { org.FirstName, org.LastName }.OfType<string>()) is { Length: > 0 } person ? person : org.Email ?? "");
}
