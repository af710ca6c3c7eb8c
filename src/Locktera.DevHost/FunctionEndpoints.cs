using System.ComponentModel;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;

namespace Locktera.DevHost;

/// <summary>
/// Maps each HTTP-triggered function onto ASP.NET Core routing the way the Functions host does:
/// the route template under the host.json route prefix, the trigger's methods, and the
/// parameters the functions use (the request, route values, a cancellation token).
/// </summary>
public static class FunctionEndpoints
{
    public static void MapFunctions(this IEndpointRouteBuilder endpoints, FunctionCatalog catalog, string routePrefix)
    {
        foreach (var entry in catalog.Entries.Where(e => e.Http is not null))
        {
            var route = string.IsNullOrEmpty(routePrefix) ? entry.Http!.Route ?? entry.Name : $"{routePrefix}/{entry.Http!.Route ?? entry.Name}";
            var methods = entry.Http.Methods is { Length: > 0 } m ? m.Select(x => x.ToUpperInvariant()) : ["GET", "POST"];
            var invoke = Invoker(entry);
            endpoints.MapMethods(route, methods, invoke).WithMetadata(entry).WithDisplayName(entry.Name);
        }
    }

    /// <summary>Checks every parameter up front, so a function the DevHost cannot call fails start-up, not a request.</summary>
    private static RequestDelegate Invoker(FunctionEntry entry)
    {
        var binders = entry.Method.GetParameters().Select(p => Binder(entry, p)).ToArray();
        return async context =>
        {
            var target = entry.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.RequestServices, entry.Method.DeclaringType!);
            var arguments = binders.Select(b => b(context)).ToArray();
            var returned = entry.Method.Invoke(target, arguments);
            var result = await Unwrap(returned);
            await Execute(result, context);
        };
    }

    private static Func<HttpContext, object?> Binder(FunctionEntry entry, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (type == typeof(HttpRequest))
        {
            return context => context.Request;
        }
        if (type == typeof(CancellationToken))
        {
            return context => context.RequestAborted;
        }
        if (TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)))
        {
            var name = parameter.Name!;
            return context => context.Request.RouteValues.TryGetValue(name, out var value) && value is string text
                ? TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text)
                : null;
        }
        throw new InvalidOperationException(
            $"Function {entry.Name}: the DevHost cannot bind parameter '{parameter.Name}' of type {type.Name}. " +
            "Use HttpRequest, route values and CancellationToken so both hosts can run it.");
    }

    private static async Task<object?> Unwrap(object? returned)
    {
        if (returned is not Task task)
        {
            return returned;
        }
        await task;
        var type = task.GetType();
        return type.IsGenericType ? type.GetProperty("Result")!.GetValue(task) : null;
    }

    private static Task Execute(object? result, HttpContext context) => result switch
    {
        null => Task.CompletedTask,
        IResult r => r.ExecuteAsync(context),
        IActionResult a => a.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor())),
        _ => throw new InvalidOperationException($"Functions must return IResult or IActionResult, not {result.GetType().Name}."),
    };

    /// <summary>The routePrefix of host.json's http extension; "api" when unset, as in the Functions host.</summary>
    public static string RoutePrefix(string hostJsonPath)
    {
        using var stream = File.OpenRead(hostJsonPath);
        using var document = System.Text.Json.JsonDocument.Parse(stream);
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString()!.Trim('/')
            : "api";
    }
}
