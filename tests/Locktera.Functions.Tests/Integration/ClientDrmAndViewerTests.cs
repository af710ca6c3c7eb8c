using System.Security.Cryptography;
using Locktera.Client;
using EncodeFile = Locktera.Client.EncodeFile;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The client library's DRM and viewer sub-clients against the DevHost over real HTTP: rules
/// written and read back under If-Match, what-ifs, viewer tokens, a viewer's own client (its
/// viewing session, its consents), lockouts.
/// </summary>
public class ClientDrmAndViewerTests(ApiFixture fixture) : IClassFixture<ApiFixture>, IDisposable
{
    private static readonly byte[] Video = RandomNumberGenerator.GetBytes((300 * 1024) + 17);

    private readonly string _directory = Directory.CreateTempSubdirectory("locktera-viewer-").FullName;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private async Task<(LockteraClient Client, Guid Id)> EncodeAsync(EncodeOptions options)
    {
        var client = TestClients.For(fixture, await fixture.CreateRootOrgAsync());
        var encoded = await client.Containers.EncodeAsync([EncodeFile.FromBytes("video.mp4", Video)], options);
        return (client, encoded.Container.Id);
    }

    [Fact]
    public async Task Rules_written_are_read_back_and_a_write_under_a_stale_etag_is_412()
    {
        var (client, id) = await EncodeAsync(new EncodeOptions(Drm: new JsonObject { ["dynamic"] = true, ["opens"] = 2 }));
        using var _ = client;
        var read = await client.Drm.GetAsync(id);
        Assert.True(read.Dynamic);
        Assert.Equal(id, read.Id);
        Assert.Equal(client.Credentials.OrgId, read.OrgId.ToString());
        Assert.Equal(2, read.Rules["opens"]!.GetValue<int>());
        Assert.False(read.Rules.ContainsKey("id"));
        Assert.NotNull(read.ETag);

        var replaced = await client.Drm.ReplaceAsync(id, new JsonObject { ["recipients"] = new JsonArray("ann@example.com"), ["opens"] = 5 }, read.ETag);
        Assert.Equal(5, replaced.Rules["opens"]!.GetValue<int>());
        Assert.NotEqual(read.ETag, replaced.ETag);
        // Someone changed the rules since `read`: a write under its version loses nothing.
        var stale = await Assert.ThrowsAsync<LockteraException>(() => client.Drm.ChangeAsync(id, new JsonObject { ["opens"] = 9 }, read.ETag));
        Assert.Equal(412, stale.Status);
        Assert.Equal(41201, stale.Code);
        Assert.Equal(5, (await client.Drm.GetRulesAsync(id)).Rules["opens"]!.GetValue<int>());

        // A patch keeps what it leaves out.
        var changed = await client.Drm.ChangeAsync(id, new JsonObject { ["opens"] = 9 }, replaced.ETag);
        Assert.Equal(9, changed.Rules["opens"]!.GetValue<int>());
        Assert.Equal("ann@example.com", changed.Rules["recipients"]!.AsArray().Single()!.GetValue<string>());
        Assert.Equal(changed.ETag, (await client.Drm.GetRulesAsync(id)).ETag);

        Assert.Equal(412, (await Assert.ThrowsAsync<LockteraException>(() => client.Drm.ClearRulesAsync(id, replaced.ETag))).Status);
        await client.Drm.ClearRulesAsync(id, changed.ETag);
        var cleared = await client.Drm.GetAsync(id);
        Assert.Null(cleared.Rules["opens"]);
        Assert.True(cleared.Dynamic);

        // A static container's rules cannot change at all.
        var sealedOne = await client.Containers.EncodeAsync([EncodeFile.FromBytes("a.txt", [1])], new EncodeOptions(Drm: new JsonObject { ["opens"] = 1 }));
        var @static = await Assert.ThrowsAsync<LockteraException>(() => client.Drm.ReplaceAsync(sealedOne.Container.Id, new JsonObject { ["opens"] = 3 }));
        Assert.Equal(40903, @static.Code);
    }

