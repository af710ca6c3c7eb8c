using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Locktera.Core.Access;
using Locktera.Core.Errors;
using Locktera.Core.Keys;
using Locktera.Functions.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Storage tier (Azurite): <see cref="WorkerPipelineMiddleware"/>, where the pipeline runs under the
/// Functions host, given invocations built as the isolated worker builds them
/// (<see cref="WorkerInvocation"/>), with the pipeline of the real registration. Every other test
/// reaches the pipeline through the DevHost.
/// </summary>
public sealed class WorkerPipelineMiddlewareTests : IDisposable
{
    private readonly ServiceProvider _services = Services(ApiFixture.StorageConnection);

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task A_refused_key_is_a_401_problem_and_the_function_does_not_run()
    {
        var unknownKey = ApiKeyToken.Create(Guid.NewGuid(), Guid.NewGuid()).ToString();
        var answer = await InvokeAsync(_services, "GetOrg", unknownKey, route: new() { ["org_id"] = Guid.NewGuid().ToString() });

        Assert.False(answer.Ran);
        AssertProblem(answer, 401, ErrorCode.InvalidCredentials);
    }

    [Fact]
    public async Task An_allowed_request_runs_the_function_and_its_result_stands()
    {
        var answer = await InvokeAsync(_services, "CreateOrg", ApiFixture.OperatorKey);

        Assert.True(answer.Ran);
        Assert.IsType<Caller.Operator>(answer.Caller);
        Assert.Equal(201, answer.Status);
        Assert.Equal(FunctionsAnswer, answer.Body);
        Assert.False(string.IsNullOrEmpty(answer.Headers[RequestPipeline.RequestIdHeader]));
        Assert.False(string.IsNullOrEmpty(answer.Headers["RateLimit-Remaining"]));
    }

    [Fact]
    public async Task A_storage_outage_is_a_503_with_retry_after()
    {
        using var broken = Services(UnreachableStorage());
        var answer = await InvokeAsync(broken, "GetOrg", ApiFixture.OperatorKey, route: new() { ["org_id"] = Guid.NewGuid().ToString() });

        Assert.False(answer.Ran);
        AssertProblem(answer, 503, ErrorCode.StorageUnavailable);
        Assert.Equal("5", answer.Headers.RetryAfter);
    }

    /// <summary>
    /// The host's binding data holds every query parameter and top-level JSON body field besides
    /// the route's values, under the same names: <c>POST /orgs?org_id=…</c> must not make the
    /// pipeline look for an org the route does not name, nor <c>?container_id=…</c> for a container.
    /// </summary>
    [Fact]
    public async Task Route_values_come_from_the_route_and_not_from_the_hosts_binding_data()
    {
        var fromQuery = new Dictionary<string, object?> { ["org_id"] = Guid.NewGuid().ToString(), ["container_id"] = Guid.NewGuid().ToString() };
        var unrouted = await InvokeAsync(_services, "CreateOrg", ApiFixture.OperatorKey, bindingData: fromQuery);
        Assert.True(unrouted.Ran, unrouted.Body);

        var routed = await InvokeAsync(_services, "GetOrg", ApiFixture.OperatorKey, route: new() { ["org_id"] = Guid.NewGuid().ToString() });
        Assert.False(routed.Ran);
        AssertProblem(routed, 404, ErrorCode.OrgNotFound);
    }

    [Fact]
    public async Task Timer_invocations_pass_straight_through()
    {
        var ran = false;
        using var invocation = new WorkerInvocation(WorkerFunctionDefinition.Of(Entry("Purge")), http: null, new Dictionary<string, object?>(), _services);
        await new WorkerPipelineMiddleware(_services.GetRequiredService<RequestPipeline>()).Invoke(invocation, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });
        Assert.True(ran);
        Assert.Null(invocation.GetInvocationResult().Value);
    }

    /// <summary>Its access requirement is unknown, so it must not run unchecked (as it did when the lookup by entry point came back empty).</summary>
    [Fact]
    public async Task An_http_function_the_catalog_does_not_know_does_not_run()
    {
        var ran = false;
        var http = new DefaultHttpContext();
        http.Request.Headers.Authorization = $"Bearer {ApiFixture.OperatorKey}";
        using var invocation = new WorkerInvocation(new WorkerFunctionDefinition("Unknown", "Locktera.Functions.Api.Unknown.Run"), http, new Dictionary<string, object?>(), _services);

        await Assert.ThrowsAsync<InvalidOperationException>(() => new WorkerPipelineMiddleware(_services.GetRequiredService<RequestPipeline>()).Invoke(invocation, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        }));
        Assert.False(ran);
    }

    private const string FunctionsAnswer = "the function's own answer";

    private sealed record Answer(bool Ran, Caller? Caller, int Status, IHeaderDictionary Headers, string? ContentType, string Body);

    /// <summary>
    /// One HTTP invocation of <paramref name="function"/> as the worker runs it: its ASP.NET Core
    /// integration has routed the request (<paramref name="route"/>) and put the HttpContext into the
    /// invocation, the host has sent its binding data (the route's values and whatever else it adds:
    /// <paramref name="bindingData"/>); the middleware runs, with the function behind it setting its
    /// return value as the invocation's result; then the worker executes that result on the response.
    /// </summary>
    private static async Task<Answer> InvokeAsync(IServiceProvider services, string function, string authorization,
        RouteValueDictionary? route = null, IReadOnlyDictionary<string, object?>? bindingData = null)
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        http.Request.Headers.Authorization = $"Bearer {authorization}";
        http.Request.RouteValues = route ?? [];
        var metadata = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in bindingData ?? new Dictionary<string, object?>())
        {
            metadata[name] = value;
        }
        foreach (var (name, value) in http.Request.RouteValues)
        {
            metadata[name] = value;
        }
        using var invocation = new WorkerInvocation(WorkerFunctionDefinition.Of(Entry(function)), http, metadata, services);
        http.RequestServices = invocation.InstanceServices;

        var ran = false;
        Caller? caller = null;
        await new WorkerPipelineMiddleware(services.GetRequiredService<RequestPipeline>()).Invoke(invocation, context =>
        {
            ran = true;
            caller = http.Request.Caller();
            context.GetInvocationResult().Value = Results.Text(FunctionsAnswer, statusCode: StatusCodes.Status201Created);
            return Task.CompletedTask;
        });
        // As the worker's HTTP proxying middleware answers once the middleware returns.
        if (invocation.GetInvocationResult().Value is IResult result)
        {
            await result.ExecuteAsync(http);
        }
        var body = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        return new Answer(ran, caller, http.Response.StatusCode, http.Response.Headers, http.Response.ContentType, body);
    }

    private static void AssertProblem(Answer answer, int status, ErrorCode code)
    {
        Assert.True(answer.Status == status, $"Expected {status}, got {answer.Status}: {answer.Body}");
        Assert.Equal("application/problem+json", answer.ContentType);
        var problem = JsonNode.Parse(answer.Body)!;
        Assert.Equal((int)code, problem["code"]!.GetValue<int>());
        Assert.Equal(answer.Headers[RequestPipeline.RequestIdHeader].ToString(), problem["trace_id"]!.GetValue<string>());
    }

    private static FunctionEntry Entry(string name) => FunctionCatalog.Locktera.Entries.Single(e => e.Name == name);

    /// <summary>The app's services as both hosts register them, with a storage prefix of this test's own.</summary>
    private static ServiceProvider Services(string storageConnection) => new ServiceCollection().AddLocktera(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        [LockteraServices.StorageConnection] = storageConnection,
        ["Locktera:OperatorKey"] = ApiFixture.OperatorKey,
        ["Locktera:MasterKey"] = ApiFixture.MasterKey,
        ["Locktera:StoragePrefix"] = "w" + Guid.NewGuid().ToString("N")[..12],
    }).Build()).BuildServiceProvider();

    /// <summary>Azurite's account on a port nothing listens on.</summary>
    private static string UnreachableStorage()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
    }
}

