namespace Locktera.Functions.Api;

/// <summary>Route templates shared by the function classes.</summary>
internal static class Routes
{
    /// <summary>
    /// One org node, addressed as /orgs/{org_id} or /users/{org_id}: a user is a node of the same
    /// tree, and upstream documents both path families.
    /// </summary>
    public const string Node = "{family:regex(^(orgs|users)$)}/{org_id}";
}
