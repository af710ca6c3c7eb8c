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
    private static readonly OrgRole[] GroupAssignable = [OrgRole.UserAdmin, OrgRole.User];

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
        Caller.Key key => ReachOf(key).AssignableRoles,
        _ => NoRoles,
    };

    /// <summary>
    /// How far a node's keys reach. The organization and each group administer their own subtree; an
    /// org admin administers the level it sits at, exactly as that level's own key does (beneath the
    /// organization the whole tree, inside a group that group); a user admin administers the users of
    /// its group but not the group node; a user sees only itself and administers nothing.
    /// </summary>
    public static Reach ReachOf(Org node)
    {
        IReadOnlyList<Guid> own = [.. node.Ancestors, node.Id];
        return node.Role switch
        {
            OrgRole.Org or OrgRole.Group => Level(own, node.Role),
            // Only the organization and groups have children, so an org admin's parent is one of them.
            OrgRole.OrgAdmin => Level(node.Ancestors, node.ParentOrgId == node.RootOrgId ? OrgRole.Org : OrgRole.Group),
            OrgRole.UserAdmin => new(node.Ancestors, ManagesAnchor: false, MaxPermissions(node.Role), [OrgRole.User]),
            _ => new(own, ManagesAnchor: false, MaxPermissions(node.Role), NoRoles),
        };
    }

    /// <summary>
    /// How far a key reaches: as far as its node, but never further than when the key was created, so
    /// that promoting a node does not widen the keys someone below the promoter minted for it.
    /// </summary>
    public static Reach ReachOf(Caller.Key key)
    {
        var now = ReachOf(key.Org);
        if (key.ApiKey.RoleAtCreation is not { } created || created == key.Org.Role)
        {
            return now;
        }
        var then = ReachOf(key.Org with { Role = created });
        return now.Covers(then) ? then : now;
    }

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
        if (!ReachOf(key).Sees(target))
        {
            throw LockteraException.Forbidden(ErrorCode.OrgOutOfScope, "This key may not act on that organization node.");
        }
    }

    /// <summary>Whether <see cref="EnsureCanSee"/> would let the caller act on the node; for listings that span nodes.</summary>
    public static bool CanSee(Caller caller, Org target) => caller switch
    {
        Caller.Viewer viewer => viewer.Token.OrgId == target.Id,
        Caller.Key key => ReachOf(key).Sees(target),
        _ => true,
    };

    /// <summary>
    /// Administrative actions on a node: its keys, its children, its role, other people's details. The
    /// scope rule: the node lies in the part of the tree the key administers, and the node's own keys
    /// reach no further than the caller's. Every change (a new node, a new role, a new key) must leave
    /// a node the caller could still manage, so no caller can make anything that reaches beyond itself.
    /// </summary>
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
        var reach = ReachOf(key);
        return reach.Administers(target) && reach.Covers(ReachOf(target));
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

    /// <summary>
    /// A new node (<paramref name="child"/>, beneath <paramref name="parent"/>) must be one the caller could
    /// then manage: this is what lets a user admin add users to the group node it does not administer.
    /// </summary>
    public static void EnsureCanCreateChild(Caller caller, Org parent, Org child)
    {
        EnsureCanSee(caller, parent);
        EnsureHas(caller, Permission.Admin);
        EnsureStructure(parent, child.Role);
        EnsureAssignable(caller, child.Role);
        EnsureWouldManage(caller, child, "This key may not add a node that would reach beyond its own reach.");
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
        EnsureWouldManage(caller, target with { Role = role }, "This key may not give a node a role that would reach beyond its own reach.");
    }

    /// <summary>
    /// A root organization may be deleted by the operator or by its own admins; any other node only
    /// by an admin above it: never by its own key, nor by the admins of the level it is (a group's org admins).
    /// </summary>
    public static void EnsureCanDelete(Caller caller, Org target)
    {
        EnsureCanManage(caller, target);
        if (caller is Caller.Key key && !target.IsRoot && (key.Org.Id == target.Id || ReachOf(key).Anchor == target.Id))
        {
            throw LockteraException.Forbidden(ErrorCode.OrgOutOfScope, "A node is deleted by an admin above it, not by its own key or its own admins.");
        }
    }

    /// <summary>
    /// A new key of <paramref name="keyOrg"/> is a key of a node the caller manages (so it reaches no
    /// further than the caller), and its permissions exceed neither its node's role nor the creating key's own.
    /// </summary>
    public static void EnsureCanGrant(Caller caller, Org keyOrg, Permission requested)
    {
        EnsureCanManage(caller, keyOrg);
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

    /// <summary>The node as it would be after a change must still be one the caller manages.</summary>
    private static void EnsureWouldManage(Caller caller, Org changed, string refusal)
    {
        if (!CanManage(caller, changed))
        {
            throw LockteraException.Forbidden(ErrorCode.OrgOutOfScope, refusal);
        }
    }

    private static Reach Level(IReadOnlyList<Guid> anchorPath, OrgRole levelRole) =>
        new(anchorPath, ManagesAnchor: true, Permissions.All, levelRole == OrgRole.Org ? AllBelowRoot : GroupAssignable);

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
