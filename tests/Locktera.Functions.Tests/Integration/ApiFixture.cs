using System.Net.Http.Headers;
using Locktera.DevHost;
using Locktera.Functions.Pipeline;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// A DevHost on a free loopback port over the Azurite that scripts/test started, with its own
/// storage prefix so that test classes never share state. Further instances over the same
/// storage stand in for a scaled-out Functions app; they all read one <see cref="Clock"/>, as a
/// scaled-out app's instances read one real time.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string OperatorKey = "test-operator-key-0123456789abcdef0123456789";

    /// <summary>A fixed test master key (32 bytes, base64).</summary>
    public const string MasterKey = "dGVzdC1tYXN0ZXIta2V5LTAxMjM0NTY3ODlhYmNkZWY=";

    private readonly List<WebApplication> _hosts = [];
    private readonly Dictionary<ApiClient, WebApplication> _hostsByClient = [];

    public string StoragePrefix { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    public ApiClient Api { get; private set; } = null!;

    /// <summary>The clock of every instance: tests advance it rather than wait for time to pass.</summary>
    public MovableClock Clock { get; } = new();

    /// <summary>The services of the first instance, for what the API does not expose (yet), such as content stores.</summary>
    public IServiceProvider Services => _hosts[0].Services;

    public static string StorageConnection =>
        Environment.GetEnvironmentVariable("LOCKTERA_TEST_STORAGE")
        ?? throw new InvalidOperationException("Integration tests need Azurite: run them through scripts/test, which starts it and sets LOCKTERA_TEST_STORAGE.");

    /// <summary>The s3rver that scripts/test started (any access key and secret work) and its bucket.</summary>
    public static string S3Endpoint => Environment.GetEnvironmentVariable("LOCKTERA_TEST_S3")
        ?? throw new InvalidOperationException("Storage tests need s3rver: run them through scripts/test, which starts it and sets LOCKTERA_TEST_S3.");

    public static string S3Bucket => Environment.GetEnvironmentVariable("LOCKTERA_TEST_S3_BUCKET") ?? "locktera-test";

    public async Task InitializeAsync() => Api = await StartInstanceAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts another instance; by default over the same storage, as a second Functions instance
    /// would be. <paramref name="overrides"/> changes settings for this instance only; <paramref name="catalog"/>
    /// runs other functions than the app's.
    /// </summary>
    public async Task<ApiClient> StartInstanceAsync(string? storageConnection = null, IReadOnlyDictionary<string, string?>? overrides = null, ILoggerProvider? logs = null,
        FunctionCatalog? catalog = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storageConnection ?? StorageConnection,
            ["Locktera:OperatorKey"] = OperatorKey,
            ["Locktera:MasterKey"] = MasterKey,
            ["Locktera:StoragePrefix"] = StoragePrefix,
            // Queue names are lowercase letters, digits and hyphens, as the prefix is.
            ["LockteraWebhookQueue"] = StoragePrefix + "webhooks",
            // Azurite and s3rver listen on loopback over http.
            ["Locktera:AllowPrivateStorageEndpoints"] = "true",
            ["Locktera:GeoIpDatabases"] = Environment.GetEnvironmentVariable("LOCKTERA_TEST_GEOIP") ?? "",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }
        var host = DevHostApp.Build(["--urls", "http://127.0.0.1:0"], config => config.AddInMemoryCollection(settings), catalog,
            logging: logs is null ? null : logging => logging.AddProvider(logs),
            services: services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
        await host.StartAsync();
        _hosts.Add(host);
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new ApiClient(new HttpClient { BaseAddress = new Uri(address + "/api/v1/") });
        _hostsByClient.Add(client, host);
        return client;
    }

    /// <summary>The services of the instance <paramref name="api"/> talks to.</summary>
    public IServiceProvider ServicesOf(ApiClient api) => _hostsByClient[api].Services;

    /// <summary>Stops an instance gracefully, as the Functions host does when it scales in.</summary>
    public Task StopInstanceAsync(ApiClient api) => _hostsByClient[api].StopAsync();

    /// <summary>Provisions a root organization through the operator route.</summary>
    public async Task<TestOrg> CreateRootOrgAsync(string name = "Acme")
    {
        var response = await Api.SendAsync(HttpMethod.Post, "orgs", OperatorKey, new JsonObject { ["org_name"] = name, ["email"] = "admin@acme.example.com" });
        response.AssertStatus(201);
        return new TestOrg(response.Json!["org"]!["id"]!.GetValue<string>(), response.Json["api_key"]!["secret"]!.GetValue<string>());
    }

    /// <summary>Adds a node beneath <paramref name="parent"/> and gives it a key with the given permissions.</summary>
    public async Task<TestOrg> CreateChildAsync(TestOrg parent, string role, params string[] permissions)
    {
        var body = new JsonObject { ["role"] = role, ["email"] = $"{role}-{Guid.NewGuid():N}@acme.example.com" };
        if (role == "group")
        {
            body["org_name"] = "Group " + Guid.NewGuid().ToString("N")[..6];
        }
        var child = await Api.SendAsync(HttpMethod.Post, $"orgs/{parent.Id}/children", parent.Key, body);
        child.AssertStatus(201);
        var id = child.Json!["id"]!.GetValue<string>();
        var key = await Api.SendAsync(HttpMethod.Post, $"orgs/{id}/api_keys", parent.Key,
            new JsonObject { ["name"] = role, ["permissions"] = new JsonArray([.. permissions.Select(p => JsonValue.Create(p))]) });
        key.AssertStatus(201);
        return new TestOrg(id, key.Json!["secret"]!.GetValue<string>());
    }
}

