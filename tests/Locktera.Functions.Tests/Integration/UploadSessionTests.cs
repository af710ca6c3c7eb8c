using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Locktera.Core.Events;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Upload sessions over real HTTP against Azurite and s3rver: parts in any order, in parallel and
/// on two instances, into each kind of storage; every bad part refused with nothing kept; one commit
/// of many; abort; and the result an ordinary container.
/// </summary>
public class UploadSessionTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    /// <summary>Three files whose parts cross their boundaries: 12 MiB and a bit, an empty one, 3 MiB of text.</summary>
    private static readonly (string Name, byte[] Content)[] Files =
    [
        ("video.bin", RandomBytes((12 * 1024 * 1024) + 123, 1)),
        ("empty.txt", []),
        ("notes.txt", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Minutes of the board — strictly confidential. ", 70_000)))),
    ];

    private static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<UploadClient> ClientAsync(TestOrg? org = null) =>
        new(await fixture.StartInstanceAsync(overrides: UploadClient.SmallParts), org ?? await fixture.CreateRootOrgAsync());

    private static async Task<(int Status, byte[] Body)> GetBytesAsync(UploadClient client, string path, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.Org.Key);
        configure?.Invoke(request);
        using var response = await client.Api.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    private static ApiResponse Documented(ApiResponse response, HttpMethod method, string template)
    {
        DocumentedApi.AssertConforms(response, method, template);
        return response;
    }

    private static string Id(JsonNode encoded) => encoded["container"]!["uuid"]!.GetValue<string>();

    /// <summary>Every file of a committed container decodes to its bytes, and a Range across a part boundary reads what it should.</summary>
    private static async Task AssertDecodesAsync(UploadClient client, string id, UploadSessionHandle session)
    {
        foreach (var (name, content) in Files)
        {
            var (status, body) = await GetBytesAsync(client, $"containers/{id}/decode/{name}");
            Assert.Equal(200, status);
            Assert.True(content.AsSpan().SequenceEqual(body), $"{name} decodes to other bytes");
        }
        // Bytes 5 MiB - 1000 .. 5 MiB + 1000 of the video: the end of part 1 and the start of part 2.
        var boundary = session.PartSize;
        var (ranged, slice) = await GetBytesAsync(client, $"containers/{id}/decode/video.bin", r => r.Headers.Range = new RangeHeaderValue(boundary - 1000, boundary + 999));
        Assert.Equal(206, ranged);
        Assert.Equal(Files[0].Content.AsSpan(boundary - 1000, 2000).ToArray(), slice);
        // The text starts in the middle of part 3.
        var text = Files[2].Content;
        var (textRanged, textSlice) = await GetBytesAsync(client, $"containers/{id}/decode/notes.txt", r => r.Headers.Range = new RangeHeaderValue(text.Length - 10, null));
        Assert.Equal(206, textRanged);
        Assert.Equal(text.AsSpan(text.Length - 10).ToArray(), textSlice);
    }

    [Fact]
    public async Task Parts_sent_out_of_order_in_parallel_on_two_instances_become_a_container_that_decodes_byte_for_byte()
    {
        var client = await ClientAsync();
        var other = await fixture.StartInstanceAsync(overrides: UploadClient.SmallParts);
        var session = await client.StartAsync(Files, new JsonObject
        {
            ["name"] = "Board video", ["downloadable"] = true, ["recipients"] = new JsonArray("*@example.com"), ["tags"] = new JsonArray("board", "q4"),
        }, type: null);
        var created = session.Session;
        Assert.Equal("upload_session", created["type"]!.GetValue<string>());
        Assert.Equal(UploadClient.PartBytes, session.PartSize);
        Assert.Equal(Files.Sum(f => f.Content.Length), created["total_size"]!.GetValue<long>());
        Assert.Equal(4, session.TotalParts);
        Assert.Equal(0, created["num_parts_processed"]!.GetValue<int>());
        Assert.True(DateTimeOffset.Parse(created["expires_at"]!.GetValue<string>(), CultureInfo.InvariantCulture) > fixture.Clock.GetUtcNow().AddHours(23));
        foreach (var endpoint in new[] { "upload_part", "list_parts", "commit", "abort", "status" })
        {
            Assert.StartsWith("http://127.0.0.1:", session.Endpoint(endpoint), StringComparison.Ordinal);
            Assert.Contains($"/upload_sessions/{session.Id}", session.Endpoint(endpoint), StringComparison.Ordinal);
        }

        DocumentedApi.AssertConforms(await client.StartRawAsync(UploadClient.Manifest(Files)), HttpMethod.Post, "/orgs/{org_id}/containers/upload_sessions");
        const string Template = "/orgs/{org_id}/upload_sessions";
        var third = Documented(await session.PutPartAsync(3, other), HttpMethod.Put, Template + "/{session_id}").AssertStatus(200).Json!["part"]!;
        Assert.Equal("00003", third["part_id"]!.GetValue<string>());
        Assert.Equal(2L * UploadClient.PartBytes, third["offset"]!.GetValue<long>());
        Assert.Equal(UploadClient.PartBytes, third["size"]!.GetValue<int>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(session.Stream.AsSpan(2 * UploadClient.PartBytes, UploadClient.PartBytes))), third["sha256"]!.GetValue<string>());
        Assert.Equal(1, Documented(await session.StatusAsync(), HttpMethod.Get, Template + "/{session_id}").AssertStatus(200).Json!["num_parts_processed"]!.GetValue<int>());
        Documented(await session.PartsAsync(), HttpMethod.Get, Template + "/{session_id}/parts").AssertStatus(200);
        Documented(await session.PutPartAsync(2, other), HttpMethod.Put, Template + "/{session_id}").AssertStatus(200);
        Documented(await session.CommitAsync(), HttpMethod.Post, Template + "/{session_id}/commit").AssertProblem(409, 40906);
        var encoded = await session.UploadAllAsync(other);
        Documented(await session.CommitAsync(), HttpMethod.Post, Template + "/{session_id}/commit").AssertStatus(201);
        Documented(await session.AbortAsync(), HttpMethod.Delete, Template + "/{session_id}").AssertProblem(409, 40905);

        var id = Id(encoded);
        var container = encoded["container"]!;
        Assert.Equal("ACTIVE", container["status"]!.GetValue<string>());
        Assert.Equal("Board video", container["name"]!.GetValue<string>());
        Assert.Equal(["board", "q4"], container["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["*@example.com"], container["drm_rules"]!["recipients"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("application/octet-stream", encoded["files"]!["video.bin"]!["type"]!.GetValue<string>());
        Assert.Equal(created["container_id"]!.GetValue<string>(), id);
        // No digest of the whole object can be computed from parts that arrive in any order: the parts' digest instead.
        Assert.Null(container["sha256"]);
        Assert.Null(container["digest"]);
        var partDigests = Enumerable.Range(1, session.TotalParts).SelectMany(n => SHA256.HashData(session.Stream.AsSpan((int)session.Range(n).From, session.Range(n).Length))).ToArray();
        var partsSha256 = Convert.ToHexStringLower(SHA256.HashData(partDigests));
        Assert.Equal(partsSha256, container["parts_sha256"]!.GetValue<string>());
        Assert.Equal(["video.bin", "empty.txt", "notes.txt"], encoded["files"]!.AsObject().Select(f => f.Key));
        Assert.Equal(0, encoded["files"]!["empty.txt"]!["size"]!.GetValue<long>());
        Assert.Null(encoded["files"]!["video.bin"]!["sha256"]);

        await AssertDecodesAsync(client, id, session);
        var (_, whole) = await GetBytesAsync(client, $"containers/{id}/decode");
        Assert.Equal(["video.bin", "empty.txt", "notes.txt"], JsonNode.Parse(whole)!["files"]!.AsObject().Select(f => f.Key));
        Assert.Equal(id, (await client.Api.GetAsync($"orgs/{client.Org.Id}/container_by_digest?digest={partsSha256}", client.Org.Key)).AssertStatus(200).Json!["uuid"]!.GetValue<string>());
        var listed = (await client.Api.GetAsync($"orgs/{client.Org.Id}/containers", client.Org.Key)).AssertStatus(200).Json!;
        Assert.Contains(listed.AsArray(), c => c!["uuid"]!.GetValue<string>() == id);
        Assert.Equal(1, (await EventsAsync(client, id)).Count(e => e.Action == EventLog.ContainerCreate));
    }

    private async Task<IReadOnlyList<ContainerEvent>> EventsAsync(UploadClient client, string containerId) =>
        [.. (await fixture.Services.GetRequiredService<EventLog>().ListAsync(Guid.Parse(client.Org.Id), new EventQuery(null, null, null, null), null, 0, 1000, CancellationToken.None))
            .Events.Where(e => e.ContainerId == Guid.Parse(containerId))];

    public static TheoryData<string> CustomerStorages => ["azure", "s3"];

    [Theory]
    [MemberData(nameof(CustomerStorages))]
    public async Task A_session_writes_native_parts_into_the_customers_storage(string kind)
    {
        var client = await ClientAsync();
        JsonObject config;
        BlobContainerClient? azure = null;
        if (kind == "azure")
        {
            azure = new BlobServiceClient(ApiFixture.StorageConnection).GetBlobContainerClient("byos" + Guid.NewGuid().ToString("N")[..12]);
            await azure.CreateAsync();
            config = new JsonObject { ["type"] = "azure", ["container_name"] = azure.Name, ["connection_string"] = ApiFixture.StorageConnection };
        }
        else
        {
            config = new JsonObject
            {
                ["type"] = "s3", ["bucket"] = ApiFixture.S3Bucket, ["region"] = "us-east-1", ["host"] = ApiFixture.S3Endpoint,
                ["access_key"] = "S3RVER", ["secret_key"] = "S3RVER",
            };
        }
        (await client.Api.SendAsync(HttpMethod.Put, $"orgs/{client.Org.Id}/storage_config", client.Org.Key, config)).AssertStatus(200);

        var session = await client.StartAsync(Files);
        var encoded = await session.UploadAllAsync();
        var id = Id(encoded);
        await AssertDecodesAsync(client, id, session);
        if (azure is not null)
        {
            Assert.True(await azure.GetBlobClient($"{client.Org.Id}/{id}.tera").ExistsAsync());
        }
    }

    [Fact]
    public async Task A_storage_outage_mid_part_is_a_503_and_the_part_is_sent_again()
    {
        var client = await ClientAsync();
        await using var relay = TcpRelay.To(new Uri(ApiFixture.S3Endpoint));
        relay.Start();
        (await client.Api.SendAsync(HttpMethod.Put, $"orgs/{client.Org.Id}/storage_config", client.Org.Key, new JsonObject
        {
            ["type"] = "s3", ["bucket"] = ApiFixture.S3Bucket, ["region"] = "us-east-1", ["host"] = $"http://127.0.0.1:{relay.Port}",
            ["access_key"] = "S3RVER", ["secret_key"] = "S3RVER",
        })).AssertStatus(200);
        var session = await client.StartAsync(Files);
        (await session.PutPartAsync(1)).AssertStatus(200);

        await relay.StopAsync();
        var refused = (await session.PutPartAsync(2)).AssertProblem(503, 50301);
        Assert.NotNull(refused.Header("Retry-After"));
        Assert.Single((await session.PartsAsync()).AssertStatus(200).Json!["entries"]!.AsArray());

        relay.Start();
        var encoded = await session.UploadAllAsync();
        await AssertDecodesAsync(client, Id(encoded), session);
    }

    [Fact]
    public async Task Every_bad_part_is_a_400_that_keeps_nothing()
    {
        var client = await ClientAsync();
        var session = await client.StartAsync(Files);
        var total = session.Stream.Length;
        var part = session.Stream[..UploadClient.PartBytes];
        var other = RandomBytes(UploadClient.PartBytes, 9);
        async Task Refused(HttpContent content, string field)
        {
            var response = (await session.PutAsync(content)).AssertProblem(400, 40001);
            Assert.True(response.Json!["fields"]?[field] is not null, $"no {field} in {response.Text}");
        }

        await Refused(UploadClient.Part(part, $"bytes 0-{UploadClient.PartBytes - 1}/{total}", other), "content-digest");
        // Misaligned, overlapping, beyond the end, not a whole part, another total.
        await Refused(UploadClient.Part(part, $"bytes 1-{UploadClient.PartBytes}/{total}", part), "content-range");
        await Refused(UploadClient.Part(part, $"bytes {UploadClient.PartBytes / 2}-{(UploadClient.PartBytes / 2) + UploadClient.PartBytes - 1}/{total}", part), "content-range");
        await Refused(UploadClient.Part(part, $"bytes {4L * UploadClient.PartBytes}-{(5L * UploadClient.PartBytes) - 1}/{total + UploadClient.PartBytes}", part), "content-range");
        await Refused(UploadClient.Part(part.AsSpan(0, 1000), $"bytes 0-999/{total}", part.AsSpan(0, 1000)), "content-range");
        await Refused(UploadClient.Part(part, $"bytes 0-{UploadClient.PartBytes - 1}/{total + 1}", part), "content-range");
        // The body says other than its range.
        await Refused(UploadClient.Part(part.AsSpan(0, part.Length - 1), $"bytes 0-{UploadClient.PartBytes - 1}/{total}", part.AsSpan(0, part.Length - 1)), "body");
        await Refused(UploadClient.Part([.. part, 0], $"bytes 0-{UploadClient.PartBytes - 1}/{total}", [.. part, 0]), "body");
        // Headers missing or malformed.
        foreach (var (range, digest, field) in new[]
        {
            ("", "sha-256=:AAAA:", "content-range"),
            ("bytes 0-1", "sha-256=:AAAA:", "content-range"),
            ("bytes 0-99999999999999999999/1", "sha-256=:AAAA:", "content-range"),
            ($"bytes 0-{UploadClient.PartBytes - 1}/{total}", "", "content-digest"),
            ($"bytes 0-{UploadClient.PartBytes - 1}/{total}", "md5=:AAAA:", "content-digest"),
            ($"bytes 0-{UploadClient.PartBytes - 1}/{total}", "sha-256=:not base64:", "content-digest"),
        })
        {
            var content = new ByteArrayContent(part.ToArray());
            content.Headers.TryAddWithoutValidation("Content-Range", range);
            content.Headers.TryAddWithoutValidation("Content-Digest", digest);
            await Refused(content, field);
        }

        var parts = (await session.PartsAsync()).AssertStatus(200).Json!;
        Assert.Empty(parts["entries"]!.AsArray());
        Assert.Equal(0, (await session.StatusAsync()).Json!["num_parts_processed"]!.GetValue<int>());
        // The right part is taken after all that, and again (the same answer); other bytes for it are a conflict.
        var first = (await session.PutPartAsync(1)).AssertStatus(200).Text;
        Assert.Equal(first, (await session.PutPartAsync(1)).AssertStatus(200).Text);
        (await session.PutAsync(UploadClient.Part(other, $"bytes 0-{UploadClient.PartBytes - 1}/{total}", other))).AssertProblem(409, 40907);
        Assert.Single((await session.PartsAsync()).Json!["entries"]!.AsArray());
    }

    [Fact]
    public async Task A_commit_names_the_missing_parts_and_a_claimed_list_must_be_what_arrived()
    {
        var client = await ClientAsync();
        var session = await client.StartAsync(Files);
        (await session.PutPartAsync(1)).AssertStatus(200);
        (await session.PutPartAsync(3)).AssertStatus(200);
        var missing = (await session.CommitAsync()).AssertProblem(409, 40906);
        Assert.Equal("missing: 2, 4", missing.Json!["fields"]!["parts"]!.GetValue<string>());
        // The failed commit left the session open.
        (await session.PutPartAsync(2)).AssertStatus(200);
        (await session.PutPartAsync(4)).AssertStatus(200);

        var arrived = (await session.PartsAsync()).AssertStatus(200).Json!["entries"]!.AsArray();
        Assert.Equal(["00001", "00002", "00003", "00004"], arrived.Select(p => p!["part_id"]!.GetValue<string>()));
        var wrong = JsonNode.Parse(arrived.ToJsonString())!.AsArray();
        wrong[1]!["sha256"] = new string('0', 64);
        (await session.CommitAsync(new JsonObject { ["parts"] = wrong })).AssertProblem(409, 40906);
        var short_ = JsonNode.Parse(arrived.ToJsonString())!.AsArray();
        short_.RemoveAt(3);
        (await session.CommitAsync(new JsonObject { ["parts"] = short_ })).AssertProblem(409, 40906);
        (await session.CommitAsync(new JsonObject { ["parts"] = "all" })).AssertProblem(400, 40001);
        var done = (await session.CommitAsync(new JsonObject { ["parts"] = JsonNode.Parse(arrived.ToJsonString()) })).AssertStatus(201).Json!;
        await AssertDecodesAsync(client, Id(done), session);
    }

    [Fact]
    public async Task Of_many_commits_at_once_on_two_instances_exactly_one_creates_the_container()
    {
        var client = await ClientAsync();
        var other = await fixture.StartInstanceAsync(overrides: UploadClient.SmallParts);
        var session = await client.StartAsync(Files);
        foreach (var n in Enumerable.Range(1, session.TotalParts))
        {
            (await session.PutPartAsync(n)).AssertStatus(200);
        }
        var commits = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => session.CommitAsync(via: i % 2 == 0 ? other : null)));
        Assert.All(commits, c => Assert.True(c.Status is 201 or 202, c.Text));
        Assert.Contains(commits, c => c.Status == 201);
        foreach (var busy in commits.Where(c => c.Status == 202))
        {
            DocumentedApi.AssertConforms(busy, HttpMethod.Post, "/orgs/{org_id}/upload_sessions/{session_id}/commit");
            Assert.Equal("5", busy.Header("Retry-After"));
            Assert.Equal("committing", busy.Json!["status"]!.GetValue<string>());
        }
        var ids = commits.Where(c => c.Status == 201).Select(c => Id(c.Json!)).Distinct().ToList();
        var id = Assert.Single(ids);
        // Asked again, the commit answers the same container; the session takes no more parts and cannot be aborted.
        var again = (await session.CommitAsync()).AssertStatus(201).Json!;
        Assert.Equal(id, Id(again));
        Assert.Equal(["video.bin", "empty.txt", "notes.txt"], again["files"]!.AsObject().Select(f => f.Key));
        (await session.PutPartAsync(1)).AssertProblem(409, 40905);
        (await session.AbortAsync()).AssertProblem(409, 40905);
        Assert.Equal(1, (await EventsAsync(client, id)).Count(e => e.Action == EventLog.ContainerCreate));
        // Metered once, whichever instance's commit activated the container.
        foreach (var api in new[] { client.Api, other })
        {
            await fixture.ServicesOf(api).GetRequiredService<CounterBuffer>().FlushAsync(CancellationToken.None);
        }
        await fixture.Services.GetRequiredService<Locktera.Core.Metering.UsageRollup>().RollUpAsync(CancellationToken.None);
        var usage = (await client.Api.GetAsync($"orgs/{client.Org.Id}/consumption", client.Org.Key)).AssertStatus(200).Json!;
        Assert.Equal(1, usage["encodes"]!.GetValue<long>());
        Assert.Equal(session.Stream.Length, usage["bytes_in"]!.GetValue<long>());
        Assert.Equal(again["container"]!["size"]!.GetValue<long>(), usage["storage_bytes"]!.GetValue<long>());
        await AssertDecodesAsync(client, id, session);
    }

    [Fact]
    public async Task An_aborted_session_is_gone_with_everything_it_wrote()
    {
        var client = await ClientAsync();
        var session = await client.StartAsync(Files);
        (await session.PutPartAsync(2)).AssertStatus(200);
        var containerId = session.Session["container_id"]!.GetValue<string>();
        // Nothing half written is a container: not listed, not found, not decoded.
        Assert.Empty((await client.Api.GetAsync($"orgs/{client.Org.Id}/containers", client.Org.Key)).AssertStatus(200).Json!.AsArray());
        (await client.Api.GetAsync($"containers/{containerId}", client.Org.Key)).AssertProblem(404, 40404);
        (await client.Api.GetAsync($"containers/{containerId}/decode/notes.txt", client.Org.Key)).AssertProblem(404, 40404);
        (await session.AbortAsync()).AssertStatus(204);

        (await session.StatusAsync()).AssertProblem(404, 40407);
        (await session.PartsAsync()).AssertProblem(404, 40407);
        (await session.PutPartAsync(1)).AssertProblem(404, 40407);
        (await session.CommitAsync()).AssertProblem(404, 40407);
        (await session.AbortAsync()).AssertProblem(404, 40407);
        (await client.Api.GetAsync($"containers/{containerId}", client.Org.Key)).AssertProblem(404, 40404);
        var blob = new BlobServiceClient(ApiFixture.StorageConnection).GetBlobContainerClient(fixture.StoragePrefix + "content").GetBlobClient($"{client.Org.Id}/{containerId}.tera");
        Assert.False(await blob.ExistsAsync());
    }

    [Fact]
    public async Task A_part_still_arriving_when_its_session_is_aborted_leaves_nothing_behind()
    {
        var client = await ClientAsync();
        var session = await client.StartAsync(Files);
        var (from, length) = session.Range(2);
        var bytes = session.Stream.AsMemory((int)from, length);
        var lastByte = new TaskCompletionSource();
        var content = new HeldBackContent(bytes, lastByte.Task);
        content.Headers.TryAddWithoutValidation("Content-Range", $"bytes {from}-{from + length - 1}/{session.Stream.Length}");
        content.Headers.TryAddWithoutValidation("Content-Digest", $"sha-256=:{Convert.ToBase64String(SHA256.HashData(bytes.Span))}:");
        var sending = session.PutAsync(content);
        await content.AllButTheLastByteSent;

        (await session.AbortAsync()).AssertStatus(204);
        lastByte.SetResult();
        (await sending).AssertProblem(404, 40407);

        var blob = new BlobServiceClient(ApiFixture.StorageConnection).GetBlobContainerClient(fixture.StoragePrefix + "content")
            .GetBlobClient($"{client.Org.Id}/{session.Session["container_id"]!.GetValue<string>()}.tera");
        Assert.False(await blob.ExistsAsync());
        var storage = fixture.Services.GetRequiredService<StorageAccount>();
        var table = await storage.TableAsync(storage.Names.Uploads, CancellationToken.None);
        Assert.Empty(await table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == client.Org.Id && e.RowKey != "open").Select(e => e.RowKey).ToListAsync());
    }

    /// <summary>A body sent all but its last byte, which waits for <paramref name="release"/>.</summary>
    private sealed class HeldBackContent(ReadOnlyMemory<byte> bytes, Task release) : HttpContent
    {
        private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task AllButTheLastByteSent => _sent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(bytes[..^1]);
            await stream.FlushAsync();
            _sent.SetResult();
            await release;
            await stream.WriteAsync(bytes[^1..]);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }

    [Fact]
    public async Task A_session_resumes_on_another_instance_after_the_first_stopped()
    {
        var client = await ClientAsync();
        var doomed = await fixture.StartInstanceAsync(overrides: UploadClient.SmallParts);
        var session = await client.StartAsync(Files);
        (await session.PutPartAsync(1, doomed)).AssertStatus(200);
        (await session.PutPartAsync(4, doomed)).AssertStatus(200);
        await fixture.StopInstanceAsync(doomed);

        // A client that lost its connection asks what arrived and sends only the rest.
        var arrived = (await session.PartsAsync()).AssertStatus(200).Json!["entries"]!.AsArray().Select(p => int.Parse(p!["part_id"]!.GetValue<string>(), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([1, 4], arrived);
        foreach (var n in Enumerable.Range(1, session.TotalParts).Except(arrived))
        {
            (await session.PutPartAsync(n)).AssertStatus(200);
        }
        var encoded = (await session.CommitAsync()).AssertStatus(201).Json!;
        await AssertDecodesAsync(client, Id(encoded), session);
    }

    [Fact]
    public async Task A_password_container_from_parts_needs_its_password_and_keeps_its_rules()
    {
        var client = await ClientAsync();
        var session = await client.StartAsync(Files, new JsonObject { ["name"] = "Locked", ["password"] = "correct horse", ["downloadable"] = false }, "video/mp4");
        var encoded = await session.UploadAllAsync();
        var id = Id(encoded);
        Assert.True(encoded["container"]!["password_protected"]!.GetValue<bool>());
        Assert.Equal("video/mp4", encoded["files"]!["video.bin"]!["type"]!.GetValue<string>());
        (await client.Api.GetAsync($"containers/{id}/decode/notes.txt", client.Org.Key)).AssertProblem(401, 40104);
        var (status, body) = await GetBytesAsync(client, $"containers/{id}/decode/notes.txt", r => r.Headers.Add("X-Locktera-Password", "correct horse"));
        Assert.Equal(200, status);
        Assert.Equal(Files[2].Content, body);
    }

    [Fact]
    public async Task A_session_of_empty_files_commits_at_once()
    {
        var client = await ClientAsync();
        // Under the /users path family the session's URLs are of that family too.
        var started = (await client.Api.SendAsync(HttpMethod.Post, $"users/{client.Org.Id}/containers/upload_sessions", client.Org.Key,
            UploadClient.Manifest([("a.txt", []), ("b.txt", [])]))).AssertStatus(201).Json!;
        var session = new UploadSessionHandle(client, started, []);
        Assert.Contains($"/api/v1/users/{client.Org.Id}/upload_sessions/{session.Id}/commit", session.Endpoint("commit"), StringComparison.Ordinal);
        Assert.Equal(0, session.TotalParts);
        var encoded = (await session.CommitAsync()).AssertStatus(201).Json!;
        var (status, body) = await GetBytesAsync(client, $"containers/{Id(encoded)}/decode/b.txt");
        Assert.Equal(200, status);
        Assert.Empty(body);
    }

    [Fact]
    public async Task Parts_moved_or_repeated_in_storage_never_decode()
    {
        var client = await ClientAsync();
        var session = await client.StartAsync(Files);
        var id = Id(await session.UploadAllAsync());
        var record = await fixture.Services.GetRequiredService<ContainerStore>().FindAsync(Guid.Parse(client.Org.Id), Guid.Parse(id), CancellationToken.None);
        var dataOffset = (int)(record!.IndexOffset + record.IndexLength);
        var storedPart = UploadClient.PartBytes / Locktera.Core.Tera.TeraHeader.DefaultSegmentSize * (Locktera.Core.Tera.TeraHeader.DefaultSegmentSize + 16);
        var blob = new BlobServiceClient(ApiFixture.StorageConnection).GetBlobContainerClient(fixture.StoragePrefix + "content").GetBlobClient($"{client.Org.Id}/{id}.tera");
        var original = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        var part2 = original.AsSpan(dataOffset + storedPart, storedPart).ToArray();
        var part3 = original.AsSpan(dataOffset + (2 * storedPart), storedPart).ToArray();

        // Someone with write access to storage swaps parts 2 and 3 (of the same length), then puts part 2 in both places.
        foreach (var (second, third, refused) in new[] { (part3, part2, new[] { 1, 2 }), (part2, part2, [2]) })
        {
            var forged = original.ToArray();
            second.CopyTo(forged, dataOffset + storedPart);
            third.CopyTo(forged, dataOffset + (2 * storedPart));
            await blob.UploadAsync(new BinaryData(forged), overwrite: true);
            foreach (var from in refused.Select(n => n * UploadClient.PartBytes))
            {
                var response = await client.Api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/video.bin", client.Org.Key, null, null,
                    r => r.Headers.Range = new RangeHeaderValue(from, from + 10));
                response.AssertProblem(502, 50201);
            }
        }
        await blob.UploadAsync(new BinaryData(original), overwrite: true);
        await AssertDecodesAsync(client, id, session);
    }

    [Fact]
    public async Task A_session_needs_every_files_size_within_the_limits_and_a_writer()
    {
        var client = await ClientAsync();
        var org = client.Org;
        (await client.StartRawAsync(new JsonObject { ["files"] = new JsonObject { ["a.bin"] = new JsonObject { ["type"] = "text/plain" } } })).AssertProblem(400, 40001);
        (await client.StartRawAsync(new JsonObject { ["container"] = new JsonObject { ["name"] = "none" } })).AssertProblem(400, 40001);
        (await client.StartRawAsync(new JsonObject { ["files"] = new JsonObject { ["a.bin"] = new JsonObject { ["size"] = -1 } } })).AssertProblem(400, 40001);
        (await client.StartRawAsync(new JsonObject { ["files"] = new JsonObject { ["a.bin"] = new JsonObject { ["size"] = "12" } } })).AssertProblem(400, 40001);
        (await client.StartRawAsync(new JsonObject { ["files"] = new JsonObject { ["../a.bin"] = new JsonObject { ["size"] = 1 } } })).AssertProblem(400, 40001);
        var huge = (await client.StartRawAsync(new JsonObject { ["files"] = new JsonObject { ["a.bin"] = new JsonObject { ["size"] = long.MaxValue }, ["b.bin"] = new JsonObject { ["size"] = long.MaxValue } } }));
        huge.AssertProblemShape();
        Assert.Equal(413, huge.Status);
        (await client.Api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/upload_sessions", org.Key, "{\"files\":{\"a\":{\"size\":1},\"a\":{\"size\":2}}}", "application/json")).AssertProblem(400, 40002);

        var reader = await fixture.CreateChildAsync(org, "user", "read");
        (await new UploadClient(client.Api, reader).StartRawAsync(UploadClient.Manifest(Files))).AssertProblem(403, 40301);
        (await client.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/upload_sessions", null, UploadClient.Manifest(Files))).AssertStatus(401);

        // Another tenant's key finds no session of this one, by any route.
        var session = await client.StartAsync(Files);
        var stranger = new UploadClient(client.Api, await fixture.CreateRootOrgAsync("Stranger"));
        var stolen = new UploadSessionHandle(stranger, session.Session, session.Stream);
        var mine = JsonNode.Parse(session.Session.ToJsonString().Replace(client.Org.Id, stranger.Org.Id, StringComparison.Ordinal))!;
        foreach (var (theirs, code) in new[] { (stolen, 40402), (new UploadSessionHandle(stranger, mine, session.Stream), 40407) })
        {
            (await theirs.StatusAsync()).AssertProblem(404, code);
            (await theirs.PartsAsync()).AssertProblem(404, code);
            (await theirs.PutPartAsync(1)).AssertProblem(404, code);
            (await theirs.CommitAsync()).AssertProblem(404, code);
            (await theirs.AbortAsync()).AssertProblem(404, code);
        }
        (await session.StatusAsync()).AssertStatus(200);
        (await client.SendAsync(HttpMethod.Get, session.Endpoint("status").Replace(session.Id, "not-a-session", StringComparison.Ordinal))).AssertProblem(404, 40407);
    }

    [Fact]
    public async Task The_org_has_at_most_the_configured_open_sessions_however_many_start_at_once()
    {
        var limited = new Dictionary<string, string?>(UploadClient.SmallParts) { ["Locktera:MaxOpenUploadSessions"] = "3" };
        var org = await fixture.CreateRootOrgAsync();
        var first = new UploadClient(await fixture.StartInstanceAsync(overrides: limited), org);
        var second = new UploadClient(await fixture.StartInstanceAsync(overrides: limited), org);
        var manifest = UploadClient.Manifest(Files);
        var starts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? first : second).StartRawAsync(manifest)));
        Assert.Equal(3, starts.Count(s => s.Status == 201));
        Assert.All(starts.Where(s => s.Status != 201), s => s.AssertProblem(429, 42902));

        // An abort frees a place; a commit does too.
        var open = starts.Where(s => s.Status == 201).Select(s => new UploadSessionHandle(first, s.Json!, [.. Files.SelectMany(f => f.Content)])).ToList();
        DocumentedApi.AssertConforms((await open[0].AbortAsync()).AssertStatus(204), HttpMethod.Delete, "/orgs/{org_id}/upload_sessions/{session_id}");
        DocumentedApi.AssertConforms(starts.First(s => s.Status == 429), HttpMethod.Post, "/orgs/{org_id}/containers/upload_sessions");
        var next = await first.StartAsync(Files);
        (await first.StartRawAsync(manifest)).AssertProblem(429, 42902);
        await next.UploadAllAsync();
        (await first.StartRawAsync(manifest)).AssertStatus(201);
    }
}
