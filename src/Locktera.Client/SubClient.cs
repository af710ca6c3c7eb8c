namespace Locktera.Client;

/// <summary>A sub-client of <see cref="LockteraClient"/>: the pipeline its requests go through, and the organization node they are about.</summary>
public abstract class SubClient
{
    private protected SubClient(LockteraPipeline pipeline, string orgId)
    {
        Pipeline = pipeline;
        OrgId = orgId;
    }

    private protected LockteraPipeline Pipeline { get; }

    /// <summary>The organization node of the client's credentials.</summary>
    private protected string OrgId { get; }

    /// <summary>The node a request is about: <paramref name="orgId"/>, or the client's own when it is null.</summary>
    private protected string Node(Guid? orgId) => orgId?.ToString() ?? OrgId;
}