/// <summary>
/// A function invocation as the isolated worker hands it to its middleware. The definition names
/// the function and its entry point (FunctionMetadataTests holds those of the catalog equal to the
/// worker's); for an HTTP trigger the worker's ASP.NET Core integration has put the request's
/// HttpContext into <see cref="Items"/>, where <c>GetHttpContext()</c> looks for it; the binding data
/// is what the host sent; the invocation's result lives in the worker's bindings feature, where
/// <c>GetInvocationResult()</c> reads and writes it. What the middleware never touches is not there.
/// </summary>
public sealed class WorkerInvocation : FunctionContext, IDisposable
{
    /// <summary>The key under which the worker's ASP.NET Core integration stores the HttpContext.</summary>
    private const string HttpContextKey = "HttpRequestContext";

    private readonly IServiceScope _scope;

    public WorkerInvocation(FunctionDefinition definition, HttpContext? http, IReadOnlyDictionary<string, object?> bindingData, IServiceProvider services)
    {
        FunctionDefinition = definition;
        BindingContext = new TriggerBindingData(bindingData);
        _scope = services.CreateScope();
        InstanceServices = _scope.ServiceProvider;
        Features.Add(InvocationBindings.FeatureType, InvocationBindings.Create());
        if (http is not null)
        {
            Items[HttpContextKey] = http;
        }
    }

    public void Dispose() => _scope.Dispose();

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => FunctionDefinition.Id;

    public override TraceContext TraceContext => throw new NotSupportedException();

    public override BindingContext BindingContext { get; }

    public override RetryContext RetryContext => throw new NotSupportedException();

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition { get; }

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override FeatureCollection Features { get; } = new();

    public sealed class FeatureCollection : Dictionary<Type, object>, IInvocationFeatures
    {
        public void Set<T>(T instance) => this[typeof(T)] = instance!;

        public T? Get<T>() => TryGetValue(typeof(T), out var feature) ? (T)feature : default;
    }

    private sealed class TriggerBindingData(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData => data;
    }
}

/// <summary>
/// Stands in for the worker's bindings feature (internal to the worker, so only a proxy can
/// implement it): a bag of its properties, of which the invocation's result is the one in use.
/// </summary>
public class InvocationBindings : DispatchProxy
{
    public static Type FeatureType { get; } =
        typeof(FunctionContext).Assembly.GetType("Microsoft.Azure.Functions.Worker.Context.Features.IFunctionBindingsFeature", throwOnError: true)!;

    private readonly Dictionary<string, object?> _properties = [];

    public static object Create() => DispatchProxy.Create(FeatureType, typeof(InvocationBindings));

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var name = targetMethod!.Name;
        if (name.StartsWith("set_", StringComparison.Ordinal))
        {
            _properties[name[4..]] = args![0];
            return null;
        }
        return _properties.GetValueOrDefault(name["get_".Length..]);
    }
}

/// <summary>A function definition as the worker loads it from the function metadata.</summary>
public sealed class WorkerFunctionDefinition(string name, string entryPoint) : FunctionDefinition
{
    public static WorkerFunctionDefinition Of(FunctionEntry entry) => new(entry.Name, entry.EntryPoint);

    public override ImmutableArray<FunctionParameter> Parameters => [];

    public override string PathToAssembly => typeof(FunctionCatalog).Assembly.Location;

    public override string EntryPoint => entryPoint;

    public override string Id => name;

    public override string Name => name;

    public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;

    public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
}
