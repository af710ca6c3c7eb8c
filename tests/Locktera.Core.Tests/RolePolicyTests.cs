using Microsoft.Extensions.Caching.Memory;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Locktera.Core.Keys;
using Locktera.Core.Orgs;
using Locktera.Core.Storage;

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

    private static Caller.Key KeyOf(Org org, Permission permissions = Permissions.All, OrgRole? roleAtCreation = null) => new(new ApiKey
    {
        KeyId = Guid.CreateVersion7(),
        OrgId = org.Id,
        Name = "k",
        Permissions = permissions,
        RoleAtCreation = roleAtCreation ?? org.Role,
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
        Assert.Equal(expected, Failure(() => RolePolicy.EnsureCanCreateChild(KeyOf(Named(caller)), Named(parent), Node(role, Named(parent)))));

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

    /// <summary>
    /// The key service applies the grant rule itself, before it stores anything, so no caller of it can
    /// mint a key past the rule. Its storage is one that never runs: a refusal after a write would fail otherwise.
    /// </summary>
    [Fact]
    public async Task The_key_service_refuses_what_may_not_be_granted_before_it_stores_anything()
    {
        var keys = new ApiKeyService(new ApiKeyStore(new StorageAccount(new TableServiceClient("UseDevelopmentStorage=true"),
            new BlobServiceClient("UseDevelopmentStorage=true"), new QueueServiceClient("UseDevelopmentStorage=true"), new TableNames("unused")),
            new RecentRows(new MemoryCache(new MemoryCacheOptions()), TimeProvider.System)), TimeProvider.System);
        async Task<LockteraException> Refusal(Caller caller, Org org, params Permission[] permissions) =>
            await Assert.ThrowsAsync<LockteraException>(() => keys.CreateAsync(caller, org, "k", permissions, CancellationToken.None));

        Assert.Equal(ErrorCode.InsufficientPermission, (await Refusal(KeyOf(Root), GroupUser, Permission.Read, Permission.Admin)).Code);
        Assert.Equal(ErrorCode.InsufficientPermission, (await Refusal(KeyOf(Root, Permission.Admin | Permission.Read), Group, Permission.Write)).Code);
        Assert.Equal(ErrorCode.OrgOutOfScope, (await Refusal(KeyOf(GroupUserAdmin), Group, Permission.Read)).Code);
        Assert.Equal(ErrorCode.OrgNotFound, (await Refusal(KeyOf(Root), OtherRoot, Permission.Read)).Code);
        var none = await Refusal(KeyOf(Root), Group);
        Assert.Equal(ErrorCode.ValidationFailed, none.Code);
        Assert.NotNull(none.Fields!["permissions"]);
    }

    [Fact]
    public void Details_of_the_own_node_need_write_and_of_others_need_management()
    {
        Assert.Null(Failure(() => RolePolicy.EnsureCanEditDetails(KeyOf(RootUser, Permission.Write), RootUser)));
        Assert.Equal(ErrorCode.InsufficientPermission, Failure(() => RolePolicy.EnsureCanEditDetails(KeyOf(RootUser, Permission.Read), RootUser)));
        Assert.Equal(ErrorCode.OrgOutOfScope, Failure(() => RolePolicy.EnsureCanEditDetails(KeyOf(GroupUser), GroupUserAdmin)));
    }

    // The scope matrix. Every caller (the key of each node below, and the operator) × every node as
    // the target × every action of docs/authorization.md, against an independent statement of the
    // rule: the sets of nodes each caller sees and manages, computed by walking the tree's parent
    // links (see Tree), never by asking RolePolicy.
    //
    //   root ─┬─ g ─┬─ g.org_admin          other ── other.g ── other.g.org_admin   (another tenant)
    //         │     ├─ g.user_admin
    //         │     └─ g.user
    //         ├─ s ─┬─ s.org_admin          (s is beside g: a sibling group)
    //         │     ├─ s.user_admin
    //         │     └─ s.user
    //         ├─ root.org_admin
    //         └─ root.user
    //
    // Nested groups are not supported, so none is in the tree; creating one is among the actions.
    private static readonly IReadOnlyList<(string Name, Org Node)> World = BuildWorld();

    private static List<(string Name, Org Node)> BuildWorld()
    {
        var world = new List<(string Name, Org Node)>();
        Org Add(string name, OrgRole role, Org? parent)
        {
            var node = Node(role, parent);
            world.Add((name, node));
            return node;
        }
        var root = Add("root", OrgRole.Org, null);
        foreach (var name in new[] { "g", "s" })
        {
            var group = Add(name, OrgRole.Group, root);
            Add($"{name}.org_admin", OrgRole.OrgAdmin, group);
            Add($"{name}.user_admin", OrgRole.UserAdmin, group);
            Add($"{name}.user", OrgRole.User, group);
        }
        Add("root.org_admin", OrgRole.OrgAdmin, root);
        Add("root.user", OrgRole.User, root);
        var otherGroup = Add("other.g", OrgRole.Group, Add("other", OrgRole.Org, null));
        Add("other.g.org_admin", OrgRole.OrgAdmin, otherGroup);
        return world;
    }

    private const string Allowed = "allowed";
    private const string Refused = "refused";

    private sealed record Case(string What, string Expected, string Outcome)
    {
        public bool Holds => Outcome == Expected || (Expected == Refused && Outcome != Allowed);
    }

    private static string Outcome(Action decision) => Failure(decision)?.ToString() ?? Allowed;

    private static string Outcome(bool allowed) => allowed ? Allowed : Refused;

    private static string Expect(bool allowed) => allowed ? Allowed : Refused;

    /// <summary>
    /// The decisions of the routes table: "see" for every route naming a node (reads, containers,
    /// addresses, logs, audits, consumption; listings such as a viewer's consents use CanSee), "manage"
    /// for a node's API keys, storage configuration, key pairs and customizations, "edit details" and
    /// "change role" for PATCH, "mint key" for POST api_keys, "create child" for POST children and every
    /// row of import_orgs, "delete" for DELETE.
    /// </summary>
    public static TheoryData<string> Actions => ["see", "manage", "edit details", "mint key", "delete", "create child", "change role"];

    [Theory]
    [MemberData(nameof(Actions))]
    public void No_caller_at_any_depth_acts_beyond_its_reach(string action)
    {
        var tree = new Tree(World.Select(w => w.Node));
        var callers = World.Select(w => (w.Name, Caller: (Caller)KeyOf(w.Node), Node: (Org?)w.Node)).Append(("operator", new Caller.Operator(), null));
        var cases = callers.SelectMany(c => CasesOf(action, tree, c.Name, c.Caller, c.Node)).ToList();

        var wrong = cases.Where(c => !c.Holds).Select(c => $"{c.What}: expected {c.Expected}, got {c.Outcome}").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {cases.Count} decisions break the scope rule:\n{string.Join('\n', wrong.Take(50))}");
    }

    private static IEnumerable<Case> CasesOf(string action, Tree tree, string name, Caller caller, Org? node)
    {
        var scope = tree.ScopeOf(node);
        // The rule: the node lies where the caller administers, and reaches no further than the caller.
        bool Manages(Tree t, Scope s, Org target) => s.Max.HasFlag(Permission.Admin) && s.Manages.Contains(target.Id) && t.ScopeOf(target).Within(s);
        // Another tenant's node answers 404 on every route, as if it did not exist.
        string Expected(Org target, bool allowed) => node is not null && tree.Root(node) != tree.Root(target) ? nameof(ErrorCode.OrgNotFound) : Expect(allowed);
        string Label(Org target) => $"{name} → {WorldName(target)} ({tree.Relation(node, target)})";

        foreach (var target in World.Select(w => w.Node))
        {
            switch (action)
            {
                case "see":
                    // Seeing is what every route naming the node checks first; in the own tree, not seeing is 403.
                    var sees = scope.Sees.Contains(target.Id);
                    var refusal = Expected(target, false) == Refused ? nameof(ErrorCode.OrgOutOfScope) : nameof(ErrorCode.OrgNotFound);
                    yield return new($"{Label(target)}: EnsureCanSee", sees ? Allowed : refusal, Outcome(() => RolePolicy.EnsureCanSee(caller, target)));
                    yield return new($"{Label(target)}: CanSee", Expect(sees), Outcome(RolePolicy.CanSee(caller, target)));
                    break;
                case "manage":
                    yield return new($"{Label(target)}: EnsureCanManage", Expected(target, Manages(tree, scope, target)),
                        Outcome(() => RolePolicy.EnsureCanManage(caller, target)));
                    yield return new($"{Label(target)}: CanManage", Expect(Manages(tree, scope, target)), Outcome(RolePolicy.CanManage(caller, target)));
                    break;
                case "edit details":
                    var own = target.Id == node?.Id;
                    yield return new($"{Label(target)}: edit details", Expected(target, own ? scope.Max.HasFlag(Permission.Write) : Manages(tree, scope, target)),
                        Outcome(() => RolePolicy.EnsureCanEditDetails(caller, target)));
                    break;
                case "mint key":
                    // The most the target's keys may hold: a key minted with it reaches exactly as far as the target.
                    var most = tree.ScopeOf(target).Max;
                    yield return new($"{Label(target)}: mint a key with {most}",
                        Expected(target, Manages(tree, scope, target) && (most & ~scope.Max) == Permission.None),
                        Outcome(() => RolePolicy.EnsureCanGrant(caller, target, most)));
                    break;
                case "delete":
                    // A root by its own admins; any other node by an admin above it, not its own key or level's admins.
                    var deletable = tree.Root(target) == target || (target.Id != node?.Id && target.Id != scope.Anchor?.Id);
                    yield return new($"{Label(target)}: delete", Expected(target, Manages(tree, scope, target) && deletable),
                        Outcome(() => RolePolicy.EnsureCanDelete(caller, target)));
                    break;
                case "create child":
                    foreach (var role in Enum.GetValues<OrgRole>())
                    {
                        var child = Node(role, target);
                        var after = tree.With(child);
                        var allowed = scope.Sees.Contains(target.Id) && scope.Max.HasFlag(Permission.Admin)
                            && DocumentedChildren(target.Role).Contains(role) && scope.Assigns.Contains(role)
                            && Manages(after, after.ScopeOf(node), child);
                        yield return new($"{Label(target)}: create a child '{role.ToName()}'", Expected(target, allowed),
                            Outcome(() => RolePolicy.EnsureCanCreateChild(caller, target, child)));
                    }
                    break;
                case "change role":
                    var parent = tree.Parent(target);
                    foreach (var role in Enum.GetValues<OrgRole>().Where(r => r != target.Role))
                    {
                        var changed = target with { Role = role };
                        var after = tree.With(changed);
                        var allowed = Manages(tree, scope, target) && target.Id != node?.Id
                            && People.Contains(target.Role) && People.Contains(role)
                            && scope.Assigns.Contains(target.Role) && scope.Assigns.Contains(role)
                            && (parent is null || DocumentedChildren(parent.Role).Contains(role))
                            && Manages(after, after.ScopeOf(node), changed);
                        yield return new($"{Label(target)}: change role to '{role.ToName()}'", Expected(target, allowed),
                            Outcome(() => RolePolicy.EnsureCanChangeRole(caller, target, role, parent)));
                    }
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(action), action, null);
            }
        }
    }

    [Fact]
    public void An_org_admin_inside_a_group_reaches_that_group_as_the_groups_own_key_does()
    {
        var (group, orgAdmin, userAdmin) = (InWorld("g"), InWorld("g.org_admin"), InWorld("g.user_admin"));
        var (groups, orgAdmins) = (RolePolicy.ReachOf(group), RolePolicy.ReachOf(orgAdmin));
        Assert.True(groups.Covers(orgAdmins) && orgAdmins.Covers(groups));
        Assert.Equal(group.Id, orgAdmins.Anchor);
        Assert.False(RolePolicy.CanSee(KeyOf(orgAdmin), InWorld("root")));
        Assert.False(RolePolicy.CanSee(KeyOf(orgAdmin), InWorld("s")));
        // The group's admin may mint it keys (they reach what its own do); a user admin may not (they would manage the group node).
        Assert.Null(Failure(() => RolePolicy.EnsureCanGrant(KeyOf(group), orgAdmin, Permissions.All)));
        Assert.Equal(ErrorCode.OrgOutOfScope, Failure(() => RolePolicy.EnsureCanGrant(KeyOf(userAdmin), orgAdmin, Permission.Read)));
    }

    private static Org InWorld(string name) => World.Single(w => w.Name == name).Node;

    [Fact]
    public void A_key_never_reaches_further_than_its_node_did_when_the_key_was_created()
    {
        var tree = new Tree(World.Select(w => w.Node));
        var checks = 0;
        foreach (var (name, person) in World.Where(w => People.Contains(w.Node.Role)))
        {
            var allowedHere = DocumentedChildren(tree.Parent(person)!.Role).Where(People.Contains).ToList();
            foreach (var created in allowedHere)
            {
                foreach (var now in allowedHere)
                {
                    var then = tree.With(person with { Role = created }).ScopeOf(person with { Role = created });
                    var after = tree.With(person with { Role = now });
                    var current = after.ScopeOf(person with { Role = now });
                    Assert.True(then.Within(current) || current.Within(then), "the roles a node may hold at one place are ordered");
                    var expected = then.Within(current) ? then : current;
                    var key = KeyOf(person with { Role = now }, then.Max, created);
                    foreach (var (targetName, target) in World)
                    {
                        var what = $"{name}'s key created as '{created.ToName()}', node now '{now.ToName()}', on {targetName}";
                        Assert.True(expected.Sees.Contains(target.Id) == RolePolicy.CanSee(key, target), $"{what}: sees");
                        var manages = expected.Max.HasFlag(Permission.Admin) && expected.Manages.Contains(target.Id) && after.ScopeOf(target).Within(expected);
                        Assert.True(manages == RolePolicy.CanManage(key, target), $"{what}: manages");
                        checks++;
                    }
                    Assert.Equal(expected.Assigns.Order(), RolePolicy.AssignableRoles(key).Order());
                }
            }
        }
        Assert.True(checks > 100);
    }

    private static readonly OrgRole[] People = [OrgRole.OrgAdmin, OrgRole.UserAdmin, OrgRole.User];

    /// <summary>The tree table of docs/authorization.md: which roles a node may have beneath a parent of each role.</summary>
    private static OrgRole[] DocumentedChildren(OrgRole parent) => parent switch
    {
        OrgRole.Org => [OrgRole.Group, OrgRole.OrgAdmin, OrgRole.User],
        OrgRole.Group => [OrgRole.OrgAdmin, OrgRole.UserAdmin, OrgRole.User],
        _ => [],
    };

    private static string WorldName(Org node) => World.FirstOrDefault(w => w.Node.Id == node.Id).Name ?? "a new node";

    /// <summary>What a caller reaches, as node sets: the anchor whose subtree it sees, the nodes it administers, its most permissions, the roles it may give.</summary>
    private sealed record Scope(HashSet<Guid> Sees, HashSet<Guid> Manages, Permission Max, HashSet<OrgRole> Assigns, Org? Anchor)
    {
        public bool Within(Scope outer) =>
            Sees.IsSubsetOf(outer.Sees) && Manages.IsSubsetOf(outer.Manages) && (Max & ~outer.Max) == Permission.None && Assigns.IsSubsetOf(outer.Assigns);
    }

    /// <summary>
    /// The rule of docs/authorization.md over an explicit tree, walked through parent links: the
    /// organization and a group administer their subtree; an org admin the level it sits at (its
    /// parent's subtree, with that parent's roles to give); a user admin its group's subtree without
    /// the group node; a user only sees itself.
    /// </summary>
    private sealed class Tree(IEnumerable<Org> nodes)
    {
        private readonly List<Org> _nodes = [.. nodes];

        public Tree With(Org node) => new(_nodes.Where(n => n.Id != node.Id).Append(node));

        public Org? Parent(Org node) => _nodes.SingleOrDefault(n => n.Id == node.ParentOrgId);

        public Org Root(Org node) => Parent(node) is { } parent ? Root(parent) : node;

        public string Relation(Org? caller, Org target) =>
            caller is null ? "operator"
            : Root(caller) != Root(target) ? "another tenant"
            : caller.Id == target.Id ? "itself"
            : Subtree(target).Contains(caller.Id) ? "above"
            : Subtree(caller).Contains(target.Id) ? "inside"
            : "beside";

        public Scope ScopeOf(Org? node)
        {
            if (node is null)
            {
                HashSet<Guid> all = [.. _nodes.Select(n => n.Id)];
                return new(all, all, Permissions.All, [.. LevelRoles(OrgRole.Org)], null);
            }
            var parent = Parent(node);
            return node.Role switch
            {
                OrgRole.Org or OrgRole.Group => Level(node),
                OrgRole.OrgAdmin => Level(parent!),
                OrgRole.UserAdmin => new(Subtree(parent!), [.. Subtree(parent!).Where(id => id != parent!.Id)], Permissions.All, [OrgRole.User], parent),
                _ => new([node.Id], [], Permission.Read | Permission.Write, [], node),
            };
        }

        private Scope Level(Org level) => new(Subtree(level), Subtree(level), Permissions.All, [.. LevelRoles(level.Role)], level);

        /// <summary>The roles of the role table: the organization's level gives every role below the root, a group's only user roles.</summary>
        private static OrgRole[] LevelRoles(OrgRole level) =>
            level == OrgRole.Org ? [OrgRole.Group, OrgRole.OrgAdmin, OrgRole.UserAdmin, OrgRole.User] : [OrgRole.UserAdmin, OrgRole.User];

        private HashSet<Guid> Subtree(Org top)
        {
            HashSet<Guid> found = [top.Id];
            for (var grew = true; grew;)
            {
                grew = false;
                foreach (var node in _nodes.Where(n => n.ParentOrgId is { } parent && found.Contains(parent)))
                {
                    grew |= found.Add(node.Id);
                }
            }
            return found;
        }
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