/// <summary>An org node and an API key of it.</summary>
public sealed record TestOrg(string Id, string Key);

public sealed record ApiResponse(int Status, HttpResponseHeaders Headers, string? ContentType, string Text)
{
    private readonly Lazy<JsonNode?> _json = new(() => string.IsNullOrEmpty(Text) ? null : JsonNode.Parse(Text));

    /// <summary>The body as JSON, parsed when first asked for (a decoded file's body is not JSON).</summary>
    public JsonNode? Json => _json.Value;

    /// <summary>The error code of a problem response; null for any other (whose body may not even be JSON).</summary>
    public int? Code => ContentType == "application/problem+json" && Json is JsonObject o && o.TryGetPropertyValue("code", out var code) ? code!.GetValue<int>() : null;

    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public ApiResponse AssertStatus(int expected)
    {
        Assert.True(Status == expected, $"Expected {expected}, got {Status}: {Text}");
        return this;
    }

    /// <summary>An error in the documented shape, with the expected status and code.</summary>
    public ApiResponse AssertProblem(int status, int code)
    {
        AssertStatus(status);
        AssertProblemShape();
        Assert.Equal(code, Code);
        return this;
    }

    /// <summary>
    /// An error in the documented shape (docs/errors.md), whatever its status: problem+json repeating
    /// the status, a code of that status, a message and the trace id of the X-Request-Id header.
    /// </summary>
    public ApiResponse AssertProblemShape()
    {
        Assert.Equal("application/problem+json", ContentType);
        var problem = Assert.IsType<JsonObject>(Json);
        Assert.Equal(Status, problem["status"]?.GetValue<int>());
        Assert.Equal(Status, Code / 100);
        Assert.False(string.IsNullOrEmpty(problem["message"]?.GetValue<string>()));
        Assert.NotNull(Header("X-Request-Id"));
        Assert.Equal(Header("X-Request-Id"), problem["trace_id"]?.GetValue<string>());
        return this;
    }
}

public sealed class ApiClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public Task<ApiResponse> SendAsync(HttpMethod method, string path, string? key = null, JsonNode? body = null) =>
        SendRawAsync(method, path, key, body?.ToJsonString(), body is null ? null : "application/json");

    public async Task<ApiResponse> SendRawAsync(HttpMethod method, string path, string? key, string? body, string? contentType,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        }
        configure?.Invoke(request);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ApiResponse((int)response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, text);
    }

    public Task<ApiResponse> GetAsync(string path, string? key) => SendAsync(HttpMethod.Get, path, key);

    /// <summary>Encodes a container: the manifest part (when given), then one part per file.</summary>
    public async Task<ApiResponse> EncodeAsync(TestOrg org, string? manifest, params (string Name, byte[] Content, string Type)[] files)
    {
        using var form = new MultipartFormDataContent();
        if (manifest is not null)
        {
            form.Add(new StringContent(manifest, Encoding.UTF8, "application/json"), "manifest");
        }
        foreach (var (name, content, type) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            form.Add(part, "files", name);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"orgs/{org.Id}/containers/encode") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", org.Key);
        using var response = await Http.SendAsync(request);
        return new ApiResponse((int)response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }
}
