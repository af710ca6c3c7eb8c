using System.Reflection;

namespace Locktera.DevHost;

/// <summary>How the DevHost calls a function that no request triggers (a timer, a queue message).</summary>
internal static class FunctionInvoker
{
    /// <summary>
    /// Calls the function as the worker does: on an instance of its class made in a scope of its own,
    /// awaited. Exceptions come out unwrapped, so one thrown before the function's first await fails
    /// it with its own exception, as under the worker.
    /// </summary>
    public static async Task InvokeAsync(IServiceProvider services, FunctionEntry entry, object?[] arguments)
    {
        using var scope = services.CreateScope();
        var target = entry.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, entry.Method.DeclaringType!);
        if (entry.Method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, arguments, null) is Task task)
        {
            await task;
        }
    }
}
