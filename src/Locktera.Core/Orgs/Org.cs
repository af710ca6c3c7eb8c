namespace Locktera.Core.Orgs;

/// <summary>A node of an organization tree: the root organization, a group, or a user.</summary>
public sealed record Org
{
    public required Guid Id { get; init; }

    public required Guid RootOrgId { get; init; }

    public Guid? ParentOrgId { get; init; }

    /// <summary>Ancestor ids from the root down to the parent; lets one read decide "is a descendant of".</summary>
    public required IReadOnlyList<Guid> Ancestors { get; init; }

    public string? OrgName { get; init; }

    public required OrgRole Role { get; init; }

    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Email { get; init; }

    public string? MobilePhone { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public bool IsRoot => ParentOrgId is null;

    /// <summary>True when this node is the node <paramref name="ancestorId"/> itself or lies beneath it.</summary>
    public bool IsWithin(Guid ancestorId) => Id == ancestorId || Ancestors.Contains(ancestorId);
}
