using Locktera.Core.Keys;
using Locktera.Core.Orgs;

namespace Locktera.Core.Access;

/// <summary>Who is making a request, as resolved from its credentials by the request pipeline.</summary>
public abstract record Caller
{
    /// <summary>An identifier for rate limiting and audit: the key id, or "operator".</summary>
    public abstract string Subject { get; }

    public abstract Permission Permissions { get; }

    /// <summary>Whom metered usage is attributed to: the key id, "viewer" or "operator" (no personal data).</summary>
    public virtual string UsageSubject => Subject;

    /// <summary>The platform operator: provisions root organizations and may administer any of them.</summary>
    public sealed record Operator : Caller
    {
        public override string Subject => "operator";

        public override Permission Permissions => Access.Permissions.All;
    }

    /// <summary>An org API key. Its permissions never exceed what its node's role allows.</summary>
    public sealed record Key(ApiKey ApiKey, Org Org) : Caller
    {
        public override string Subject => ApiKey.KeyId.ToString();

        public override Permission Permissions => ApiKey.Permissions & RolePolicy.MaxPermissions(Org.Role);
    }

    /// <summary>A recipient holding a viewer token: may read one container's content, nothing else.</summary>
    public sealed record Viewer(ViewerToken Token) : Caller
    {
        public override string Subject => $"viewer:{Token.ContainerId:N}:{RowKeys.Segment(Token.Email)}";

        public override string UsageSubject => "viewer";

        public override Permission Permissions => Permission.Read;
    }

    public bool Has(Permission permission) => (Permissions & permission) == permission;

    /// <summary>For routes that describe "the caller's own organization", which the operator has not.</summary>
    public Key RequireKey() => this as Key ?? throw LockteraException.Forbidden(
        ErrorCode.OrgKeyRequired, "This route describes the calling key's organization; use an org API key.");
}
