using Locktera.Core.Access;
using Locktera.Core.Errors;
using Locktera.Core.Keys;
using Locktera.Core.Orgs;

namespace Locktera.Core.Tests;

/// <summary>The role table of docs/authorization.md, decision by decision.</summary>
public class RolePolicyTests
{
    // Root ─┬─ Group ─┬─ GroupUserAdmin
    //       │         └─ GroupUser
    //       ├─ OrgAdmin
    //       └─ RootUser           OtherRoot (another tenant)
    private static readonly Org Root = Node(OrgRole.Org, null);
    private static readonly Org Group = Node(OrgRole.Group, Root);
    private static readonly Org GroupUserAdmin = Node(OrgRole.UserAdmin, Group);
    private static readonly Org GroupUser = Node(OrgRole.User, Group);
    private static readonly Org OrgAdmin = Node(OrgRole.OrgAdmin, Root);
    private static readonly Org RootUser = Node(OrgRole.User, Root);
    private static readonly Org OtherRoot = Node(OrgRole.Org, null);

    private static Org Node(OrgRole role, Org? parent)
    {
        var id = Guid.CreateVersion7();
        return new Org
        {
            Id = id,
            RootOrgId = parent?.RootOrgId ?? id,
            ParentOrgId = parent?.Id,
            Ancestors = parent is null ? [] : [.. parent.Ancestors, parent.Id],
            Role = role,
            CreatedAt = DateTimeOffset.UnixEpoch,
        };
    }

    private static Caller.Key KeyOf(Org org, Permission permissions = Permissions.All) => new(new ApiKey
    {
        KeyId = Guid.CreateVersion7(),
        OrgId = org.Id,
        Name = "k",
        Permissions = permissions,
        CreatedAt = DateTimeOffset.UnixEpoch,
        SecretHash = [],
    }, org);

    private static ErrorCode? Failure(Action decision)
    {
        try
        {
            decision();
            return null;
        }
        catch (LockteraException e)
        {
            return e.Code;
        }
    }

    [Fact]
    public void A_users_key_never_has_admin_even_if_it_was_granted()
    {
        Assert.Equal(Permission.Read | Permission.Write, KeyOf(RootUser).Permissions);
        Assert.Equal(Permissions.All, KeyOf(GroupUserAdmin).Permissions);
    }

    [Fact]
    public void Another_tenants_node_is_not_found_rather_than_forbidden()
    {
        Assert.Equal(ErrorCode.OrgNotFound, Failure(() => RolePolicy.EnsureCanSee(KeyOf(Root), OtherRoot)));
        Assert.Null(Failure(() => RolePolicy.EnsureCanSee(new Caller.Operator(), OtherRoot)));
    }

    public static TheoryData<string, string, bool> Visibility => new()
    {
        { "root", "group_user", true },
        { "org_admin", "root", true },
        { "org_admin", "group_user", true },
        { "group", "group_user", true },
        { "group", "root", false },
        { "group", "root_user", false },
        { "user_admin", "group", true },
        { "user_admin", "group_user", true },
        { "user_admin", "root_user", false },
        { "group_user", "group_user", true },
        { "group_user", "group", false },
        { "root_user", "root", false },
    };

    [Theory]
    [MemberData(nameof(Visibility))]
    public void Each_role_sees_exactly_its_subtree(string caller, string target, bool visible)
    {
        var failure = Failure(() => RolePolicy.EnsureCanSee(KeyOf(Named(caller)), Named(target)));
        Assert.Equal(visible ? null : ErrorCode.OrgOutOfScope, failure);
    }

    public static TheoryData<string, string, bool> Management => new()
    {
        { "root", "root", true },
        { "root", "group_user", true },
        { "org_admin", "root", true },
        { "group", "group", true },
        { "group", "group_user", true },
        { "group", "org_admin", false },
        { "user_admin", "group_user", true },
        { "user_admin", "user_admin", true },
        { "user_admin", "group", false },
        { "root_user", "root_user", false },
    };

    [Theory]
    [MemberData(nameof(Management))]
    public void Management_follows_the_role_table(string caller, string target, bool allowed) =>
        Assert.Equal(allowed, RolePolicy.CanManage(KeyOf(Named(caller)), Named(target)));

    [Fact]
    public void Management_needs_the_admin_permission_on_the_key()
    {
        Assert.False(RolePolicy.CanManage(KeyOf(Root, Permission.Read | Permission.Write), Group));
        Assert.Equal(ErrorCode.InsufficientPermission, Failure(() => RolePolicy.EnsureCanManage(KeyOf(Root, Permission.Read), Group)));
    }