    [Fact]
    public async Task A_what_if_names_the_rule_that_refuses_and_the_facts_it_used()
    {
        var (client, id) = await EncodeAsync(new EncodeOptions(Recipients: ["ann@example.com"]));
        using var _ = client;
        var refused = await client.Drm.EvaluateAsync(id, new JsonObject { ["viewer"] = "bob@example.com", ["ip"] = "81.2.69.142" });
        Assert.False(refused.Allowed);
        Assert.Equal("recipients", refused.Denial!.Rule);
        Assert.Equal("bob@example.com", refused.Facts.Viewer);
        Assert.Equal("81.2.69.142", refused.Facts.Ip);
        var allowed = await client.Drm.EvaluateAsync(id, new JsonObject { ["viewer"] = "ann@example.com", ["time"] = "2030-01-01T00:00:00Z" });
        Assert.True(allowed.Allowed);
        Assert.Null(allowed.Denial);
        Assert.Contains(allowed.Trace, t => t.Rule == "recipients" && t.Passed == true);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), allowed.Facts.Ts);
        var bad = await Assert.ThrowsAsync<LockteraException>(() => client.Drm.EvaluateAsync(id, new JsonObject { ["ip"] = "not an address" }));
        Assert.Equal(400, bad.Status);
        Assert.Contains("ip", bad.Fields.Keys);
    }

    [Fact]
    public async Task A_viewer_decodes_with_a_token_and_a_password_and_one_viewing_of_range_reads_is_one_open()
    {
        var (client, id) = await EncodeAsync(new EncodeOptions(Password: "open sesame", Downloadable: true, Drm: new JsonObject { ["opens"] = 2 }));
        using var _ = client;
        var token = await client.Viewers.IssueTokenAsync(id, "ann@example.com", TimeSpan.FromMinutes(10));
        Assert.InRange(token.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
        Assert.DoesNotContain(token.Token, token.ToString(), StringComparison.Ordinal);

        var viewer = client.ForViewer(token.Token);
        Assert.Equal("ann@example.com", (await viewer.GetDrmContextAsync()).Viewer);
        Assert.Null(viewer.SessionId);
        var manifest = await viewer.GetManifestAsync(id, "open sesame");
        Assert.Equal(Video.Length, manifest.Files["video.mp4"].Size);
        var session = viewer.SessionId;
        Assert.NotNull(session);

        await using (var stream = await viewer.OpenReadAsync(id, "video.mp4", "open sesame"))
        {
            var buffer = new byte[1000];
            foreach (var at in new long[] { 200_000, 5, Video.Length - 1000, 70_000 })
            {
                stream.Position = at;
                await stream.ReadExactlyAsync(buffer);
                Assert.True(Video.AsSpan((int)at, 1000).SequenceEqual(buffer), $"bytes at {at}");
            }
        }
        var path = Path.Combine(_directory, "video.mp4");
        await viewer.DownloadToAsync(id, "video.mp4", path, password: "open sesame");
        var downloaded = await File.ReadAllBytesAsync(path);
        Assert.True(Video.AsSpan().SequenceEqual(downloaded));
        Assert.Equal(session, viewer.SessionId);
        // The manifest, four Range reads and a download: one viewing, one open.
        Assert.Equal(1, Assert.Single(await client.Viewers.ListAttemptsAsync(id)).Opens);

        // Another viewing (a new client for the same token) is the second open of two; a third is refused.
        await client.ForViewer(token.Token).GetManifestAsync(id, "open sesame");
        var exhausted = await Assert.ThrowsAsync<LockteraException>(() => client.ForViewer(token.Token).GetManifestAsync(id, "open sesame"));
        Assert.Equal(40314, exhausted.Code);
        // The first viewing carries on in its session.
        await using (var again = await viewer.OpenReadAsync(id, "video.mp4", "open sesame"))
        {
            Assert.Equal(Video.Length, again.Length);
        }
        Assert.Equal(2, Assert.Single(await client.Viewers.ListAttemptsAsync(id)).Opens);

        var forged = await Assert.ThrowsAsync<LockteraException>(() => client.ForViewer("ltv_" + new string('A', 40)).GetManifestAsync(id, "open sesame"));
        Assert.Equal(401, forged.Status);
        var tampered = await Assert.ThrowsAsync<LockteraException>(() => client.ForViewer(token.Token[..^2] + (token.Token[^2] == 'A' ? "BB" : "AA")).GetDrmContextAsync());
        Assert.Equal(401, tampered.Status);
        // The token opens its own container only.
        var other = await client.Containers.EncodeAsync([EncodeFile.FromBytes("a.txt", [1])]);
        Assert.Equal(404, (await Assert.ThrowsAsync<LockteraException>(() => viewer.GetManifestAsync(other.Container.Id))).Status);
    }

    [Fact]
    public async Task A_viewing_that_starts_with_parallel_reads_is_still_one_open()
    {
        var (client, id) = await EncodeAsync(new EncodeOptions(Drm: new JsonObject { ["opens"] = 1 }));
        using var _ = client;
        var viewer = client.ForViewer((await client.Viewers.IssueTokenAsync(id, "ann@example.com")).Token);
        var streams = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => viewer.OpenReadAsync(id, "video.mp4")));
        foreach (var stream in streams)
        {
            Assert.Equal(Video.Length, stream.Length);
            await stream.DisposeAsync();
        }
        Assert.Equal(1, Assert.Single(await client.Viewers.ListAttemptsAsync(id)).Opens);
    }

    [Fact]
    public async Task Wrong_passwords_lock_a_viewer_out_until_the_org_unlocks_it()
    {
        var (client, id) = await EncodeAsync(new EncodeOptions(Password: "open sesame"));
        using var _ = client;
        var viewer = client.ForViewer((await client.Viewers.IssueTokenAsync(id, "bob@example.com")).Token);
        Assert.Equal(40104, (await Assert.ThrowsAsync<LockteraException>(() => viewer.GetManifestAsync(id))).Code);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(40307, (await Assert.ThrowsAsync<LockteraException>(() => viewer.GetManifestAsync(id, "guess"))).Code);
        }
        Assert.Equal(40309, (await Assert.ThrowsAsync<LockteraException>(() => viewer.GetManifestAsync(id, "open sesame"))).Code);
        var locked = Assert.Single(await client.Viewers.ListAttemptsAsync(id));
        Assert.Equal("bob@example.com", locked.ViewerEmail);
        Assert.True(locked.Locked);

        await client.Viewers.UnlockAsync(id, "bob@example.com");
        Assert.Equal("video.mp4", (await viewer.GetManifestAsync(id, "open sesame")).Files.Keys.Single());
        var unlocked = Assert.Single(await client.Viewers.ListAttemptsAsync(id));
        Assert.False(unlocked.Locked);
        Assert.Equal(0, unlocked.AttemptCount);
    }

    [Fact]
    public async Task A_viewer_records_its_own_consents_and_the_org_reads_and_changes_them()
    {
        var (client, id) = await EncodeAsync(new EncodeOptions());
        using var _ = client;
        var viewer = client.ForViewer((await client.Viewers.IssueTokenAsync(id, "ann@example.com")).Token);
        var granted = await viewer.Consents.SetAsync("ann@example.com", "marketing", new ConsentInput("granted", "Marketing mail"));
        Assert.Equal("viewer", granted.Scope);
        Assert.Equal("ann@example.com", granted.ChangedBy);
        Assert.Equal("granted", Assert.Single(await viewer.Consents.ListAsync("ann@example.com")).Status);

        var revoked = await client.Consents.Viewers.SetAsync("ann@example.com", "marketing", new ConsentInput("revoked"));
        Assert.Equal("revoked", revoked.Status);
        Assert.False(revoked.IsChecked);
        Assert.Equal("revoked", Assert.Single(await viewer.Consents.ListAsync("ann@example.com")).Status);
        Assert.Equal(2, (await client.Consents.Viewers.ListHistoryAsync("ann@example.com").ToListAsync()).Count);
        Assert.Equal(2, (await viewer.Consents.ListHistoryAsync("ann@example.com", new ConsentFilter(ConsentId: "marketing")).ToListAsync()).Count);
        Assert.Empty(await viewer.Consents.ListHistoryAsync("ann@example.com", new ConsentFilter(End: new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero))).ToListAsync());

        // The organization's own consents, and its viewers' among them.
        var own = await client.Consents.SetAsync("gdpr", new ConsentInput("granted", "GDPR", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
        Assert.Equal("org", own.Scope);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), own.ConsentTimestamp);
        var current = await client.Consents.ListAsync().ToListAsync();
        Assert.Equal(["gdpr", "marketing"], current.Select(c => c.ConsentId).Order(StringComparer.Ordinal));
        Assert.Equal("ann@example.com", Assert.Single(await client.Consents.ListAsync(new ConsentFilter(Email: "ann@example.com")).ToListAsync()).Email);
        Assert.Equal(3, (await client.Consents.ListHistoryAsync().ToListAsync()).Count);
        Assert.Single(await client.Consents.ListHistoryAsync(new ConsentFilter(ConsentId: "gdpr")).ToListAsync());
        var bad = await Assert.ThrowsAsync<LockteraException>(() => client.Consents.SetAsync("gdpr", new ConsentInput("maybe")));
        Assert.Equal(400, bad.Status);
    }
}

/// <summary>Clients of the fixture's API (or of an instance of it) for the client library's tests.</summary>
internal static class TestClients
{
    public static LockteraClient For(ApiFixture fixture, TestOrg org, RequestCounter? transport = null) => For(fixture.Api, org, transport);

    public static LockteraClient For(ApiClient api, TestOrg org, RequestCounter? transport = null) =>
        new(new LockteraCredentials(api.Http.BaseAddress!, org.Id, org.Key),
            new LockteraClientOptions { Transport = transport, RetryDelay = TimeSpan.FromMilliseconds(50) });
}
