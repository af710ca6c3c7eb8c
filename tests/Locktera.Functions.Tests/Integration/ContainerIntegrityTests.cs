using Azure.Storage.Blobs;
using Locktera.Core.Content;
using Locktera.Core.Drm;
using Locktera.Core.Events;
using Locktera.Core.Tera;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Whoever can write a container's storage can break it, never make the API serve bytes it did not
/// write: a substituted, swapped, truncated or re-parameterised object is a 502 with a
/// <c>container.fail</c> event and no byte of content, cold or from the cache of opened containers.
/// </summary>
public class ContainerIntegrityTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("The real board pack. ", 4000)));

    private sealed class MemoryUpload : IContentUpload
    {
        public MemoryStream Bytes { get; } = new();

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => Bytes.WriteAsync(data, cancellationToken);

        public Task CommitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private async Task<string> EncodeAsync(TestOrg org, string? password = null)
    {
        var manifest = new JsonObject { ["container"] = new JsonObject { ["name"] = "Board pack", ["downloadable"] = true, ["password"] = password } };
        var encoded = (await fixture.Api.EncodeAsync(org, manifest.ToJsonString(), ("pack.txt", Secret, "text/plain"))).AssertStatus(201);
        return encoded.Json!["container"]!["uuid"]!.GetValue<string>();
    }

    private BlobClient Blob(TestOrg org, string id) =>
        new BlobServiceClient(ApiFixture.StorageConnection).GetBlobContainerClient(fixture.StoragePrefix + "content").GetBlobClient($"{org.Id}/{id}.tera");

    /// <summary>
    /// The attack of issue 11 from public inputs only: the org's public key, the format's own writer,
    /// the same ids and file name and, with <paramref name="lengthOf"/>, the same lengths (rules of
    /// the sealed rules' length, the container's name padded) — a container this service never wrote.
    /// </summary>
    private async Task<byte[]> ForgeAsync(TestOrg org, string id, byte[] content, byte[]? lengthOf = null)
    {
        var key = (await fixture.Api.GetAsync($"orgs/{org.Id}/pq_keys", org.Key)).AssertStatus(200).Json![0]!;
        var created = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var forged = await WriteAsync("Board pack", []);
        if (lengthOf is not null)
        {
            var rules = new byte[Trailer(lengthOf).HeaderLength - Trailer(forged).HeaderLength - 16];
            var padding = Trailer(lengthOf).IndexLength - Trailer(forged).IndexLength;
            forged = await WriteAsync("Board pack" + new string(' ', padding), rules);
        }
        return forged;

        async Task<byte[]> WriteAsync(string name, byte[] rules)
        {
            var (header, keys) = TeraHeader.Create(Guid.Parse(id), Guid.Parse(org.Id), Guid.Parse(key["id"]!.GetValue<string>()),
                Convert.FromBase64String(key["pub"]!.GetValue<string>()), TeraHeader.DefaultSegmentSize, null, rules);
            var upload = new MemoryUpload();
            var writer = await TeraWriter.StartAsync(upload, header, keys, CancellationToken.None);
            await writer.AddFileAsync("pack.txt", "text/plain", new TeraFileDetails(), new MemoryStream(content), long.MaxValue, CancellationToken.None);
            await writer.CompleteAsync(name, created, CancellationToken.None);
            return upload.Bytes.ToArray();
        }

        static TeraTrailer Trailer(byte[] stored) => TeraTrailer.Parse(stored.AsSpan(stored.Length - TeraTrailer.Size));
    }

    private async Task<IReadOnlyList<ContainerEvent>> IntegrityFailuresAsync(TestOrg org, string id) =>
        [.. (await fixture.Services.GetRequiredService<EventLog>().ListAsync(Guid.Parse(org.Id), new EventQuery(null, null, null, null), null, 0, 1000, CancellationToken.None)).Events
            .Where(e => e.Action == EventLog.ContainerFail && e.Detail["rule"] == "integrity" && e.ContainerId == Guid.Parse(id))];

    private async Task AssertRefusedAsync(TestOrg org, string id, string reason, string? password = null)
    {
        foreach (var path in new[] { $"containers/{id}/decode", $"containers/{id}/decode/pack.txt" })
        {
            var response = await fixture.Api.SendRawAsync(HttpMethod.Get, path, org.Key, null, null,
                r => { if (password is not null) { r.Headers.Add("X-Locktera-Password", password); } });
            response.AssertProblem(502, 50201);
            Assert.DoesNotContain("FORGED", response.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("board pack", response.Text, StringComparison.Ordinal);
        }
        var failures = await IntegrityFailuresAsync(org, id);
        Assert.NotEmpty(failures);
        Assert.All(failures, e => Assert.Contains(reason, e.Detail["reason"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_container_forged_from_public_inputs_with_the_original_lengths_is_refused()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = await EncodeAsync(org);
        var original = (await Blob(org, id).DownloadContentAsync()).Value.Content.ToArray();
        var forged = await ForgeAsync(org, id, Encoding.UTF8.GetBytes(new string('F', Secret.Length).Replace("FFFFFF", "FORGED")), lengthOf: original);
        Assert.Equal(original.Length, forged.Length);
        await Blob(org, id).UploadAsync(new BinaryData(forged), overwrite: true);

        await AssertRefusedAsync(org, id, "not the one this service wrote");
        Assert.Equal("ACTIVE", (await fixture.Api.GetAsync($"containers/{id}", org.Key)).Json!["status"]!.GetValue<string>());

        // Putting the service's own bytes back makes it readable again: nothing was lost.
        await Blob(org, id).UploadAsync(new BinaryData(original), overwrite: true);
        (await fixture.Api.GetAsync($"containers/{id}/decode/pack.txt", org.Key)).AssertStatus(200);
    }

    [Fact]
    public async Task Another_orgs_container_or_another_container_of_the_org_put_in_its_place_is_refused()
    {
        var org = await fixture.CreateRootOrgAsync();
        var other = await fixture.CreateRootOrgAsync("Other");
        var id = await EncodeAsync(org);
        var sibling = await EncodeAsync(org);
        var foreign = await EncodeAsync(other);

        await Blob(org, id).UploadAsync((await Blob(other, foreign).DownloadContentAsync()).Value.Content, overwrite: true);
        await AssertRefusedAsync(org, id, "another organization's container");

        var second = await EncodeAsync(org);
        await Blob(org, second).UploadAsync((await Blob(org, sibling).DownloadContentAsync()).Value.Content, overwrite: true);
        await AssertRefusedAsync(org, second, "another container");
    }

    [Fact]
    public async Task A_substitution_after_the_container_was_opened_is_refused_from_the_cache_too()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = await EncodeAsync(org);
        (await fixture.Api.GetAsync($"containers/{id}/decode/pack.txt", org.Key)).AssertStatus(200);

        await Blob(org, id).UploadAsync(new BinaryData(await ForgeAsync(org, id, Encoding.UTF8.GetBytes("FORGED"))), overwrite: true);
        var file = await fixture.Api.GetAsync($"containers/{id}/decode/pack.txt", org.Key);
        file.AssertProblem(502, 50201);
        Assert.DoesNotContain("FORGED", file.Text, StringComparison.Ordinal);
        Assert.Single(await IntegrityFailuresAsync(org, id));
    }

    [Theory]
    [InlineData("cold")]
    [InlineData("warm")]
    public async Task A_truncated_object_is_a_502_problem_never_a_500(string cache)
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = await EncodeAsync(org);
        if (cache == "warm")
        {
            (await fixture.Api.GetAsync($"containers/{id}/decode", org.Key)).AssertStatus(200);
        }
        var stored = (await Blob(org, id).DownloadContentAsync()).Value.Content.ToArray();
        // So short that a read of the file (and of the index) starts past the end: storage answers 416.
        await Blob(org, id).UploadAsync(new BinaryData(stored[..100]), overwrite: true);
        (await fixture.Api.GetAsync($"containers/{id}/decode/pack.txt", org.Key)).AssertProblem(502, 50201);
        Assert.Contains(await IntegrityFailuresAsync(org, id), e => e.Detail["reason"].Contains("truncated", StringComparison.Ordinal));

        // Cut inside the file: its range runs past the end, and storage returns less than asked for.
        await Blob(org, id).UploadAsync(new BinaryData(stored[..(stored.Length / 2)]), overwrite: true);
        (await fixture.Api.GetAsync($"containers/{id}/decode/pack.txt", org.Key)).AssertProblem(502, 50201);
    }

    /// <summary>
    /// Damage past the first segment is found once the answer has started (only the first segment is
    /// authenticated before it starts): the connection is cut, so the client never holds a whole answer,
    /// and nothing it did receive is a byte that failed authentication.
    /// </summary>
    [Fact]
    public async Task Damage_after_the_first_segment_cuts_the_answer_short_after_authenticated_bytes_only()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = await EncodeAsync(org);
        var stored = (await Blob(org, id).DownloadContentAsync()).Value.Content.ToArray();
        // The file's data follows the header; its second segment starts after the first one's plaintext and tag.
        var secondSegment = TeraHeader.Parse(stored).Bytes.Length + TeraHeader.DefaultSegmentSize + 16;
        Assert.True(Secret.Length > TeraHeader.DefaultSegmentSize + 200, "the file has a second segment");
        stored[secondSegment + 100] ^= 0x01;
        await Blob(org, id).UploadAsync(new BinaryData(stored), overwrite: true);

        var received = new MemoryStream();
        var whole = false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"containers/{id}/decode/pack.txt");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", org.Key);
            using var response = await fixture.Api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(200, (int)response.StatusCode);
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(received);
            whole = true;
        }
        catch (HttpRequestException)
        {
            // The connection was cut: before the client read the headers, or while it read the body.
        }
        catch (IOException)
        {
        }
        Assert.False(whole, "a cut answer must not read as a whole one");
        Assert.InRange(received.Length, 0, TeraHeader.DefaultSegmentSize);
        Assert.Equal(Secret.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());
        Assert.Contains(await IntegrityFailuresAsync(org, id), e => e.Detail["reason"].Contains("segment", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tampered_password_block_is_an_integrity_failure_never_a_wrong_password_or_a_lockout_count()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = await EncodeAsync(org, password: "open sesame");
        var stored = (await Blob(org, id).DownloadContentAsync()).Value.Content.ToArray();
        var header = TeraHeader.Parse(stored);
        var salt = header.Password!.Salt;
        var at = stored.AsSpan(0, header.Bytes.Length).IndexOf(salt);
        stored[at] ^= 1;
        await Blob(org, id).UploadAsync(new BinaryData(stored), overwrite: true);

        await AssertRefusedAsync(org, id, "not the one this service wrote", password: "open sesame");
        var token = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/containers/{id}/viewer_tokens", org.Key,
            new JsonObject { ["email"] = "ann@example.com" })).AssertStatus(201).Json!["token"]!.GetValue<string>();
        for (var i = 0; i < 6; i++)
        {
            (await fixture.Api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/pack.txt", token, null, null,
                r => r.Headers.Add("X-Locktera-Password", "open sesame"))).AssertProblem(502, 50201);
        }
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/attempts", org.Key)).AssertStatus(200).Json!.AsArray());
    }

    [Fact]
    public async Task A_file_stored_with_a_type_no_header_can_carry_is_served_as_octets()
    {
        // Encodes check types now; one stored before they did reaches the decode through the service itself.
        var org = await fixture.CreateRootOrgAsync();
        var service = fixture.Services.GetRequiredService<ContainerService>();
        var manifest = new EncodeManifest("old", false, null, DrmRules.None with { Downloadable = true }, [], new Dictionary<string, ManifestFile>());
        var (record, _) = await service.EncodeAsync(Guid.Parse(org.Id), new Actor("test", null), manifest,
            new[] { new EncodeFile("old.txt", "text/plain; name=\"ünï\"", new MemoryStream(Secret)) }.ToAsyncEnumerable(), CancellationToken.None);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"containers/{record.Id}/decode/old.txt");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", org.Key);
        using var response = await fixture.Api.Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Secret, await response.Content.ReadAsByteArrayAsync());
    }
}
