using System.Reflection;
using System.Text.RegularExpressions;
using Locktera.DevHost;
using Locktera.Functions.Pipeline;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// The Functions host cannot run here, so every other test reaches the functions through the
/// DevHost. The host learns the functions from the worker SDK's metadata: with worker indexing (the
/// default, worker.config.json's <c>workerIndexing</c>) the worker answers with what the SDK's source
/// generator compiled into the app (its IFunctionMetadataProvider), and the worker routes requests by
/// the same; otherwise the host reads functions.metadata, which the SDK's build task writes into the
/// output. Both are held against what the DevHost serves: the same functions, each with the same
/// trigger, route (under host.json's routePrefix), methods and schedule, and no binding the DevHost
/// does not provide. So nothing can work in the DevHost and be missing or different under Functions.
/// </summary>
public class FunctionMetadataTests
{
    private const string MetadataFile = "functions.metadata";
    private const string WorkerIndexing = "worker indexing";

    public static TheoryData<string> Sources => [MetadataFile, WorkerIndexing];

    /// <summary>One function as the production host sees it.</summary>
    private sealed record HostedFunction(string Name, string? EntryPoint, string? ScriptFile, IReadOnlyList<JsonObject> Bindings);

    private static List<HostedFunction> Load(string source) => source switch
    {
        MetadataFile => FromMetadataFile(),
        WorkerIndexing => FromWorkerIndexing(),
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };

    /// <summary>The file the SDK's build task writes; the Functions project's build copies it into every output that references it.</summary>
    private static List<HostedFunction> FromMetadataFile()
    {
        var path = Path.Combine(AppContext.BaseDirectory, MetadataFile);
        Assert.True(File.Exists(path), $"{path} is missing: the Functions project's build writes it (Microsoft.Azure.Functions.Worker.Sdk).");
        return [.. JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(f => new HostedFunction(
            f!["name"]!.GetValue<string>(),
            f["entryPoint"]?.GetValue<string>(),
            f["scriptFile"]?.GetValue<string>(),
            [.. f["bindings"]!.AsArray().Select(b => b!.AsObject())]))];
    }

