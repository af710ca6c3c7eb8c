namespace Locktera.Functions.Pipeline;

/// <summary>
/// What a function requires of its caller. Every HTTP function carries exactly one of these
/// attributes; the request pipeline enforces it before the function runs, and a function
/// without one fails start-up (fail closed).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public abstract class AccessAttribute : Attribute;

/// <summary>Open to anyone, without credentials (and so without a rate limit per key).</summary>
public sealed class PublicEndpointAttribute : AccessAttribute;

/// <summary>Only the platform operator's key.</summary>
public sealed class OperatorOnlyAttribute : AccessAttribute;

/// <summary>An org API key with this permission; the operator too when <see cref="AllowOperator"/> is set.</summary>
public sealed class RequirePermissionAttribute(Permission permission) : AccessAttribute
{
    public Permission Permission { get; } = permission;

    public bool AllowOperator { get; init; }

    /// <summary>Viewer tokens may call it too (decode routes, the DRM context); everywhere else they are refused.</summary>
    public bool AllowViewer { get; init; }

    /// <summary>The caller must manage the route's org node (RolePolicy.EnsureCanManage): its keys, its storage, its branding.</summary>
    public bool ManagesTarget { get; init; }
}
