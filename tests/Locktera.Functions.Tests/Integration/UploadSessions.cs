using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// A client of upload sessions, as a test drives one over HTTP: the files' bytes end to end, cut
/// into the parts the session names, each sent with its Content-Range and Content-Digest.
/// </summary>
public sealed class UploadClient(ApiClient api, TestOrg org)
{
    /// <summary>The part size the upload tests configure (S3's least), so that a few MiB make several parts.</summary>
    public const int PartBytes = 5 * 1024 * 1024;

    public static readonly IReadOnlyDictionary<string, string?> SmallParts = new Dictionary<string, string?>
    {
        ["Locktera:UploadPartBytes"] = PartBytes.ToString(CultureInfo.InvariantCulture),
    };

    public ApiClient Api => api;

    public TestOrg Org => org;

    /// <summary>Starts a session for files of these names and contents (in this order), with what else the manifest says.</summary>
    public async Task<UploadSessionHandle> StartAsync(IReadOnlyList<(string Name, byte[] Content)> files, JsonObject? container = null, string? type = "application/octet-stream")
    {
        var response = (await StartRawAsync(Manifest(files, container, type))).AssertStatus(201);
        return new UploadSessionHandle(this, response.Json!, [.. files.SelectMany(f => f.Content)]);
    }

    public Task<ApiResponse> StartRawAsync(JsonNode manifest) => api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/upload_sessions", org.Key, manifest);

    public static JsonObject Manifest(IReadOnlyList<(string Name, byte[] Content)> files, JsonObject? container = null, string? type = "application/octet-stream")
    {
        var described = new JsonObject();
        foreach (var (name, content) in files)
        {
            described[name] = new JsonObject { ["type"] = type, ["size"] = content.Length };
        }
        return new JsonObject { ["container"] = container ?? new JsonObject { ["name"] = "Upload" }, ["files"] = described };
    }

    public async Task<ApiResponse> SendAsync(HttpMethod method, string url, HttpContent? content = null, Action<HttpRequestMessage>? configure = null)
    {
        // The session's URLs name the instance that started it; this client may talk to another.
        var target = new UriBuilder(url) { Host = api.Http.BaseAddress!.Host, Port = api.Http.BaseAddress.Port }.Uri;
        using var request = new HttpRequestMessage(method, target) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", org.Key);
        configure?.Invoke(request);
        using var response = await api.Http.SendAsync(request);
        return new ApiResponse((int)response.StatusCode, response.Headers, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A part's body with the headers that describe it: <paramref name="digestOf"/> is what the digest is computed over (the body, unless a test lies).</summary>
    public static ByteArrayContent Part(ReadOnlySpan<byte> body, string range, ReadOnlySpan<byte> digestOf)
    {
        var content = new ByteArrayContent(body.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Range", range);
        content.Headers.TryAddWithoutValidation("Content-Digest", $"sha-256=:{Convert.ToBase64String(SHA256.HashData(digestOf))}:");
        return content;
    }
}

/// <summary>A session a test started: its endpoints, its part size, and the bytes its parts cover.</summary>
public sealed class UploadSessionHandle(UploadClient client, JsonNode session, byte[] stream)
{
    public JsonNode Session { get; } = session;

    public byte[] Stream { get; } = stream;

    public string Id => Session["id"]!.GetValue<string>();

    public int PartSize => Session["part_size"]!.GetValue<int>();

    public int TotalParts => Session["total_parts"]!.GetValue<int>();

    public string Endpoint(string name) => Session["session_endpoints"]![name]!.GetValue<string>();

    /// <summary>Part <paramref name="number"/> (1-based) of the stream.</summary>
    public (long From, int Length) Range(int number)
    {
        var from = (long)(number - 1) * PartSize;
        return (from, (int)Math.Min(PartSize, Stream.Length - from));
    }

    /// <summary>Sends part <paramref name="number"/> through <paramref name="via"/> (another instance), as a client cuts it.</summary>
    public Task<ApiResponse> PutPartAsync(int number, ApiClient? via = null)
    {
        var (from, length) = Range(number);
        var bytes = Stream.AsSpan((int)from, length);
        return PutAsync(UploadClient.Part(bytes, $"bytes {from}-{from + length - 1}/{Stream.Length}", bytes), via);
    }

    public async Task<ApiResponse> PutAsync(HttpContent content, ApiClient? via = null) =>
        await On(via).SendAsync(HttpMethod.Put, Endpoint("upload_part"), content);

    public Task<ApiResponse> CommitAsync(JsonNode? body = null, ApiClient? via = null) =>
        On(via).SendAsync(HttpMethod.Post, Endpoint("commit"), body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    public Task<ApiResponse> StatusAsync() => client.SendAsync(HttpMethod.Get, Endpoint("status"));

    public Task<ApiResponse> PartsAsync() => client.SendAsync(HttpMethod.Get, Endpoint("list_parts"));

    public Task<ApiResponse> AbortAsync() => client.SendAsync(HttpMethod.Delete, Endpoint("abort"));

    /// <summary>Sends every part, the last first and the rest in parallel, then commits until the container is there.</summary>
    public async Task<JsonNode> UploadAllAsync(ApiClient? other = null)
    {
        var numbers = Enumerable.Range(1, TotalParts).Reverse().ToList();
        await Parallel.ForEachAsync(numbers, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (n, _) => (await PutPartAsync(n, n % 2 == 0 ? other : null)).AssertStatus(200));
        return (await CommitAsync()).AssertStatus(201).Json!;
    }

    private UploadClient On(ApiClient? via) => via is null ? client : new UploadClient(via, client.Org);
}
