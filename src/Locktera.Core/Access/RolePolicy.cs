using Locktera.Core.Errors;
using Locktera.Core.Orgs;

namespace Locktera.Core.Access;

/// <summary>
/// The authorization table of docs/authorization.md, in code. Every decision about who may act on
/// which node of an organization tree is made here and nowhere else.
/// </summary>
public static class RolePolicy
{
    private static readonly OrgRole[] NoRoles = [];
    private static readonly OrgRole[] AllBelowRoot = [OrgRole.Group, OrgRole.OrgAdmin, OrgRole.UserAdmin, OrgRole.User];

    /// <summary>The most a key of a node with this role may do; a key's own permissions are cut to this.</summary>
    public static Permission MaxPermissions(OrgRole role) => role switch
    {
        OrgRole.User => Permission.Read | Permission.Write,
        _ => Permissions.All,
    };

    /// <summary>Which roles a node may have directly beneath a parent of the given role.</summary>
    public static IReadOnlyList<OrgRole> ChildRolesUnder(OrgRole parentRole) => parentRole switch
    {
        OrgRole.Org => [OrgRole.Group, OrgRole.OrgAdmin, OrgRole.User],
        OrgRole.Group => [OrgRole.OrgAdmin, OrgRole.UserAdmin, OrgRole.User],
        _ => NoRoles,
    };

    /// <summary>Which roles a caller may give to a node (when creating it or changing its role).</summary>
    public static IReadOnlyList<OrgRole> AssignableRoles(Caller caller) => caller switch
    {
        Caller.Operator => AllBelowRoot,
        Caller.Key { Org.Role: OrgRole.Org or OrgRole.OrgAdmin } => AllBelowRoot,
        Caller.Key { Org.Role: OrgRole.Group } => [OrgRole.UserAdmin, OrgRole.User],
        Caller.Key { Org.Role: OrgRole.UserAdmin } => [OrgRole.User],
        _ => NoRoles,
    };

    /// <summary>
    /// The node whose subtree a key may see: the whole tree for the organization and its org
    /// admins, the own subtree for a group, the own group for a user admin, and only itself for a user.
    /// </summary>
    public static Guid Anchor(Org keyOrg) => keyOrg.Role switch
    {
        OrgRole.Org or OrgRole.OrgAdmin => keyOrg.RootOrgId,
        OrgRole.UserAdmin => keyOrg.ParentOrgId ?? keyOrg.Id,
        _ => keyOrg.Id,
    };

    /// <summary>
    /// The check every org-scoped route passes first. Another tenant's node answers 404 so that its
    /// existence does not leak; a node of the caller's own organization it may not see answers 403.
    /// </summary>
    public static void EnsureCanSee(Caller caller, Org target)
    {
        if (caller is Caller.Viewer viewer && viewer.Token.OrgId != target.Id)
        {
            throw LockteraException.OrgNotFound();
        }
        if (caller is not Caller.Key key)
        {
            return;
        }
        if (key.Org.RootOrgId != target.RootOrgId)
        {
            throw LockteraException.OrgNotFound();
        }
        if (!target.IsWithin(Anchor(key.Org)))
        {
            throw LockteraException.Forbidden(ErrorCode.OrgOutOfScope, "This key may not act on that organization node.");
        }
    }

    /// <summary>Whether <see cref="EnsureCanSee"/> would let the caller act on the node; for listings that span nodes.</summary>
    public static bool CanSee(Caller caller, Org target) => caller switch
    {
        Caller.Viewer viewer => viewer.Token.OrgId == target.Id,
        Caller.Key key => key.Org.RootOrgId == target.RootOrgId && target.IsWithin(Anchor(key.Org)),
        _ => true,
    };

    /// <summary>Administrative actions on a node: its keys, its children, other people's details.</summary>
    public static bool CanManage(Caller caller, Org target)
    {
        if (!caller.Has(Permission.Admin))
        {
            return false;
        }
        if (caller is not Caller.Key key)
        {
            return true;
        }
        var anchor = Anchor(key.Org);
        // A user admin manages the users of its group, not the group itself.
        var anchorIsManaged = key.Org.Role != OrgRole.UserAdmin;
        return key.Org.RootOrgId == target.RootOrgId && target.IsWithin(anchor) && (anchorIsManaged || target.Id != anchor);
    }

    public static void EnsureCanManage(Caller caller, Org target)
    {
        EnsureCanSee(caller, target);
        if (!CanManage(caller, target))
        {
            throw caller.Has(Permission.Admin)
                ? LockteraException.Forbidden(ErrorCode.OrgOutOfScope, "This key may not administer that organization node.")
                : MissingPermission(Permission.Admin);
        }
    }

