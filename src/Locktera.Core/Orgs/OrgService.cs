using Locktera.Core.Access;
using Locktera.Core.Events;
using Locktera.Core.Keys;
using Locktera.Core.Operations;
using Locktera.Core.Validation;

namespace Locktera.Core.Orgs;

/// <summary>The details given when a node is created; formats are already validated.</summary>
public sealed record OrgDetails(string? OrgName, string? FirstName, string? LastName, string? Email, string? MobilePhone);

/// <summary>A partial update of a node; unset fields keep their value.</summary>
public sealed record OrgPatch(
    Optional<string?> OrgName,
    Optional<string?> FirstName,
    Optional<string?> LastName,
    Optional<string?> Email,
    Optional<string?> MobilePhone,
    Optional<OrgRole> Role);

public sealed class OrgService(OrgStore orgs, ApiKeyService keys, OrgAudit audit, DueIndex due, TimeProvider time)
{
    public const string FirstKeyName = "admin";

    /// <summary>Provisions a root organization and its first admin key (operator only).</summary>
    public async Task<(Org Org, CreatedApiKey Key)> CreateRootAsync(OrgDetails details, string? keyName, CancellationToken cancellationToken)
    {
        var id = OrderedGuid.Next();
        var org = NewNode(id, id, null, [], OrgRole.Org, details);
        EnsureRequiredDetails(org);
        await AddNodeAsync(org, cancellationToken);
        var key = await keys.AddAsync(org, keyName ?? FirstKeyName, Permissions.All, cancellationToken);
        return (org, key);
    }

    public async Task<Org> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await orgs.FindAsync(id, cancellationToken) ?? throw LockteraException.OrgNotFound();

    /// <summary>The root organization of the calling key's tree; the operator belongs to no tree.</summary>
    public async Task<Org> RootOfAsync(Caller caller, CancellationToken cancellationToken)
    {
        var node = caller.RequireKey().Org;
        return node.IsRoot ? node : await GetAsync(node.RootOrgId, cancellationToken);
    }

    public async Task<Org> CreateChildAsync(Caller caller, Actor actor, Org parent, OrgRole role, OrgDetails details, CancellationToken cancellationToken)
    {
        var child = NewChild(parent, role, details);
        RolePolicy.EnsureCanCreateChild(caller, parent, child);
        EnsureRequiredDetails(child);
        await AddNodeAsync(child, cancellationToken);
        await audit.RecordAsync(OrgAudit.Create, null, child, actor, cancellationToken);
        return child;
    }

    public async Task<Org> UpdateAsync(Caller caller, Actor actor, Org target, OrgPatch patch, CancellationToken cancellationToken)
    {
        // Decided on the node as loaded, so that a refused caller claims no email; and again on the row
        // being written, in case a concurrent change (a promotion, say) took the node out of the caller's hands.
        var parent = patch.Role.IsSet && target.ParentOrgId is { } parentId ? await orgs.FindAsync(parentId, cancellationToken) : null;
        EnsureCanUpdate(caller, target, patch, parent);
        var newEmail = patch.Email.IsSet && patch.Email.Value is { } email && !email.Equals(target.Email, StringComparison.OrdinalIgnoreCase) ? email : null;
        if (newEmail is not null)
        {
            await ClaimEmailAsync(target, newEmail, cancellationToken);
        }
        var now = time.GetUtcNow();
        Org? before = null;
        Org? updated;
        try
        {
            updated = await orgs.UpdateAsync(target.Id, current =>
            {
                EnsureCanUpdate(caller, current, patch, parent);
                before = current;
                var next = current with
                {
                    OrgName = patch.OrgName.Or(current.OrgName),
                    FirstName = patch.FirstName.Or(current.FirstName),
                    LastName = patch.LastName.Or(current.LastName),
                    Email = patch.Email.Or(current.Email),
                    MobilePhone = patch.MobilePhone.Or(current.MobilePhone),
                    Role = patch.Role.Or(current.Role),
                    UpdatedAt = now,
                };
                EnsureRequiredDetails(next);
                return next;
            }, cancellationToken) ?? throw LockteraException.OrgNotFound();
        }
        catch when (newEmail is not null)
        {
            await orgs.ReleaseEmailAsync(target, newEmail, CancellationToken.None);
            throw;
        }
        if (before!.Email is { } oldEmail && !oldEmail.Equals(updated.Email, StringComparison.OrdinalIgnoreCase))
        {
            await orgs.ReleaseEmailAsync(before, oldEmail, cancellationToken);
        }
        await audit.RecordAsync(before.Role != updated.Role ? OrgAudit.RoleChange : OrgAudit.Update, before, updated, actor, cancellationToken);
        return updated;
    }

