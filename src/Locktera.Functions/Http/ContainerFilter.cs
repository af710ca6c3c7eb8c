using Locktera.Core.Containers;

namespace Locktera.Functions.Http;

/// <summary>Reads the filters of a container listing: <c>status</c>, <c>tag</c>, <c>name</c> (prefix), <c>start</c>/<c>end</c> (created).</summary>
public static class ContainerFilter
{
    public static ContainerQuery From(HttpRequest request)
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
        return new ContainerQuery(status, QueryValues.Text(request, "tag"), QueryValues.Text(request, "name"), start, end);
    }
}