    [Theory]
    [InlineData("root", "root", OrgRole.Group, null)]
    [InlineData("root", "root", OrgRole.UserAdmin, ErrorCode.InvalidHierarchy)]
    [InlineData("root", "group", OrgRole.Group, ErrorCode.InvalidHierarchy)]
    [InlineData("root", "group_user", OrgRole.User, ErrorCode.InvalidHierarchy)]
    [InlineData("org_admin", "group", OrgRole.OrgAdmin, null)]
    [InlineData("group", "group", OrgRole.UserAdmin, null)]
    [InlineData("group", "group", OrgRole.OrgAdmin, ErrorCode.RoleNotAssignable)]
    [InlineData("user_admin", "group", OrgRole.User, null)]
    [InlineData("user_admin", "group", OrgRole.UserAdmin, ErrorCode.RoleNotAssignable)]
    [InlineData("root_user", "root", OrgRole.User, ErrorCode.OrgOutOfScope)]
    [InlineData("root_user", "root_user", OrgRole.User, ErrorCode.InsufficientPermission)]
    public void Creating_children_respects_structure_and_assignable_roles(string caller, string parent, OrgRole role, ErrorCode? expected) =>
        Assert.Equal(expected, Failure(() => RolePolicy.EnsureCanCreateChild(KeyOf(Named(caller)), Named(parent), role)));

    [Theory]
    [InlineData("root", "group_user", OrgRole.UserAdmin, null)]
    [InlineData("root", "root_user", OrgRole.UserAdmin, ErrorCode.InvalidHierarchy)]
    [InlineData("root", "group", OrgRole.User, ErrorCode.InvalidHierarchy)]
    [InlineData("group", "group_user", OrgRole.OrgAdmin, ErrorCode.RoleNotAssignable)]
    [InlineData("user_admin", "group_user", OrgRole.UserAdmin, ErrorCode.RoleNotAssignable)]
    [InlineData("user_admin", "user_admin", OrgRole.User, ErrorCode.RoleNotAssignable)]
    [InlineData("org_admin", "org_admin", OrgRole.User, ErrorCode.RoleNotAssignable)]
    public void Role_changes_cannot_escalate(string caller, string target, OrgRole role, ErrorCode? expected)
    {
        var node = Named(target);
        var parent = node.ParentOrgId == Group.Id ? Group : Root;
        Assert.Equal(expected, Failure(() => RolePolicy.EnsureCanChangeRole(KeyOf(Named(caller)), node, role, parent)));
    }

    [Theory]
    [InlineData("root", "root", null)]
    [InlineData("org_admin", "root", null)]
    [InlineData("group", "root", ErrorCode.OrgOutOfScope)]
    [InlineData("group", "group", ErrorCode.OrgOutOfScope)]
    [InlineData("root", "group", null)]
    [InlineData("user_admin", "group_user", null)]
    [InlineData("root_user", "root_user", ErrorCode.InsufficientPermission)]
    public void Deletion_is_by_an_admin_above_or_by_the_roots_own_admins(string caller, string target, ErrorCode? expected) =>
        Assert.Equal(expected, Failure(() => RolePolicy.EnsureCanDelete(KeyOf(Named(caller)), Named(target))));

    [Fact]
    public void A_new_key_cannot_exceed_its_nodes_role_or_its_creator()
    {
        Assert.Equal(ErrorCode.InsufficientPermission, Failure(() => RolePolicy.EnsureCanGrant(KeyOf(Root), GroupUser, Permissions.All)));
        Assert.Null(Failure(() => RolePolicy.EnsureCanGrant(KeyOf(Root), GroupUser, Permission.Read)));
        Assert.Equal(ErrorCode.InsufficientPermission,
            Failure(() => RolePolicy.EnsureCanGrant(KeyOf(Root, Permission.Admin | Permission.Read), Group, Permission.Write)));
        Assert.Null(Failure(() => RolePolicy.EnsureCanGrant(new Caller.Operator(), Group, Permissions.All)));
    }

    [Fact]
    public void Details_of_the_own_node_need_write_and_of_others_need_management()
    {
        Assert.Null(Failure(() => RolePolicy.EnsureCanEditDetails(KeyOf(RootUser, Permission.Write), RootUser)));
        Assert.Equal(ErrorCode.InsufficientPermission, Failure(() => RolePolicy.EnsureCanEditDetails(KeyOf(RootUser, Permission.Read), RootUser)));
        Assert.Equal(ErrorCode.OrgOutOfScope, Failure(() => RolePolicy.EnsureCanEditDetails(KeyOf(GroupUser), GroupUserAdmin)));
    }

    private static Org Named(string name) => name switch
    {
        "root" => Root,
        "group" => Group,
        "user_admin" => GroupUserAdmin,
        "group_user" => GroupUser,
        "org_admin" => OrgAdmin,
        "root_user" => RootUser,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
