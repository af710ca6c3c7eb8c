using System.Reflection;

namespace Locktera.Functions.Pipeline;

/// <summary>One [Function] method with its trigger and access requirement.</summary>
public sealed record FunctionEntry(string Name, MethodInfo Method, HttpTriggerAttribute? Http, TimerTriggerAttribute? Timer, QueueTriggerAttribute? Queue, AccessAttribute? Access)
{
    /// <summary>"Namespace.Type.Method": how the Functions host names a function's entry point.</summary>
    public string EntryPoint => $"{Method.DeclaringType!.FullName}.{Method.Name}";
}

/// <summary>
/// The functions of an assembly, found by reflection. Both hosts use it: the worker middleware
/// to find a function's access requirement, the DevHost to map routes, schedule timers and poll queues.
/// </summary>
public sealed class FunctionCatalog
{
    private readonly Dictionary<string, FunctionEntry> _byEntryPoint;

    public FunctionCatalog(Assembly assembly)
        : this(assembly.GetTypes())
    {
    }

    /// <summary>The functions of these classes only (tests run a few of their own apart from the rest).</summary>
    public FunctionCatalog(params Type[] types)
    {
        Entries = [.. types
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(Describe)
            .OfType<FunctionEntry>()
            .OrderBy(e => e.Name, StringComparer.Ordinal)];
        _byEntryPoint = Entries.ToDictionary(e => e.EntryPoint, StringComparer.Ordinal);

        var unguarded = Entries.Where(e => e.Http is not null && e.Access is null).Select(e => e.Name).ToList();
        if (unguarded.Count > 0)
        {
            throw new InvalidOperationException(
                $"HTTP functions without an access attribute ([RequirePermission], [OperatorOnly] or [PublicEndpoint]): {string.Join(", ", unguarded)}");
        }
    }

    /// <summary>The catalog of this app's own functions.</summary>
    public static FunctionCatalog Locktera { get; } = new(typeof(FunctionCatalog).Assembly);

    public IReadOnlyList<FunctionEntry> Entries { get; }

    public FunctionEntry? ByEntryPoint(string entryPoint) => _byEntryPoint.GetValueOrDefault(entryPoint);

    private static FunctionEntry? Describe(MethodInfo method)
    {
        if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
        {
            return null;
        }
        var parameters = method.GetParameters();
        return new FunctionEntry(
            function.Name,
            method,
            parameters.Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().FirstOrDefault(),
            parameters.Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).OfType<TimerTriggerAttribute>().FirstOrDefault(),
            parameters.Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()).OfType<QueueTriggerAttribute>().FirstOrDefault(),
            method.GetCustomAttribute<AccessAttribute>());
    }
}