    /// <summary>Contact details: a node may edit its own with write permission; others need to manage it.</summary>
    public static void EnsureCanEditDetails(Caller caller, Org target)
    {
        if (caller is Caller.Key key && key.Org.Id == target.Id)
        {
            EnsureHas(caller, Permission.Write);
            return;
        }
        EnsureCanManage(caller, target);
    }

    public static void EnsureCanCreateChild(Caller caller, Org parent, OrgRole role)
    {
        EnsureCanSee(caller, parent);
        EnsureHas(caller, Permission.Admin);
        // A user admin may not manage its group node, but adding users to that group is its job.
        var userAdminsOwnGroup = caller is Caller.Key { Org.Role: OrgRole.UserAdmin } key && Anchor(key.Org) == parent.Id;
        if (!userAdminsOwnGroup && !CanManage(caller, parent))
        {
            throw LockteraException.Forbidden(ErrorCode.OrgOutOfScope, "This key may not add nodes beneath that organization node.");
        }
        EnsureStructure(parent, role);
        EnsureAssignable(caller, role);
    }

    public static void EnsureCanChangeRole(Caller caller, Org target, OrgRole role, Org? parent)
    {
        EnsureCanManage(caller, target);
        if (caller is Caller.Key key && key.Org.Id == target.Id)
        {
            throw LockteraException.Forbidden(ErrorCode.RoleNotAssignable, "A key cannot change the role of its own node.");
        }
        if (!target.Role.IsUser() || !role.IsUser())
        {
            throw new LockteraException(ErrorCode.InvalidHierarchy,
                "Only users change roles; an organization stays 'org' and a group stays 'group'.",
                new Dictionary<string, string> { ["role"] = "cannot change between a structural role and a user role" });
        }
        EnsureAssignable(caller, target.Role);
        EnsureAssignable(caller, role);
        if (parent is not null)
        {
            EnsureStructure(parent, role);
        }
    }

    /// <summary>
    /// A root organization may be deleted by the operator or by its own admins; any other node only
    /// by an admin above it (never by its own key).
    /// </summary>
    public static void EnsureCanDelete(Caller caller, Org target)
    {
        EnsureCanManage(caller, target);
        if (caller is Caller.Key key && key.Org.Id == target.Id && !target.IsRoot)
        {
            throw LockteraException.Forbidden(ErrorCode.OrgOutOfScope, "A node is deleted by an admin above it, not by its own key.");
        }
    }

    /// <summary>A new key's permissions may exceed neither its node's role nor the creating key's own.</summary>
    public static void EnsureCanGrant(Caller caller, Org keyOrg, Permission requested)
    {
        var missing = requested & ~(MaxPermissions(keyOrg.Role) & caller.Permissions);
        if (missing != Permission.None)
        {
            throw new LockteraException(ErrorCode.InsufficientPermission,
                "A key cannot be given permissions beyond its node's role or the creating key's own.",
                new Dictionary<string, string> { ["permissions"] = $"not grantable here: {string.Join(", ", missing.ToNames())}" });
        }
    }

    public static void EnsureHas(Caller caller, Permission permission)
    {
        if (!caller.Has(permission))
        {
            throw MissingPermission(permission);
        }
    }

    private static LockteraException MissingPermission(Permission permission) =>
        LockteraException.Forbidden(ErrorCode.InsufficientPermission, $"This key lacks the '{permission.ToNames()[0]}' permission.");

    private static void EnsureStructure(Org parent, OrgRole role)
    {
        var allowed = ChildRolesUnder(parent.Role);
        if (!allowed.Contains(role))
        {
            var message = allowed.Count == 0
                ? $"a node with role '{parent.Role.ToName()}' cannot have children"
                : $"under a '{parent.Role.ToName()}' node the role must be one of: {string.Join(", ", allowed.Select(r => r.ToName()))}";
            throw new LockteraException(ErrorCode.InvalidHierarchy, "That role is not allowed at this place in the tree.",
                new Dictionary<string, string> { ["role"] = message });
        }
    }

    private static void EnsureAssignable(Caller caller, OrgRole role)
    {
        if (!AssignableRoles(caller).Contains(role))
        {
            throw LockteraException.Forbidden(ErrorCode.RoleNotAssignable, $"This key may not assign or change the role '{role.ToName()}'.");
        }
    }
}
