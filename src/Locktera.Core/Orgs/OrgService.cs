using Locktera.Core.Access;
using Locktera.Core.Errors;
using Locktera.Core.Events;
using Locktera.Core.Keys;
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

public sealed class OrgService(OrgStore orgs, ApiKeyService keys, OrgAudit audit, TimeProvider time)
{
    public const string FirstKeyName = "admin";

    /// <summary>Provisions a root organization and its first admin key (operator only).</summary>
    public async Task<(Org Org, CreatedApiKey Key)> CreateRootAsync(OrgDetails details, string? keyName, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(details.OrgName))
        {
            errors.Add("org_name", "is required");
        }
        if (string.IsNullOrEmpty(details.Email))
        {
            errors.Add("email", "is required");
        }
        errors.ThrowIfAny();

        var id = Guid.CreateVersion7();
        var org = NewNode(id, id, null, [], OrgRole.Org, details);
        await orgs.AddAsync(org, cancellationToken);
        var key = await keys.CreateAsync(org, keyName ?? FirstKeyName, Permissions.All, cancellationToken);
        return (org, key);
    }

    public async Task<Org> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await orgs.FindAsync(id, cancellationToken) ?? throw LockteraException.OrgNotFound();

    public async Task<Org> CreateChildAsync(Caller caller, Actor actor, Org parent, OrgRole role, OrgDetails details, CancellationToken cancellationToken)
    {
        RolePolicy.EnsureCanCreateChild(caller, parent, role);
        var errors = new FieldErrors();
        if (role == OrgRole.Group && string.IsNullOrEmpty(details.OrgName))
        {
            errors.Add("org_name", "is required for a group");
        }
        if (role.IsUser() && string.IsNullOrEmpty(details.Email))
        {
            errors.Add("email", "is required for a user");
        }
        errors.ThrowIfAny();

        var child = NewNode(Guid.CreateVersion7(), parent.RootOrgId, parent.Id, [.. parent.Ancestors, parent.Id], role, details);
        await orgs.AddAsync(child, cancellationToken);
        await audit.RecordAsync(OrgAudit.Create, null, child, actor, cancellationToken);
        return child;
    }

    public async Task<Org> UpdateAsync(Caller caller, Actor actor, Org target, OrgPatch patch, CancellationToken cancellationToken)
    {
        RolePolicy.EnsureCanEditDetails(caller, target);
        if (patch.Role.IsSet && patch.Role.Value != target.Role)
        {
            var parent = target.ParentOrgId is { } parentId ? await orgs.FindAsync(parentId, cancellationToken) : null;
            RolePolicy.EnsureCanChangeRole(caller, target, patch.Role.Value, parent);
        }
        var now = time.GetUtcNow();
        Org? before = null;
        var updated = await orgs.UpdateAsync(target.Id, current =>
        {
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
        }, cancellationToken);
        if (updated is null)
        {
            throw LockteraException.OrgNotFound();
        }
        await audit.RecordAsync(before!.Role != updated.Role ? OrgAudit.RoleChange : OrgAudit.Update, before, updated, actor, cancellationToken);
        return updated;
    }

    /// <summary>
    /// Deletes a node with everything beneath it. Every key of the subtree is revoked before any
    /// node goes, and nodes go deepest first with the target last, so an interrupted delete leaves
    /// no usable key behind and can simply be repeated.
    /// </summary>
    public async Task DeleteAsync(Caller caller, Actor actor, Org target, CancellationToken cancellationToken)
    {
        RolePolicy.EnsureCanDelete(caller, target);
        var subtree = await SubtreeAsync(target, cancellationToken);
        foreach (var node in subtree)
        {
            await keys.RevokeAllAsync(node.Id, cancellationToken);
        }
        foreach (var node in subtree.OrderByDescending(n => n.Ancestors.Count))
        {
            await orgs.DeleteAsync(node, cancellationToken);
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

    private async Task<List<Org>> SubtreeAsync(Org root, CancellationToken cancellationToken)
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

    /// <summary>A patch may clear optional details but not the ones a node of its role needs.</summary>
    private static void EnsureRequiredDetails(Org org)
    {
        var errors = new FieldErrors();
        if ((org.Role is OrgRole.Org or OrgRole.Group) && string.IsNullOrEmpty(org.OrgName))
        {
            errors.Add("org_name", $"is required for a node with role '{org.Role.ToName()}'");
        }
        if ((org.IsRoot || org.Role.IsUser()) && string.IsNullOrEmpty(org.Email))
        {
            errors.Add("email", $"is required for a node with role '{org.Role.ToName()}'");
        }
        errors.ThrowIfAny();
    }
}
