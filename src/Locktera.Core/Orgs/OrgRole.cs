namespace Locktera.Core.Orgs;

/// <summary>
/// The role of a node of the organization tree (upstream's Org.role enum). Root nodes are
/// <see cref="Org"/>, sub-organizations are <see cref="Group"/>, people are one of the user roles.
/// </summary>
public enum OrgRole
{
    Org,
    Group,
    OrgAdmin,
    UserAdmin,
    User,
}

public static class OrgRoles
{
    private static readonly Dictionary<OrgRole, string> Names = new()
    {
        [OrgRole.Org] = "org",
        [OrgRole.Group] = "group",
        [OrgRole.OrgAdmin] = "org_admin",
        [OrgRole.UserAdmin] = "user_admin",
        [OrgRole.User] = "user",
    };

    public static string ToName(this OrgRole role) => Names[role];

    public static OrgRole? Parse(string name) =>
        Names.Where(n => n.Value == name).Select(n => (OrgRole?)n.Key).FirstOrDefault();

    public static IEnumerable<string> AllNames => Names.Values;

    /// <summary>People, as opposed to the structural nodes (organization and groups).</summary>
    public static bool IsUser(this OrgRole role) => role is OrgRole.OrgAdmin or OrgRole.UserAdmin or OrgRole.User;
}
