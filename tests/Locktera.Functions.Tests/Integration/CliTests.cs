using System.Security.Cryptography;
using Locktera.Cli;
using Locktera.Client;
using Spectre.Console.Testing;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The <c>locktera</c> command line (src/Locktera.Cli) run in-process against the DevHost over real
/// HTTP, its consoles Spectre's test consoles: every command, <c>--json</c>, exit codes, progress
/// only at a terminal, and an encode interrupted mid-way that the same command resumes.
/// </summary>
public class CliTests(ApiFixture fixture) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("locktera-cli-").FullName;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private async Task<CliSession> SessionAsync(ApiClient? api = null) =>
        new(api ?? fixture.Api, await fixture.CreateRootOrgAsync(), Path.Combine(_directory, "config"));

    private string WriteFile(string name, byte[] content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public async Task Login_checks_the_key_saves_a_file_only_the_user_reads_and_later_commands_use_it()
    {
        var session = await SessionAsync();
        var loggedOut = session with { Environment = new() { [CliHost.ConfigDirectoryVariable] = session.ConfigDirectory } };
        var wrong = await loggedOut.RunAsync("login", "--url", session.Url, "--org", session.Org.Id, "--key", "lt_wrong-key-123");
        wrong.AssertExit(ExitCodes.Refused);
        Assert.DoesNotContain("lt_wrong-key-123", wrong.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(session.ConfigDirectory, "env")));

        // Without a terminal to ask at, a missing --key is a usage error, not a hang.
        (await loggedOut.RunAsync("login", "--url", session.Url, "--org", session.Org.Id)).AssertExit(ExitCodes.Usage);

        var login = await loggedOut.RunAsync("login", "--url", session.Url, "--org", session.Org.Id, "--key", session.Org.Key);
        login.AssertExit(ExitCodes.Ok);
        var loginFile = Path.Combine(session.ConfigDirectory, "env");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(loginFile));
        }
        Assert.DoesNotContain(session.Org.Key, login.Output + login.Error, StringComparison.Ordinal);

        var whoami = await loggedOut.RunAsync("whoami", "--json");
        whoami.AssertExit(ExitCodes.Ok);
        Assert.Equal(session.Org.Id, whoami.Json["id"]!.GetValue<string>());
        Assert.Contains("admin", whoami.Json["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Contains(session.Org.Id, (await loggedOut.RunAsync("whoami")).Output, StringComparison.Ordinal);

        // A login asked at a terminal, the key typed without echo.
        var asked = new TestConsole().Interactive();
        asked.Input.PushTextWithEnter(session.Url);
        asked.Input.PushTextWithEnter(session.Org.Id);
        asked.Input.PushTextWithEnter(session.Org.Key);
        var prompted = await loggedOut.RunAsync(asked, "login");
        prompted.AssertExit(ExitCodes.Ok);
        Assert.Contains("API key:", prompted.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(session.Org.Key, prompted.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Containers_encode_list_decode_block_and_unblock_with_json_for_scripts()
    {
        var session = await SessionAsync();
        var report = WriteFile("report.pdf", Encoding.UTF8.GetBytes("%PDF-1.7 board pack"));
        var notes = WriteFile("notes.txt", Encoding.UTF8.GetBytes("minutes"));
        var encode = await session.RunAsync("encode", report, notes, "--name", "Board pack", "--tag", "board", "--tag", "q3", "--downloadable", "--password", "open sesame", "--json");
        encode.AssertExit(ExitCodes.Ok);
        var container = encode.Json["container"]!;
        var id = container["id"]!.GetValue<string>();
        Assert.Equal("Board pack", container["name"]!.GetValue<string>());
        Assert.Equal(["board", "q3"], container["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.True(container["password_protected"]!.GetValue<bool>());
        Assert.Equal("application/pdf", encode.Json["files"]!["report.pdf"]!["type"]!.GetValue<string>());
        Assert.Empty(encode.Error);
        // JSON for scripts escapes only what JSON needs: a time's offset reads as written.
        Assert.Contains("+00:00\"", encode.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", encode.Output, StringComparison.Ordinal);
        var other = await session.RunAsync("encode", notes, "--json");
        Assert.Equal("notes.txt", other.Json["container"]!["name"]!.GetValue<string>());

        var all = await session.RunAsync("ls", "--json");
        Assert.Equal(2, all.Json.AsArray().Count);
        var tagged = await session.RunAsync("ls", "--tag", "q3", "--json");
        Assert.Equal([id], tagged.Json.AsArray().Select(c => c!["id"]!.GetValue<string>()));
        var table = await session.RunAsync("ls");
        Assert.Contains("Board pack", table.Output, StringComparison.Ordinal);
        Assert.Contains(id, table.Output, StringComparison.Ordinal);

        var manifest = await session.RunAsync("decode", id, "--password", "open sesame", "--json");
        manifest.AssertExit(ExitCodes.Ok);
        Assert.Equal("Board pack", manifest.Json["container"]!["name"]!.GetValue<string>());
        Assert.Equal(7, manifest.Json["files"]!["notes.txt"]!["size"]!.GetValue<long>());
        var target = Path.Combine(_directory, "out", "report.pdf");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var decode = await session.RunAsync("decode", id, "report.pdf", "-o", target, "--password", "open sesame", "--json");
        decode.AssertExit(ExitCodes.Ok);
        Assert.Equal(target, decode.Json["path"]!.GetValue<string>());
        Assert.Equal(File.ReadAllBytes(report), File.ReadAllBytes(target));

        var block = await session.RunAsync("block", id, "--json");
        Assert.Equal("BLOCKED", block.Json["status"]!.GetValue<string>());
        Assert.Equal([id], (await session.RunAsync("ls", "--status", "BLOCKED", "--json")).Json.AsArray().Select(c => c!["id"]!.GetValue<string>()));
        var refused = await session.RunAsync("decode", id, "report.pdf", "-o", target + "2", "--password", "open sesame");
        refused.AssertExit(ExitCodes.Refused);
        Assert.Contains("trace id", refused.Error, StringComparison.Ordinal);
        var unblock = await session.RunAsync("unblock", id);
        unblock.AssertExit(ExitCodes.Ok);
        Assert.Contains("ACTIVE", unblock.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drm_rules_are_read_changed_under_their_version_and_tried_out_and_a_viewer_gets_a_token()
    {
        var session = await SessionAsync();
        var deck = WriteFile("deck.pdf", Encoding.UTF8.GetBytes("%PDF-1.7 deck"));
        var encode = await session.RunAsync("encode", deck, "--dynamic", "--drm", """{"opens": 2}""", "--json");
        encode.AssertExit(ExitCodes.Ok);
        var id = encode.Json["container"]!["id"]!.GetValue<string>();

        var read = await session.RunAsync("drm", "get", id, "--json");
        read.AssertExit(ExitCodes.Ok);
        Assert.True(read.Json["dynamic"]!.GetValue<bool>());
        Assert.Equal(2, read.Json["rules"]!["opens"]!.GetValue<int>());
        var version = read.Json["etag"]!.GetValue<string>();

        var merged = await session.RunAsync("drm", "set", id, """{"recipients": ["ann@example.com"]}""", "--if-match", version, "--json");
        merged.AssertExit(ExitCodes.Ok);
        Assert.Equal(2, merged.Json["rules"]!["opens"]!.GetValue<int>());
        Assert.Equal("ann@example.com", merged.Json["rules"]!["recipients"]![0]!.GetValue<string>());
        // Written meanwhile: the version read before no longer matches.
        var stale = await session.RunAsync("drm", "set", id, """{"opens": 9}""", "--if-match", version);
        stale.AssertExit(ExitCodes.Refused);
        Assert.Contains("HTTP 412", stale.Error, StringComparison.Ordinal);
        (await session.RunAsync("drm", "set", id, "{not json")).AssertExit(ExitCodes.Usage);

        var denied = await session.RunAsync("drm", "evaluate", id, "--viewer", "bob@example.com", "--json");
        denied.AssertExit(ExitCodes.Ok);
        Assert.False(denied.Json["allowed"]!.GetValue<bool>());
        Assert.Equal("recipients", denied.Json["denial"]!["rule"]!.GetValue<string>());
        var allowed = await session.RunAsync("drm", "evaluate", id, "--viewer", "ann@example.com");
        allowed.AssertExit(ExitCodes.Ok);
        Assert.Contains("Allowed", allowed.Output, StringComparison.Ordinal);

        var rules = WriteFile("rules.json", Encoding.UTF8.GetBytes("""{"opens": 5}"""));
        var replaced = await session.RunAsync("drm", "set", id, "@" + rules, "--replace", "--json");
        replaced.AssertExit(ExitCodes.Ok);
        Assert.Equal(5, replaced.Json["rules"]!["opens"]!.GetValue<int>());
        Assert.Null(replaced.Json["rules"]!["recipients"]);
        var drawn = await session.RunAsync("drm", "get", id);
        Assert.Contains("\"opens\": 5", drawn.Output, StringComparison.Ordinal);

        var share = await session.RunAsync("share", id, "ann@example.com", "--minutes", "10", "--json");
        share.AssertExit(ExitCodes.Ok);
        Assert.False(string.IsNullOrEmpty(share.Json["token"]!.GetValue<string>()));
        Assert.InRange(share.Json["expires_at"]!.GetValue<DateTimeOffset>(), DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
        (await session.RunAsync("share", Guid.NewGuid().ToString(), "ann@example.com")).AssertExit(ExitCodes.NotFound);
    }

    [Fact]
    public async Task Events_list_oldest_first_and_follow_prints_new_ones_as_they_happen()
    {
        var session = await SessionAsync();
        var id = (await session.RunAsync("encode", WriteFile("a.txt", [1, 2, 3]), "--json")).Json["container"]!["id"]!.GetValue<string>();
        var listed = await session.RunAsync("events", id, "--json");
        listed.AssertExit(ExitCodes.Ok);
        Assert.Equal("container.create", listed.Json[0]!["action"]!.GetValue<string>());

        using var stop = new CancellationTokenSource();
        using var looks = new EventLooks();
        var follow = (session with { Transport = looks.Handler }).RunAsync(stop.Token, "events", id, "--follow", "--interval", "0.1", "--json");
        (await session.RunAsync("block", id)).AssertExit(ExitCodes.Ok);
        (await session.RunAsync("unblock", id)).AssertExit(ExitCodes.Ok);
        // The log has both now; the follow's next look finds them, and it prints them before the look after.
        await looks.WaitForMoreAsync(2);
        await stop.CancelAsync();
        var followed = await follow;
        followed.AssertExit(ExitCodes.Ok);
        var lines = followed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["action"]!.GetValue<string>());
        Assert.Equal(["container.create", "container.block", "container.unblock"], lines);

        var text = await session.RunAsync("events", id);
        Assert.Matches("container.create +", text.Output);
        (await session.RunAsync("events", Guid.NewGuid().ToString())).AssertExit(ExitCodes.NotFound);
    }

    [Fact]
    public async Task Keys_orgs_and_status()
    {
        var session = await SessionAsync();
        var group = await fixture.CreateChildAsync(session.Org, "group", "read", "admin");
        await fixture.CreateChildAsync(group, "user", "read");

        var created = await session.RunAsync("keys", "create", "--name", "ci", "--permission", "read", "--permission", "write", "--json");
        created.AssertExit(ExitCodes.Ok);
        var keyId = created.Json["key_id"]!.GetValue<string>();
        Assert.StartsWith("lt_", created.Json["secret"]!.GetValue<string>(), StringComparison.Ordinal);
        var listed = await session.RunAsync("keys", "ls", "--json");
        Assert.Contains(keyId, listed.Json.AsArray().Select(k => k!["key_id"]!.GetValue<string>()));
        Assert.All(listed.Json.AsArray(), k => Assert.Null(k!["secret"]));
        Assert.Single((await session.RunAsync("keys", "ls", "--org", group.Id, "--json")).Json.AsArray());
        (await session.RunAsync("keys", "revoke", keyId)).AssertExit(ExitCodes.Ok);
        Assert.DoesNotContain(keyId, (await session.RunAsync("keys", "ls", "--json")).Json.AsArray().Select(k => k!["key_id"]!.GetValue<string>()));

        var tree = await session.RunAsync("orgs", "tree", "--json");
        Assert.Equal(session.Org.Id, tree.Json["id"]!.GetValue<string>());
        var child = tree.Json["children"]!.AsArray().Single()!;
        Assert.Equal(group.Id, child["id"]!.GetValue<string>());
        Assert.Single(child["children"]!.AsArray());
        var drawn = await session.RunAsync("orgs", "tree");
        Assert.Contains(group.Id, drawn.Output, StringComparison.Ordinal);
        Assert.Contains("(user)", drawn.Output, StringComparison.Ordinal);

        var status = await session.RunAsync("status", "--json");
        status.AssertExit(ExitCodes.Ok);
        Assert.NotNull(status.Json["status"]);
        Assert.NotNull(status.Json["services"]);
    }

    [Fact]
    public async Task Every_command_has_help_and_the_shell_completes_commands_and_values()
    {
        var session = await SessionAsync();
        string[][] commands =
        [
            [], ["login"], ["whoami"], ["status"], ["encode"], ["decode"], ["ls"], ["block"], ["unblock"],
            ["drm"], ["drm", "get"], ["drm", "set"], ["drm", "evaluate"], ["share"], ["events"],
            ["keys"], ["keys", "ls"], ["keys", "create"], ["keys", "revoke"], ["orgs"], ["orgs", "tree"],
        ];
        foreach (var command in commands)
        {
            var help = await session.RunAsync([.. command, "--help"]);
            help.AssertExit(ExitCodes.Ok);
            Assert.Contains("Usage:", help.Output, StringComparison.Ordinal);
            Assert.Contains("--json", help.Output, StringComparison.Ordinal);
        }

        // What dotnet-suggest asks the tool for when Tab is pressed after `locktera keys ` and `locktera ls --status `.
        var keys = await session.RunAsync("[suggest:5]", "keys ");
        Assert.Equal(["create", "ls", "revoke"], keys.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('-') && !l.StartsWith('/')));
        var statuses = await session.RunAsync("[suggest:12]", "ls --status ");
        Assert.Equal(["ACTIVE", "BLOCKED", "EXPIRED"], statuses.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Exit_codes_tell_usage_not_found_refused_and_unavailable_apart()
    {
        var session = await SessionAsync();
        (await session.RunAsync()).AssertExit(ExitCodes.Usage);
        (await session.RunAsync("frobnicate")).AssertExit(ExitCodes.Usage);
        (await session.RunAsync("encode")).AssertExit(ExitCodes.Usage);
        (await session.RunAsync("ls", "--status", "sleeping")).AssertExit(ExitCodes.Usage);
        (await session.RunAsync("block", "not-a-guid")).AssertExit(ExitCodes.Usage);
        (await session.RunAsync("encode", Path.Combine(_directory, "missing.bin"))).AssertExit(ExitCodes.Usage);
        var unconfigured = session with { Environment = new() { [CliHost.ConfigDirectoryVariable] = Path.Combine(_directory, "nobody") } };
        var noCredentials = await unconfigured.RunAsync("whoami");
        noCredentials.AssertExit(ExitCodes.Usage);
        Assert.Contains("locktera login", noCredentials.Error, StringComparison.Ordinal);

        var missing = await session.RunAsync("decode", Guid.NewGuid().ToString());
        missing.AssertExit(ExitCodes.NotFound);
        Assert.Matches("HTTP 404, code 40404, trace id [0-9a-f-]+", missing.Error);
        var missingJson = await session.RunAsync("block", Guid.NewGuid().ToString(), "--json");
        missingJson.AssertExit(ExitCodes.NotFound);
        Assert.Empty(missingJson.Output);
        var error = JsonNode.Parse(missingJson.Error)!["error"]!;
        Assert.Equal(404, error["status"]!.GetValue<int>());
        Assert.Equal(40404, error["code"]!.GetValue<int>());
        Assert.NotNull(error["trace_id"]);

        var reader = await fixture.CreateChildAsync(session.Org, "user", "read");
        var readOnly = session with { Org = reader };
        var refused = await readOnly.RunAsync("keys", "create", "--name", "x", "--permission", "admin");
        refused.AssertExit(ExitCodes.Refused);
        Assert.DoesNotContain(reader.Key, refused.Error, StringComparison.Ordinal);
        (await (session with { Org = reader with { Key = "lt_revoked" } }).RunAsync("whoami")).AssertExit(ExitCodes.Refused);

        var closedPort = session with { Url = $"http://127.0.0.1:{ClosedPort()}/api/v1" };
        var unavailable = await closedPort.RunAsync("whoami");
        unavailable.AssertExit(ExitCodes.Unavailable);
        Assert.StartsWith("error:", unavailable.Error, StringComparison.Ordinal);
        // Throttled still after the client's retries.
        var throttled = await (session with { Transport = () => new RequestCounter { ThrottleFirst = 100 } }).RunAsync("whoami");
        throttled.AssertExit(ExitCodes.Unavailable);
        Assert.Contains("HTTP 429", throttled.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_shows_bytes_rate_and_time_left_at_a_terminal_and_nothing_elsewhere()
    {
        var session = await SessionAsync();
        var path = WriteFile("photo.jpg", RandomNumberGenerator.GetBytes(3 * 1024 * 1024));

        var terminal = new TestConsole().Interactive().EmitAnsiSequences().Width(160);
        var shown = await session.RunAsync(terminal, "encode", path);
        shown.AssertExit(ExitCodes.Ok);
        Assert.Contains("Encoding photo.jpg", shown.Error, StringComparison.Ordinal);
        Assert.Contains("100%", shown.Error, StringComparison.Ordinal);
        Assert.Contains("3.0 MiB", shown.Error, StringComparison.Ordinal);
        Assert.Matches(@"\d\d:\d\d:\d\d", shown.Error);
        Assert.Contains("photo.jpg", shown.Output, StringComparison.Ordinal);

        var id = (await session.RunAsync("ls", "--json")).Json[0]!["id"]!.GetValue<string>();
        var target = Path.Combine(_directory, "back.jpg");
        var decoded = await session.RunAsync(new TestConsole().Interactive().EmitAnsiSequences().Width(160), "decode", id, "photo.jpg", "-o", target);
        decoded.AssertExit(ExitCodes.Ok);
        Assert.Contains("Decoding photo.jpg", decoded.Error, StringComparison.Ordinal);
        Assert.Contains("100%", decoded.Error, StringComparison.Ordinal);

        // A wait of unknown length: a spinner.
        var listing = await session.RunAsync(new TestConsole().Interactive().EmitAnsiSequences().Width(160), "ls");
        Assert.Contains("Listing containers", listing.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Listing containers", (await session.RunAsync("ls")).Error, StringComparison.Ordinal);

        // Not a terminal (a pipe, a file, CI), or --json at one: no progress, no escape sequences.
        var piped = await session.RunAsync("encode", path);
        piped.AssertExit(ExitCodes.Ok);
        Assert.Empty(piped.Error);
        Assert.DoesNotContain('\u001b', piped.Output);
        var json = await session.RunAsync(new TestConsole().Interactive().EmitAnsiSequences(), "encode", path, "--json");
        Assert.Empty(json.Error);
        Assert.NotNull(json.Json["container"]);
    }

    [Fact]
    public async Task An_encode_interrupted_mid_way_resumes_when_the_same_command_runs_again_sending_only_the_missing_parts()
    {
        var session = await SessionAsync(await fixture.StartInstanceAsync(overrides: UploadClient.SmallParts));
        var content = RandomNumberGenerator.GetBytes((3 * UploadClient.PartBytes) + 4321);
        var path = WriteFile("video.mp4", content);
        using var stop = new CancellationTokenSource();
        // Ctrl+C once two of the four parts arrived.
        var requests = new UploadRequests { Interrupt = (2, stop) };
        var counted = session with { Transport = requests.Handler };
        string[] command = ["encode", path, "--name", "Video", "--tag", "raw"];

        var interrupted = await counted.RunAsync(stop.Token, command);
        interrupted.AssertExit(ExitCodes.Interrupted);
        Assert.Contains("run the same command again", interrupted.Error, StringComparison.Ordinal);
        Assert.Equal(2, requests.PartsSent);
        var uploads = Path.Combine(session.ConfigDirectory, "uploads");
        Assert.Single(Directory.GetFiles(uploads));

        var terminal = new TestConsole().Interactive().EmitAnsiSequences().Width(160);
        var resumed = await counted.RunAsync(terminal, "encode", path, "--name", "Video", "--tag", "raw");
        resumed.AssertExit(ExitCodes.Ok);
        Assert.Contains("Resuming", resumed.Error, StringComparison.Ordinal);
        Assert.Contains("100%", resumed.Error, StringComparison.Ordinal);
        Assert.Equal(4, requests.PartsSent);
        Assert.Equal(1, requests.SessionsStarted);
        Assert.Empty(Directory.GetFiles(uploads));
        var container = (await session.RunAsync("ls", "--json")).Json.AsArray().Single()!;
        var id = container["id"]!.GetValue<string>();
        Assert.Equal(["raw"], container["tags"]!.AsArray().Select(t => t!.GetValue<string>()));

        var target = Path.Combine(_directory, "back.mp4");
        (await session.RunAsync("decode", id, "video.mp4", "-o", target)).AssertExit(ExitCodes.Ok);
        Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(target)));
    }

    [Fact]
    public async Task An_interrupted_encode_is_not_resumed_by_a_different_command()
    {
        var session = await SessionAsync(await fixture.StartInstanceAsync(overrides: UploadClient.SmallParts));
        var path = WriteFile("video.mp4", RandomNumberGenerator.GetBytes((2 * UploadClient.PartBytes) + 1));
        using var stop = new CancellationTokenSource();
        var requests = new UploadRequests { Interrupt = (1, stop) };
        var counted = session with { Transport = requests.Handler };
        (await counted.RunAsync(stop.Token, "encode", path, "--name", "Video")).AssertExit(ExitCodes.Interrupted);

        // Another name: another container, so another session, and the first one stays resumable.
        var other = await counted.RunAsync("encode", path, "--name", "Another", "--json");
        other.AssertExit(ExitCodes.Ok);
        Assert.Equal(2, requests.SessionsStarted);
        Assert.Equal("Another", other.Json["container"]!["name"]!.GetValue<string>());
        Assert.Single(Directory.GetFiles(Path.Combine(session.ConfigDirectory, "uploads")));
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A run of the CLI against the DevHost as one org: its credentials in a made-up environment (never
/// the user's), its configuration directory a temporary one, its client's transport swappable.
/// </summary>
public sealed record CliSession(ApiClient Api, TestOrg Org, string ConfigDirectory)
{
    public string Url { get; init; } = Api.Http.BaseAddress!.ToString().TrimEnd('/');

    /// <summary>Null: the org's credentials and the configuration directory.</summary>
    public Dictionary<string, string?>? Environment { get; init; }

    public Func<HttpMessageHandler>? Transport { get; init; }

    public IReadOnlyDictionary<string, string?> Variables => Environment ?? new()
    {
        ["API_URL"] = Url,
        ["ORG_ID"] = Org.Id,
        ["API_KEY"] = Org.Key,
        [CliHost.ConfigDirectoryVariable] = ConfigDirectory,
    };

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(new TestConsole(), CancellationToken.None, args);

    public Task<CliResult> RunAsync(CancellationToken cancellationToken, params string[] args) => RunAsync(new TestConsole(), cancellationToken, args);

    public Task<CliResult> RunAsync(TestConsole error, params string[] args) => RunAsync(error, CancellationToken.None, args);

    /// <summary>Runs a command line with <paramref name="error"/> as stderr (a terminal or not) and a stdout that is not a terminal.</summary>
    public async Task<CliResult> RunAsync(TestConsole error, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new TestConsole().Width(200);
        var variables = Variables;
        var host = new CliHost(output, error, name => variables.GetValueOrDefault(name), credentials => new LockteraClient(credentials, new LockteraClientOptions
        {
            SingleRequestLimit = 1024 * 1024,
            UploadParallelism = 1,
            RetryDelay = TimeSpan.FromMilliseconds(50),
            Transport = Transport?.Invoke(),
        }));
        var code = await new CliApp(host).RunAsync(args, cancellationToken);
        var result = new CliResult(code, output.Output, error.Output);
        error.Dispose();
        return result;
    }
}

public sealed record CliResult(int Code, string Output, string Error)
{
    /// <summary>Asserts the exit code, showing what the command printed when it differs.</summary>
    public void AssertExit(int expected) => Assert.True(Code == expected, $"exit code {Code}, expected {expected}\nstdout: {Output}\nstderr: {Error}");

    public JsonNode Json => JsonNode.Parse(Output) ?? throw new InvalidOperationException("No JSON on stdout.");
}

/// <summary>
/// Counts the upload session requests of every run of a test (each run's client gets a handler of
/// its own, disposed with it), and presses Ctrl+C (<see cref="Interrupt"/>) once so many parts arrived.
/// </summary>
public sealed class UploadRequests
{
    private int _parts;
    private int _sessions;

    public int PartsSent => Volatile.Read(ref _parts);

    public int SessionsStarted => Volatile.Read(ref _sessions);

    public (int AfterParts, CancellationTokenSource Stop)? Interrupt { get; set; }

    public HttpMessageHandler Handler() => new Counting(this);

    private sealed class Counting(UploadRequests counts) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post && path.EndsWith("/upload_sessions", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref counts._sessions);
            }
            if (request.Method == HttpMethod.Put && path.Contains("/upload_sessions/", StringComparison.Ordinal)
                && Interlocked.Increment(ref counts._parts) == counts.Interrupt?.AfterParts)
            {
                await counts.Interrupt.Value.Stop.CancelAsync();
            }
            return response;
        }
    }
}

/// <summary>Signals every answered look at a container's events (what <c>events --follow</c> does again and again).</summary>
public sealed class EventLooks : IDisposable
{
    private readonly SemaphoreSlim _answered = new(0);
    private int _looks;

    public HttpMessageHandler Handler() => new Watching(this);

    public void Dispose() => _answered.Dispose();

    /// <summary>Returns once <paramref name="more"/> looks were answered after this call.</summary>
    public async Task WaitForMoreAsync(int more)
    {
        var target = Volatile.Read(ref _looks) + more;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref _looks) < target)
        {
            await _answered.WaitAsync(timeout.Token);
        }
    }

    private sealed class Watching(EventLooks looks) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/events", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref looks._looks);
                looks._answered.Release();
            }
            return response;
        }
    }
}
