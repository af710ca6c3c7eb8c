using Locktera.Core.Containers;

namespace Locktera.Functions.Http;

/// <summary>The filters of a container listing: <c>status</c>, <c>tag</c>, <c>name</c> (prefix), <c>start</c>/<c>end</c> (created).</summary>
public sealed record ContainerFilter(ContainerStatus? Status, string? Tag, string? NamePrefix, DateTimeOffset? Start, DateTimeOffset? End)
{
    public static ContainerFilter From(HttpRequest request)
    {
        var errors = new FieldErrors();
        ContainerStatus? status = null;
        if (request.Query["status"].ToString() is { Length: > 0 } text)
        {
            if (Enum.TryParse<ContainerStatus>(text, ignoreCase: true, out var parsed) && parsed != ContainerStatus.Pending)
            {
                status = parsed;
            }
            else
            {
                errors.Add("status", "must be one of: ACTIVE, BLOCKED, EXPIRED");
            }
        }
        var start = QueryValues.Timestamp(request, "start", errors);
        var end = QueryValues.Timestamp(request, "end", errors);
        errors.ThrowIfAny(ErrorCode.InvalidPaging, "The list parameters are invalid.");
        return new ContainerFilter(status, QueryValues.Text(request, "tag"), QueryValues.Text(request, "name"), start, end);
    }

    public bool Matches(ContainerRecord record) =>
        record.Status != ContainerStatus.Pending
        && (Status is null || record.Status == Status)
        && (Tag is null || record.Tags.Contains(Tag, StringComparer.Ordinal))
        && (NamePrefix is null || record.Name.StartsWith(NamePrefix, StringComparison.OrdinalIgnoreCase))
        && (Start is null || record.CreatedAt >= Start)
        && (End is null || record.CreatedAt <= End);
}
