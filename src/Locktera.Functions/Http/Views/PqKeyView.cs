using Locktera.Core.Containers;

namespace Locktera.Functions.Http;

/// <summary>upstream's PqKey, public half only: never <c>prv</c>, nor the storage bookkeeping (<c>_rid</c>, <c>_etag</c>, …).</summary>
public sealed class PqKeyView(OrgKeyPair pair)
{
    public Guid Id { get; } = pair.Id;
    public Guid OrgId { get; } = pair.OrgId;
    public string Alg { get; } = pair.Algorithm;
    public string Pub { get; } = Convert.ToBase64String(pair.PublicKey);
    public DateTimeOffset CreatedAt { get; } = pair.CreatedAt;
    public string Status { get; } = pair.Active ? "active" : "retired";
}
