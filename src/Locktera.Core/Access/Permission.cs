namespace Locktera.Core.Access;

/// <summary>What an API key may do. Each function declares the one permission it needs.</summary>
[Flags]
public enum Permission
{
    None = 0,
    Read = 1,
    Write = 2,
    Admin = 4,
}

public static class Permissions
{
    public const Permission All = Permission.Read | Permission.Write | Permission.Admin;

    private static readonly (Permission Flag, string Name)[] Names =
        [(Permission.Read, "read"), (Permission.Write, "write"), (Permission.Admin, "admin")];

    public static IReadOnlyList<string> ToNames(this Permission permissions) =>
        [.. Names.Where(n => permissions.HasFlag(n.Flag)).Select(n => n.Name)];

    public static Permission? Parse(string name) =>
        Names.Where(n => n.Name == name).Select(n => (Permission?)n.Flag).FirstOrDefault();

    /// <summary>Stored form: the names joined by commas ("read,write").</summary>
    public static string Serialize(this Permission permissions) => string.Join(',', permissions.ToNames());

    public static Permission Deserialize(string stored) =>
        stored.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(Parse)
            .Aggregate(Permission.None, (all, p) => all | (p ?? Permission.None));
}
