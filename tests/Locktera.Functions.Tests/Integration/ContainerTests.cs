using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using Locktera.Core.Events;

namespace Locktera.Functions.Tests.Integration;

/// <summary>Encode, decode with Range, and the container records, over real HTTP against Azurite and s3rver.</summary>
public class ContainerTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Quarterly numbers — confidential. ", 5000)));
    private static readonly byte[] Binary = RandomBytes(200_000, 7);

    private static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private Task<ApiResponse> EncodeAsync(TestOrg org, string? manifest, params (string Name, byte[] Content, string Type)[] files) =>
        fixture.Api.EncodeAsync(org, manifest, files);

    private async Task<(int Status, byte[] Body, HttpResponseMessage Response)> GetBytesAsync(string path, TestOrg org, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", org.Key);
        configure?.Invoke(request);
        var response = await fixture.Api.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    private async Task<(TestOrg Org, string ContainerId)> EncodeSampleAsync(string? password = null)
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = new JsonObject
        {
            ["container"] = new JsonObject { ["name"] = "Board pack", ["downloadable"] = true, ["password"] = password },
            ["files"] = new JsonObject { ["notes.txt"] = new JsonObject { ["type"] = "text/plain; charset=utf-8", ["pages"] = 3 } },
            ["tags"] = new JsonArray("finance", "q3"),
        };
        var response = (await EncodeAsync(org, manifest.ToJsonString(), ("notes.txt", Text, "application/octet-stream"), ("data.bin", Binary, "application/x-custom"))).AssertStatus(201);
        return (org, response.Json!["container"]!["uuid"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_encoded_container_decodes_to_the_same_bytes()
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = """{ "container": { "name": "Board pack", "downloadable": true }, "files": { "notes.txt": { "type": "text/plain", "pages": 3 } }, "tags": ["finance"] }""";
        var encoded = (await EncodeAsync(org, manifest, ("notes.txt", Text, "application/octet-stream"), ("data.bin", Binary, "application/x-custom"), ("empty", [], "text/plain"))).AssertStatus(201).Json!;
        Assert.Equal(org.Id, encoded["org_id"]!.GetValue<string>());
        var container = encoded["container"]!;
        var id = container["uuid"]!.GetValue<string>();
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal(id, container["id"]!.GetValue<string>());
        Assert.Equal("Board pack", container["name"]!.GetValue<string>());
        Assert.Equal("ACTIVE", container["status"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", container["digest"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{64}$", container["sha256"]!.GetValue<string>());
        Assert.Equal(["finance"], container["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("text/plain", encoded["files"]!["notes.txt"]!["type"]!.GetValue<string>());
        Assert.Equal(3, encoded["files"]!["notes.txt"]!["pages"]!.GetValue<int>());
        Assert.Equal("application/x-custom", encoded["files"]!["data.bin"]!["type"]!.GetValue<string>());
        Assert.Equal(Binary.Length, encoded["files"]!["data.bin"]!["size"]!.GetValue<long>());

        var decoded = (await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/decode", org.Key)).AssertStatus(200).Json!;
        Assert.Equal("Board pack", decoded["container"]!["name"]!.GetValue<string>());
        Assert.Equal(["notes.txt", "data.bin", "empty"], decoded["files"]!.AsObject().Select(f => f.Key));
        (await fixture.Api.GetAsync($"users/{org.Id}/containers/{id}/decode", org.Key)).AssertStatus(200);
        (await fixture.Api.GetAsync($"containers/{id}/decode", org.Key)).AssertStatus(200);

        foreach (var (path, expected) in new[] { ($"orgs/{org.Id}/containers/{id}/decode/notes.txt", Text), ($"containers/{id}/decode/data.bin", Binary), ($"containers/{id}/decode/empty", []) })
        {
            var (status, body, response) = await GetBytesAsync(path, org);
            Assert.Equal(200, status);
            Assert.Equal(expected, body);
            Assert.Equal(expected.Length, response.Content.Headers.ContentLength);
            Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
            Assert.True(response.Headers.CacheControl!.NoStore);
            Assert.NotNull(response.Headers.ETag);
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        }
        var (_, _, typed) = await GetBytesAsync($"containers/{id}/decode/notes.txt", org);
        Assert.Equal("text/plain", typed.Content.Headers.ContentType!.MediaType);
        (await fixture.Api.GetAsync($"containers/{id}/decode/missing.txt", org.Key)).AssertProblem(404, 40405);
    }

    [Fact]
    public async Task Ranges_return_exactly_the_requested_bytes()
    {
        var (org, id) = await EncodeSampleAsync();
        var path = $"containers/{id}/decode/data.bin";
        var size = Binary.Length;
        foreach (var (header, from, to) in new (string, long, long)[]
        {
            ("bytes=0-0", 0, 0), ("bytes=65535-65537", 65535, 65537), ("bytes=100-", 100, size - 1), ("bytes=-10", size - 10, size - 1),
            ("bytes=199990-300000", 199990, size - 1), ("bytes=-999999", 0, size - 1),
        })
        {
            var (status, body, response) = await GetBytesAsync(path, org, r => r.Headers.TryAddWithoutValidation("Range", header));
            Assert.Equal(206, status);
            Assert.Equal(Binary.AsSpan((int)from, (int)(to - from + 1)).ToArray(), body);
            Assert.Equal($"bytes {from}-{to}/{size}", response.Content.Headers.ContentRange!.ToString());
        }
        var random = new Random(11);
        for (var i = 0; i < 20; i++)
        {
            var from = random.Next(size);
            var to = random.Next(from, size);
            var (status, body, _) = await GetBytesAsync(path, org, r => r.Headers.TryAddWithoutValidation("Range", $"bytes={from}-{to}"));
            Assert.Equal(206, status);
            Assert.Equal(Binary.AsSpan(from, to - from + 1).ToArray(), body);
        }

        var (unsatisfiable, _, outside) = await GetBytesAsync(path, org, r => r.Headers.TryAddWithoutValidation("Range", $"bytes={size}-"));
        Assert.Equal(416, unsatisfiable);
        Assert.Equal($"bytes */{size}", outside.Content.Headers.ContentRange!.ToString());
        var (several, all, _) = await GetBytesAsync(path, org, r => r.Headers.TryAddWithoutValidation("Range", "bytes=0-1,5-6"));
        Assert.Equal(200, several);
        Assert.Equal(Binary, all);
        var (stale, whole, _) = await GetBytesAsync(path, org, r =>
        {
            r.Headers.TryAddWithoutValidation("Range", "bytes=0-1");
            r.Headers.TryAddWithoutValidation("If-Range", "\"not-the-etag\"");
        });
        Assert.Equal(200, stale);
        Assert.Equal(Binary, whole);
    }

    [Fact]
    public async Task A_password_protected_container_needs_its_password()
    {
        var (org, id) = await EncodeSampleAsync(password: "s3cret  pass");
        (await fixture.Api.GetAsync($"containers/{id}/decode", org.Key)).AssertProblem(401, 40104);
        (await fixture.Api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/notes.txt", org.Key, null, null,
            r => r.Headers.Add("X-Locktera-Password", "s3cret pass"))).AssertProblem(403, 40307);
        var (status, body, _) = await GetBytesAsync($"containers/{id}/decode/notes.txt", org, r => r.Headers.Add("X-Locktera-Password", "s3cret  pass"));
        Assert.Equal(200, status);
        Assert.Equal(Text, body);
        Assert.True((await fixture.Api.GetAsync($"containers/{id}", org.Key)).Json!["password_protected"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_flat_manifest_shape_is_accepted_with_its_rules()
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = $$"""{ "container_name": "Flat", "org_id": "{{org.Id}}", "dynamic": false, "downloadable": false, "recipients": ["*@example.com"], "time": { "end": "2030-01-01T00:00:00Z" }, "opens": 3 }""";
        var encoded = (await EncodeAsync(org, manifest, ("a.txt", Text, "text/plain"))).AssertStatus(201).Json!;
        var id = encoded["container"]!["uuid"]!.GetValue<string>();
        var record = (await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}", org.Key)).AssertStatus(200).Json!;
        Assert.Equal("Flat", record["container_name"]!.GetValue<string>());
        Assert.False(record["dynamic"]!.GetValue<bool>());
        Assert.Equal("*@example.com", record["drm_rules"]!["recipients"]![0]!.GetValue<string>());
        Assert.Equal(3, record["drm_rules"]!["opens"]!.GetValue<int>());
        Assert.Equal("2030-01-01T00:00:00Z", record["drm_rules"]!["time"]!["end"]!.GetValue<string>());
    }

    public static TheoryData<string?, string, string> BadEncodes => new()
    {
        { null, "a.txt", "manifest" },
        { "{\"container\":", "a.txt", "manifest" },
        { "[]", "a.txt", "manifest" },
        { "{\"container\":{\"name\":5}}", "a.txt", "container.name" },
        { "{\"container\":{\"downloadable\":\"yes\"}}", "a.txt", "container.downloadable" },
        { "{\"container\":{\"drm\":{\"opens\":-1}}}", "a.txt", "container.drm.opens" },
        { "{\"container\":{\"drm\":{\"ip\":{\"allow\":[\"300.1.1.1\"]}}}}", "a.txt", "container.drm.ip.allow[0]" },
        { "{\"container\":{\"recipients\":[\"nobody\"]}}", "a.txt", "container.recipients[0]" },
        { "{\"geo\":{\"allow\":[{\"country\":\"Atlantis\"}]}}", "a.txt", "geo.allow[0].country" },
        { "{\"container\":{\"drm\":{\"mac\":{\"allow\":[\"f4:d4:88:66:db:56\"]}}}}", "a.txt", "container.drm.mac" },
        { "{\"container\":{\"password\":\" padded \"}}", "a.txt", "container.password" },
        { "{\"container\":{\"password\":\"" + new string('p', 257) + "\"}}", "a.txt", "container.password" },
        { "{\"container\":{},\"files\":{\"other.txt\":{}}}", "a.txt", "files" },
        { "{\"container\":{},\"surprise\":1}", "a.txt", "surprise" },
        { "{}", "dir/a.txt", "files" },
        { "{}", "..", "files" },
        { "{}", "a\u0001b", "files" },
        { "{}", new string('x', 256), "files" },
    };

    [Theory]
    [MemberData(nameof(BadEncodes))]
    public async Task Bad_encodes_are_400_and_leave_nothing(string? manifest, string fileName, string field)
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await EncodeAsync(org, manifest, (fileName, [1, 2, 3], "text/plain"));
        Assert.True(response.Status == 400, response.Text);
        Assert.NotNull(response.Json!["fields"]![field]);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).AssertStatus(200).Json!.AsArray());
    }

    [Fact]
    public async Task Encodes_without_files_or_with_duplicates_or_not_multipart_are_400()
    {
        var org = await fixture.CreateRootOrgAsync();
        Assert.NotNull((await EncodeAsync(org, "{}")).AssertProblem(400, 40001).Json!["fields"]!["files"]);
        Assert.NotNull((await EncodeAsync(org, "{}", ("a", [1], "text/plain"), ("a", [2], "text/plain"))).AssertProblem(400, 40001).Json!["fields"]!["files"]);
        Assert.NotNull((await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/encode", org.Key, new JsonObject()))
            .AssertProblem(400, 40001).Json!["fields"]!["content-type"]);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task Containers_are_listed_newest_first_filtered_blocked_and_deleted()
    {
        var org = await fixture.CreateRootOrgAsync();
        var ids = new List<string>();
        foreach (var (name, tag) in new[] { ("alpha", "x"), ("beta", "y"), ("alphabet", "y") })
        {
            var manifest = new JsonObject { ["container_name"] = name, ["tags"] = new JsonArray(tag) };
            ids.Add((await EncodeAsync(org, manifest.ToJsonString(), ("f", [1], "text/plain"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>());
        }
        var all = (await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(ids.AsEnumerable().Reverse(), all.Select(c => c!["id"]!.GetValue<string>()));
        Assert.Equal(2, (await fixture.Api.GetAsync($"orgs/{org.Id}/containers?name=alpha", org.Key)).Json!.AsArray().Count);
        Assert.Equal(2, (await fixture.Api.GetAsync($"users/{org.Id}/containers?tag=y", org.Key)).Json!.AsArray().Count);
        var first = (await fixture.Api.GetAsync($"orgs/{org.Id}/containers?limit=1", org.Key)).AssertStatus(200);
        var next = (await fixture.Api.GetAsync($"orgs/{org.Id}/containers?limit=1&cursor={first.Header("X-Next-Cursor")}", org.Key)).Json!.AsArray();
        Assert.Equal(ids[1], Assert.Single(next)!["id"]!.GetValue<string>());

        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{ids[0]}/block", org.Key)).AssertStatus(204);
        Assert.Equal("BLOCKED", (await fixture.Api.GetAsync($"containers/{ids[0]}", org.Key)).Json!["status"]!.GetValue<string>());
        (await fixture.Api.GetAsync($"containers/{ids[0]}/decode", org.Key)).AssertProblem(403, 40306);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers?status=blocked", org.Key)).Json!.AsArray());
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{ids[0]}/block", org.Key)).AssertStatus(204);
        (await fixture.Api.GetAsync($"containers/{ids[0]}/decode", org.Key)).AssertStatus(200);

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"containers/{ids[0]}", org.Key)).AssertStatus(204);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/containers/{ids[1]}", org.Key)).AssertStatus(204);
        (await fixture.Api.GetAsync($"containers/{ids[0]}", org.Key)).AssertProblem(404, 40404);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).Json!.AsArray());
        Assert.False(await Blob(org, ids[1]).ExistsAsync());

        var actions = (await EventsAsync(org)).Select(e => $"{e.Action} {e.ContainerId}").ToList();
        Assert.Equal(
            [$"container.delete {ids[1]}", $"container.delete {ids[0]}", $"container.unblock {ids[0]}", $"container.block {ids[0]}",
             $"container.create {ids[2]}", $"container.create {ids[1]}", $"container.create {ids[0]}"],
            actions);
    }

    [Fact]
    public async Task Stored_bytes_hold_no_plaintext_and_tampering_is_caught()
    {
        var (org, id) = await EncodeSampleAsync();
        var blob = Blob(org, id);
        var stored = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(-1, stored.AsSpan().IndexOf(Text.AsSpan(0, 24)));
        Assert.Equal(-1, stored.AsSpan().IndexOf(Binary.AsSpan(1000, 24)));
        Assert.Equal(-1, stored.AsSpan().IndexOf("notes.txt"u8));

        stored[stored.Length / 2] ^= 0x40;
        await blob.UploadAsync(new BinaryData(stored), overwrite: true);
        var (status, body, _) = await GetBytesAsync($"containers/{id}/decode/data.bin", org);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(502, status);
        Assert.Equal(50201, problem["code"]!.GetValue<int>());
        Assert.DoesNotContain(Encoding.UTF8.GetString(Binary.AsSpan(0, 16)), Encoding.UTF8.GetString(body), StringComparison.Ordinal);

        var failure = Assert.Single(await EventsAsync(org), e => e.Action == EventLog.ContainerFail);
        Assert.Equal("integrity", failure.Detail["rule"]);
        Assert.Equal(Guid.Parse(id), failure.ContainerId);
        Assert.Contains("segment", failure.Detail["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_container_whose_bytes_vanished_answers_502_not_500()
    {
        var (org, id) = await EncodeSampleAsync();
        await Blob(org, id).DeleteAsync();
        (await fixture.Api.GetAsync($"containers/{id}/decode", org.Key)).AssertProblem(502, 50201);
        Assert.Contains(await EventsAsync(org), e => e.Action == EventLog.ContainerFail && e.Detail["rule"] == "integrity" && e.Detail["reason"].Contains("missing", StringComparison.Ordinal));
    }

    private async Task<IReadOnlyList<ContainerEvent>> EventsAsync(TestOrg org) =>
        (await fixture.Services.GetRequiredService<EventLog>().ListAsync(Guid.Parse(org.Id), new EventQuery(null, null, null, null), null, 0, 1000, CancellationToken.None)).Events;

    [Fact]
    public async Task Containers_follow_the_orgs_storage_and_stay_readable_after_a_switch()
    {
        var (org, platformId) = await EncodeSampleAsync();
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/storage_config", org.Key, new JsonObject
        {
            ["type"] = "s3", ["bucket"] = ApiFixture.S3Bucket, ["region"] = "us-east-1", ["host"] = ApiFixture.S3Endpoint,
            ["access_key"] = "S3RVER", ["secret_key"] = "S3RVER",
        })).AssertStatus(200);
        var s3Id = (await EncodeAsync(org, "{}", ("big.bin", Binary, "application/octet-stream"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();
        Assert.False(await Blob(org, s3Id).ExistsAsync());

        var (s3Status, s3Body, _) = await GetBytesAsync($"containers/{s3Id}/decode/big.bin", org, r => r.Headers.TryAddWithoutValidation("Range", "bytes=70000-70100"));
        Assert.Equal(206, s3Status);
        Assert.Equal(Binary.AsSpan(70000, 101).ToArray(), s3Body);
        var (platformStatus, platformBody, _) = await GetBytesAsync($"containers/{platformId}/decode/data.bin", org);
        Assert.Equal(200, platformStatus);
        Assert.Equal(Binary, platformBody);
    }

    [Fact]
    public async Task Another_orgs_containers_are_unreachable_by_every_route()
    {
        var (owner, id) = await EncodeSampleAsync();
        var other = await fixture.CreateRootOrgAsync("Other");
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"containers/{id}"), (HttpMethod.Delete, $"containers/{id}"), (HttpMethod.Get, $"containers/{id}/decode"),
            (HttpMethod.Get, $"containers/{id}/decode/notes.txt"), (HttpMethod.Get, $"orgs/{other.Id}/containers/{id}"),
            (HttpMethod.Get, $"orgs/{other.Id}/containers/{id}/decode"), (HttpMethod.Put, $"orgs/{other.Id}/containers/{id}/block"),
            (HttpMethod.Delete, $"orgs/{other.Id}/containers/{id}"),
        })
        {
            (await fixture.Api.SendAsync(method, path, other.Key)).AssertProblem(404, 40404);
        }
        foreach (var (method, path) in new[] { (HttpMethod.Get, $"orgs/{owner.Id}/containers/{id}"), (HttpMethod.Get, $"orgs/{owner.Id}/containers") })
        {
            (await fixture.Api.SendAsync(method, path, other.Key)).AssertProblem(404, 40402);
        }
        (await fixture.Api.GetAsync($"containers/{id}", owner.Key)).AssertStatus(200);
    }

    [Fact]
    public async Task Encodes_over_the_configured_limits_are_413_and_leave_nothing()
    {
        var limited = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?>
        {
            ["Locktera:MaxContainerBytes"] = "100000",
            ["Locktera:MaxFilesPerContainer"] = "2",
        });
        var org = await fixture.CreateRootOrgAsync();
        (await limited.EncodeAsync(org, "{}", ("a", new byte[60_000], "text/plain"), ("b", new byte[60_000], "text/plain"))).AssertProblem(413, 41301);
        (await limited.EncodeAsync(org, "{}", ("a", [1], "text/plain"), ("b", [2], "text/plain"), ("c", [3], "text/plain"))).AssertProblem(413, 41301);
        (await limited.EncodeAsync(org, "{}", ("a", new byte[90_000], "text/plain"))).AssertStatus(201);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task Tags_are_set_audited_and_counted()
    {
        var (org, id) = await EncodeSampleAsync();
        var set = await fixture.Api.SendRawAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/tags", org.Key, "[\"legal\", \"q3\", \"legal\"]", "application/json");
        Assert.Equal(["legal", "q3"], set.AssertStatus(200).Json!.AsArray().Select(t => t!.GetValue<string>()));
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/tags", org.Key, new JsonObject { ["tags"] = new JsonArray("q3") })).AssertStatus(200);
        (await fixture.Api.SendRawAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/tags", org.Key, "[\"\", 5]", "application/json")).AssertProblem(400, 40001);
        (await fixture.Api.SendRawAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/tags", org.Key, "{}", "application/json")).AssertProblem(400, 40001);

        var audit = (await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/tags_audit", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(2, audit.Count);
        Assert.Equal(["q3"], audit[0]!["new_tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["legal", "q3"], audit[0]!["old_tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["finance", "q3"], audit[1]!["old_tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(audit[0]!["user"]!.GetValue<string>()));

        (await EncodeAsync(org, "{\"tags\":[\"q3\",\"hr\"]}", ("f", [1], "text/plain"))).AssertStatus(201);
        var counts = (await fixture.Api.GetAsync($"orgs/{org.Id}/tags", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["hr:1", "q3:2"], counts.Select(c => $"{c!["name"]}:{c["count"]}"));
    }

    [Fact]
    public async Task A_container_is_found_by_either_digest()
    {
        var (org, id) = await EncodeSampleAsync();
        var record = (await fixture.Api.GetAsync($"containers/{id}", org.Key)).Json!;
        foreach (var digest in new[] { record["container_digest"]!.GetValue<string>(), record["sha256"]!.GetValue<string>().ToUpperInvariant() })
        {
            Assert.Equal(id, (await fixture.Api.GetAsync($"orgs/{org.Id}/container_by_digest?digest={digest}", org.Key)).AssertStatus(200).Json!["id"]!.GetValue<string>());
        }
        (await fixture.Api.GetAsync($"orgs/{org.Id}/container_by_digest?digest={new string('0', 64)}", org.Key)).AssertProblem(404, 40404);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/container_by_digest?digest=xyz", org.Key)).AssertProblem(400, 40001);
        var other = await fixture.CreateRootOrgAsync();
        (await fixture.Api.GetAsync($"orgs/{other.Id}/container_by_digest?digest={record["sha256"]}", other.Key)).AssertProblem(404, 40404);
    }

    [Fact]
    public async Task Key_rotation_keeps_older_containers_readable_and_never_shows_private_keys()
    {
        var (org, before) = await EncodeSampleAsync();
        var keys = (await fixture.Api.GetAsync($"orgs/{org.Id}/pq_keys", org.Key)).AssertStatus(200);
        var first = Assert.Single(keys.Json!.AsArray())!;
        Assert.Equal("active", first["status"]!.GetValue<string>());
        Assert.Equal("ML-KEM-768+ECDH-P256", first["alg"]!.GetValue<string>());
        // No field of a private half, by any name (the public key's base64 may spell "prv" by chance).
        Assert.DoesNotContain("\"prv\"", keys.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(first.AsObject(), p => p.Key.Contains("prv", StringComparison.OrdinalIgnoreCase) || p.Key.Contains("private", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("private", keys.Text, StringComparison.OrdinalIgnoreCase);

        var rotated = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/pq_keys", org.Key)).AssertStatus(201).Json!;
        var after = (await EncodeAsync(org, "{}", ("f", Binary, "application/octet-stream"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();
        var listed = (await fixture.Api.GetAsync($"orgs/{org.Id}/pq_keys", org.Key)).Json!.AsArray();
        Assert.Equal([rotated["id"]!.GetValue<string>(), first["id"]!.GetValue<string>()], listed.Select(k => k!["id"]!.GetValue<string>()));
        Assert.Equal(["active", "retired"], listed.Select(k => k!["status"]!.GetValue<string>()));

        Assert.Equal(Binary, (await GetBytesAsync($"containers/{before}/decode/data.bin", org)).Body);
        Assert.Equal(Binary, (await GetBytesAsync($"containers/{after}/decode/f", org)).Body);
        var reader = await fixture.CreateChildAsync(org, "user", "read");
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{reader.Id}/pq_keys", reader.Key)).AssertProblem(403, 40301);
    }

    private BlobClient Blob(TestOrg org, string id) =>
        new BlobServiceClient(ApiFixture.StorageConnection).GetBlobContainerClient(fixture.StoragePrefix + "content").GetBlobClient($"{org.Id}/{id}.tera");
}