    private static void EnsureCanUpdate(Caller caller, Org target, OrgPatch patch, Org? parent)
    {
        RolePolicy.EnsureCanEditDetails(caller, target);
        if (patch.Role.IsSet && patch.Role.Value != target.Role)
        {
            RolePolicy.EnsureCanChangeRole(caller, target, patch.Role.Value, parent);
        }
    }

    /// <summary>
    /// Creates the nodes of an import, in file order. Every row is checked against the tree first (its
    /// parent exists and the caller may add that role beneath it; the email is free), and one failing
    /// row means none is created. Should a create still fail (an email claimed meanwhile), the nodes
    /// created so far are deleted again before the failure is reported.
    /// </summary>
    public async Task<IReadOnlyList<(ImportedNode Row, Org Org)>> ImportAsync(Caller caller, Actor actor, CsvRead<ImportedNode> rows, CancellationToken cancellationToken)
    {
        var planned = new List<(ImportedNode Row, Org Org)>();
        var byRef = new Dictionary<string, Org>(StringComparer.Ordinal);
        var errors = new Dictionary<int, string>(rows.RowErrors);
        foreach (var row in rows.Values)
        {
            try
            {
                var node = await PlanAsync(caller, row, byRef, cancellationToken);
                planned.Add((row, node));
                if (row.Ref is { } reference)
                {
                    byRef[reference] = node;
                }
            }
            catch (LockteraException e)
            {
                errors[row.Row] = e.Fields is { Count: > 0 } fields ? string.Join("; ", fields.Select(f => $"{f.Key} {f.Value}")) : e.Message;
            }
        }
        if (errors.Count > 0)
        {
            throw CsvRows.Invalid(errors);
        }

        var created = new List<(ImportedNode Row, Org Org)>();
        try
        {
            foreach (var (row, node) in planned)
            {
                await AddNodeAsync(node, cancellationToken);
                created.Add((row, node));
                await audit.RecordAsync(OrgAudit.Create, null, node, actor, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            foreach (var (_, node) in Enumerable.Reverse(created))
            {
                await orgs.DeleteAsync(node, CancellationToken.None);
                if (node.Email is { } email)
                {
                    await orgs.ReleaseEmailAsync(node, email, CancellationToken.None);
                }
                await audit.RecordAsync(OrgAudit.Delete, node, null, actor, CancellationToken.None);
            }
            if (e is LockteraException { Code: ErrorCode.EmailTaken })
            {
                throw CsvRows.Invalid([new(planned[created.Count].Row.Row, "email is already used in this organization")]);
            }
            throw;
        }
        return created;
    }

    /// <summary>The node a row would create, after every check a create makes.</summary>
    private async Task<Org> PlanAsync(Caller caller, ImportedNode row, Dictionary<string, Org> byRef, CancellationToken cancellationToken)
    {
        var parent = byRef.GetValueOrDefault(row.Parent)
            ?? (Guid.TryParse(row.Parent, out var parentId) ? await orgs.FindAsync(parentId, cancellationToken) : null)
            ?? throw new LockteraException(ErrorCode.OrgNotFound, "org_id names no existing node and no group on an earlier row.");
        var role = row.Role switch
        {
            OrgImport.MemberAlias => OrgRole.User,
            OrgImport.AdminAlias => parent.Role == OrgRole.Group ? OrgRole.UserAdmin : OrgRole.OrgAdmin,
            var name => OrgRoles.Parse(name)!.Value,
        };
        // A user's name is split at its first space into first and last name; a group's is its name.
        var (first, last) = role.IsUser() && row.Name is { } full && full.Split(' ', 2, StringSplitOptions.TrimEntries) is var parts
            ? (parts[0], parts.Length > 1 ? parts[1] : null)
            : (null, null);
        var node = NewChild(parent, role, new OrgDetails(role.IsUser() ? null : row.Name, first, last, row.Email, null));
        RolePolicy.EnsureCanCreateChild(caller, parent, node);
        if (role == OrgRole.Group && row.Name is null)
        {
            throw LockteraException.Validation("name", "is required for a group");
        }
        if (role.IsUser() && row.Email is null)
        {
            throw LockteraException.Validation("email", "is required for a user");
        }
        if (row.Email is { } email && await orgs.FindByEmailAsync(parent.RootOrgId, email, cancellationToken) is not null)
        {
            throw LockteraException.Validation("email", "is already used in this organization");
        }
        return node;
    }

    /// <summary>
    /// Deletes a node with everything beneath it. Every key of the subtree is revoked before any
    /// node goes, and nodes go deepest first with the target last, so an interrupted delete leaves
    /// no usable key behind and can simply be repeated. Each node is first put on the purge's list
    /// (<see cref="DueIndex.DeletedOrgs"/>): once its node row is gone, the purge timer removes the rest
    /// of its data (containers and their bytes, events, records, keys, configurations).
    /// </summary>
    public async Task DeleteAsync(Caller caller, Actor actor, Org target, CancellationToken cancellationToken)
    {
        RolePolicy.EnsureCanDelete(caller, target);
        var subtree = await SubtreeAsync(target, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var node in subtree)
        {
            await due.AddAsync(DueIndex.DeletedOrgs, now, node.Id.ToString(), cancellationToken,
                new Dictionary<string, object> { [OrgPurge.RootProperty] = node.RootOrgId.ToString() });
        }
        foreach (var node in subtree)
        {
            await keys.RevokeAllAsync(node.Id, cancellationToken);
        }
        foreach (var node in subtree.OrderByDescending(n => n.Ancestors.Count))
        {
            await orgs.DeleteAsync(node, cancellationToken);
            if (node.Email is { } email)
            {
                await orgs.ReleaseEmailAsync(node, email, cancellationToken);
            }
            await audit.RecordAsync(OrgAudit.Delete, node, null, actor, cancellationToken);
        }
    }

    /// <summary>Children in creation order, after the child id <paramref name="after"/> when given.</summary>
    public async Task<IReadOnlyList<Org>> ChildrenAsync(Org parent, Guid? after, int skip, int take, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>(take);
        var skipped = 0;
        await foreach (var id in orgs.ChildIdsAsync(parent.Id, after, cancellationToken))
        {
            if (skipped++ < skip)
            {
                continue;
            }
            ids.Add(id);
            if (ids.Count == take)
            {
                break;
            }
        }
        var nodes = await Task.WhenAll(ids.Select(id => orgs.FindAsync(id, cancellationToken)));
        // An index row without its node is a half-finished create or delete: not a child.
        return [.. nodes.OfType<Org>()];
    }

    /// <summary>The node and every node beneath it, parents before children.</summary>
    public async Task<List<Org>> SubtreeAsync(Org root, CancellationToken cancellationToken)
    {
        var found = new List<Org> { root };
        for (var i = 0; i < found.Count; i++)
        {
            await foreach (var childId in orgs.ChildIdsAsync(found[i].Id, null, cancellationToken))
            {
                if (await orgs.FindAsync(childId, cancellationToken) is { } child)
                {
                    found.Add(child);
                }
            }
        }
        return found;
    }

    /// <summary>Adds a node, first claiming its email within the tree.</summary>
    private async Task AddNodeAsync(Org node, CancellationToken cancellationToken)
    {
        if (node.Email is not { } email)
        {
            await orgs.AddAsync(node, cancellationToken);
            return;
        }
        await ClaimEmailAsync(node, email, cancellationToken);
        try
        {
            await orgs.AddAsync(node, cancellationToken);
        }
        catch
        {
            await orgs.ReleaseEmailAsync(node, email, CancellationToken.None);
            throw;
        }
    }

    private async Task ClaimEmailAsync(Org node, string email, CancellationToken cancellationToken)
    {
        if (!await orgs.ClaimEmailAsync(node, email, cancellationToken))
        {
            throw new LockteraException(ErrorCode.EmailTaken, "Another member of this organization has that email.",
                new Dictionary<string, string> { ["email"] = "is already used in this organization" });
        }
    }

    private Org NewChild(Org parent, OrgRole role, OrgDetails details) =>
        NewNode(OrderedGuid.Next(), parent.RootOrgId, parent.Id, [.. parent.Ancestors, parent.Id], role, details);

    private Org NewNode(Guid id, Guid rootId, Guid? parentId, IReadOnlyList<Guid> ancestors, OrgRole role, OrgDetails details) => new()
    {
        Id = id,
        RootOrgId = rootId,
        ParentOrgId = parentId,
        Ancestors = ancestors,
        Role = role,
        OrgName = details.OrgName,
        FirstName = details.FirstName,
        LastName = details.LastName,
        Email = details.Email,
        MobilePhone = details.MobilePhone,
        CreatedAt = time.GetUtcNow(),
    };

    /// <summary>
    /// The details a node of its role needs, on create and after every patch: an organization and a
    /// group their name, a user its email (its sign-in identity within the tree). Upstream's Org
    /// requires nothing, so an organization may be provisioned by name alone.
    /// </summary>
    private static void EnsureRequiredDetails(Org org)
    {
        var errors = new FieldErrors();
        if ((org.Role is OrgRole.Org or OrgRole.Group) && string.IsNullOrEmpty(org.OrgName))
        {
            errors.Add("org_name", $"is required for a node with role '{org.Role.ToName()}'");
        }
        if (org.Role.IsUser() && string.IsNullOrEmpty(org.Email))
        {
            errors.Add("email", $"is required for a node with role '{org.Role.ToName()}'");
        }
        errors.ThrowIfAny();
    }
}
