using Locktera.Core.Orgs;

namespace Locktera.Core.Access;

/// <summary>
/// How far the keys of one org node can reach (<see cref="RolePolicy.ReachOf(Org)"/>): the subtree they
/// see, which part of it they administer, the most permissions they can hold and the roles they may
/// give. Every scope decision compares reaches, so that no caller can make a node or key that reaches
/// further than itself.
/// </summary>
/// <param name="AnchorPath">The ids from the root down to the anchor: the node whose subtree is seen.</param>
/// <param name="ManagesAnchor">Whether the anchor itself is administered, or only the nodes beneath it.</param>
public sealed record Reach(IReadOnlyList<Guid> AnchorPath, bool ManagesAnchor, Permission MaxPermissions, IReadOnlyList<OrgRole> AssignableRoles)
{
    public Guid Anchor => AnchorPath[^1];

    /// <summary>The anchor and every node beneath it.</summary>
    public bool Sees(Org node) => node.RootOrgId == AnchorPath[0] && node.IsWithin(Anchor);

    /// <summary>Whether the node lies in the administered part of the subtree (whatever its own reach).</summary>
    public bool Administers(Org node) => Sees(node) && (ManagesAnchor || node.Id != Anchor);

    /// <summary>
    /// Whether everything <paramref name="other"/> reaches, this reaches too: it sees a subtree within
    /// this one, administers no more of it, holds no more permissions and gives no more roles.
    /// </summary>
    public bool Covers(Reach other) =>
        other.AnchorPath.Contains(Anchor)
        && (ManagesAnchor || !other.ManagesAnchor || other.Anchor != Anchor)
        && (other.MaxPermissions & ~MaxPermissions) == Permission.None
        && other.AssignableRoles.All(AssignableRoles.Contains);
}