    /// <summary>What the worker answers the host's metadata request with: the provider the SDK generated into the app.</summary>
    private static List<HostedFunction> FromWorkerIndexing()
    {
        var provider = typeof(FunctionCatalog).Assembly.GetTypes().Single(t => typeof(IFunctionMetadataProvider).IsAssignableFrom(t) && !t.IsAbstract);
        var functions = ((IFunctionMetadataProvider)Activator.CreateInstance(provider)!).GetFunctionMetadataAsync(AppContext.BaseDirectory).GetAwaiter().GetResult();
        return [.. functions.Select(f => new HostedFunction(
            f.Name!,
            f.EntryPoint,
            f.ScriptFile,
            [.. (f.RawBindings ?? []).Select(b => JsonNode.Parse(b)!.AsObject())]))];
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_host_runs_the_functions_of_the_catalog_at_their_entry_points(string source)
    {
        var hosted = Load(source);
        Assert.Equal(hosted.Count, hosted.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
        // The worker invokes a function by its entry point, and WorkerPipelineMiddleware finds its access requirement by it.
        var expected = FunctionCatalog.Locktera.Entries.Select(e => $"{e.Name} at {e.EntryPoint} in {Path.GetFileName(e.Method.DeclaringType!.Assembly.Location)}");
        AssertSame(source, expected, hosted.Select(f => $"{f.Name} at {f.EntryPoint} in {f.ScriptFile}"));
    }

    /// <summary>
    /// Each function's bindings, described alike from both sides. Under Functions an HTTP function
    /// is reached at the host.json prefix and its route, by its methods (none named: any); it must
    /// be anonymous to the host, which would otherwise demand a function key the DevHost never asks
    /// for (the pipeline authenticates under both); its request is the HttpRequest parameter and its
    /// response the return value. A timer runs on its schedule (a <c>%Setting%</c> one names the same
    /// setting under both); a queue function reads the same queue of the storage connection. Any other
    /// binding would be one the DevHost cannot provide.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sources))]
    public async Task The_host_triggers_each_function_as_the_DevHost_does(string source)
    {
        var prefix = HostRoutePrefix();
        var hosted = Load(source).Select(f => Bindings(f.Name, f.Bindings.Select(b => Describe(f.Name, b, prefix))));

        await using var app = DevHost();
        var endpoints = Endpoints(app);
        var served = FunctionCatalog.Locktera.Entries.Select(entry => Bindings(entry.Name, entry switch
        {
            { Http: not null } =>
            [
                $"{Methods(endpoints[entry.Name].Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods)} /{endpoints[entry.Name].RoutePattern.RawText} anonymous, request in {TriggerParameter<HttpTriggerAttribute>(entry)}",
                "response from $return",
            ],
            { Timer: { } timer } => [$"timer {timer.Schedule}{(timer.RunOnStartup ? ", also at start-up" : "")}, in {TriggerParameter<TimerTriggerAttribute>(entry)}"],
            { Queue: { } queue } => [$"queue {queue.QueueName} of {queue.Connection ?? LockteraServices.StorageConnection}, in {TriggerParameter<QueueTriggerAttribute>(entry)}"],
            _ => ["no trigger the DevHost runs"],
        }));
        AssertSame(source, served, hosted);

        // The DevHost runs those schedules and queues: one it cannot parse, bind or name (a setting missing) fails here too, not only at its start-up.
        var scheduler = app.Services.GetRequiredService<TimerScheduler>();
        Assert.All(FunctionCatalog.Locktera.Entries.Where(e => e.Timer is not null), entry => Assert.NotNull(scheduler.Schedule(entry)));
        var listener = app.Services.GetRequiredService<QueueListener>();
        Assert.All(FunctionCatalog.Locktera.Entries.Where(e => e.Queue is not null), entry => Assert.NotNull(listener.Describe(entry)));
    }

    /// <summary>The host parses schedules with NCrontab, the DevHost with Cronos, which alone also knows L, W, # and ?.</summary>
    [Fact]
    public async Task Timer_schedules_keep_to_what_both_hosts_parse_alike()
    {
        await using var app = DevHost();
        var field = new Regex(@"^(\*|\d+|[A-Za-z]{3})([-/,](\*|\d+|[A-Za-z]{3}))*$");
        Assert.All(FunctionCatalog.Locktera.Entries.Where(e => e.Timer is not null), entry =>
        {
            var schedule = entry.Timer!.Schedule is ['%', .. var setting, '%'] ? app.Configuration[setting] ?? "" : entry.Timer.Schedule;
            var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(fields.Length == 6 && fields.All(field.IsMatch), $"{entry.Name}: '{schedule}' is not six fields of numbers, names, *, ranges, lists and steps.");
        });
    }

    /// <summary>
    /// The DevHost binds a function's other parameters to route values. Under Functions a name the
    /// route does not have would be bound from the trigger's binding data instead, which holds the
    /// query parameters and the top-level fields of a JSON body: a client could set it.
    /// </summary>
    [Fact]
    public async Task Function_parameters_bound_to_route_values_are_in_the_route()
    {
        await using var app = DevHost();
        var endpoints = Endpoints(app);
        var unrouted = FunctionCatalog.Locktera.Entries.Where(e => e.Http is not null).SelectMany(e => e.Method.GetParameters()
            .Where(p => p.ParameterType != typeof(HttpRequest) && p.ParameterType != typeof(CancellationToken))
            .Where(p => !endpoints[e.Name].RoutePattern.Parameters.Any(r => string.Equals(r.Name, p.Name, StringComparison.OrdinalIgnoreCase)))
            .Select(p => $"{e.Name}({p.Name})"));
        Assert.Empty(unrouted);
    }

    private static void AssertSame(string source, IEnumerable<string> served, IEnumerable<string> hosted)
    {
        var devHost = served.ToHashSet(StringComparer.Ordinal);
        var host = hosted.ToHashSet(StringComparer.Ordinal);
        Assert.True(devHost.SetEquals(host),
            $"Only in the DevHost:\n  {string.Join("\n  ", devHost.Except(host).Order(StringComparer.Ordinal))}\n" +
            $"Only under Functions ({source}):\n  {string.Join("\n  ", host.Except(devHost).Order(StringComparer.Ordinal))}");
    }

    private static string Bindings(string function, IEnumerable<string> bindings) =>
        $"{function}: {string.Join("; ", bindings.Order(StringComparer.Ordinal))}";

    private static string Describe(string function, JsonObject binding, string prefix)
    {
        string? Text(string name) => binding[name]?.GetValue<string>();
        var direction = Text("direction")?.ToLowerInvariant();
        return (Text("type"), direction) switch
        {
            ("httpTrigger", "in") =>
                $"{Methods(binding["methods"]?.AsArray().Select(m => m!.GetValue<string>()).ToList())} /{prefix}/{Text("route") ?? function} " +
                $"{Text("authLevel")?.ToLowerInvariant()}, request in {Text("name")}",
            ("http", "out") => $"response from {Text("name")}",
            ("timerTrigger", "in") => $"timer {Text("schedule")}{(binding["runOnStartup"]?.GetValue<bool>() == true ? ", also at start-up" : "")}, in {Text("name")}",
            // Without a connection the host reads the queue of AzureWebJobsStorage.
            ("queueTrigger", "in") => $"queue {Text("queueName")} of {Text("connection") ?? "AzureWebJobsStorage"}, in {Text("name")}",
            var (type, _) => $"a binding of type {type} ({direction})",
        };
    }

    private static string Methods(IReadOnlyList<string>? methods) =>
        methods is { Count: > 0 } ? string.Join(",", methods.Select(m => m.ToUpperInvariant()).Order(StringComparer.Ordinal)) : "any method";

    private static string TriggerParameter<TTrigger>(FunctionEntry entry) where TTrigger : Attribute =>
        entry.Method.GetParameters().Single(p => p.GetCustomAttribute<TTrigger>() is not null).Name!;

    /// <summary>As the host and the worker read it: host.json's http routePrefix, "api" when unset.</summary>
    private static string HostRoutePrefix() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")))!["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";

    /// <summary>The DevHost as the tests and scripts/run build it, over storage it never reaches (nothing here starts it).</summary>
    private static WebApplication DevHost() => DevHostApp.Build([], config => config.AddInMemoryCollection(new Dictionary<string, string?>
    {
        [LockteraServices.StorageConnection] = "DefaultEndpointsProtocol=http;AccountName=unit;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:9/unit;BlobEndpoint=http://127.0.0.1:9/unit;",
        ["Locktera:OperatorKey"] = new string('o', 40),
        ["Locktera:MasterKey"] = Convert.ToBase64String(new byte[32]),
    }));

    /// <summary>The DevHost's endpoint of each HTTP function, by function name.</summary>
    private static Dictionary<string, RouteEndpoint> Endpoints(WebApplication app) =>
        ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .ToDictionary(e => e.Metadata.GetRequiredMetadata<FunctionEntry>().Name, StringComparer.Ordinal);
}
