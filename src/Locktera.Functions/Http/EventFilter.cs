using Locktera.Core.Events;

namespace Locktera.Functions.Http;

/// <summary>
/// The filters of an event listing: <c>action</c> (exact), <c>container_id</c>, <c>start</c>/<c>end</c>
/// (created, inclusive). A route that already names the action or the container fixes it.
/// </summary>
public static class EventFilter
{
    public static EventQuery From(HttpRequest request, string? routeAction = null, Guid? routeContainer = null)
    {
        var errors = new FieldErrors();
        var action = Fixed(request, "action", routeAction, errors);
        if (action is not null && !EventLog.IsActionName(action))
        {
            errors.Add("action", $"must be an action name: at most {EventLog.MaxActionLength} letters, digits, '.', '_' or '-'");
        }
        var containerText = Fixed(request, "container_id", routeContainer?.ToString(), errors);
        Guid? containerId = null;
        if (containerText is not null)
        {
            if (Guid.TryParse(containerText, out var id))
            {
                containerId = id;
            }
            else
            {
                errors.Add("container_id", "must be a container id (a UUID)");
            }
        }
        var start = QueryValues.Timestamp(request, "start", errors);
        var end = QueryValues.Timestamp(request, "end", errors);
        if (start > end)
        {
            errors.Add("start", "must not be after end");
        }
        errors.ThrowIfAny(ErrorCode.InvalidPaging, "The list parameters are invalid.");
        return new EventQuery(action, containerId, start, end);
    }

    /// <summary>The route's value of a filter, which the query may not contradict, or else the query's.</summary>
    private static string? Fixed(HttpRequest request, string name, string? routeValue, FieldErrors errors)
    {
        var queried = QueryValues.Text(request, name);
        if (routeValue is null)
        {
            return queried;
        }
        if (queried is not null)
        {
            errors.Add(name, "is given by the route");
        }
        return routeValue;
    }
}
