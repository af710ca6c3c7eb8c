using System.Net;
using System.Security.Cryptography;
using Locktera.Client;
using EncodeFile = Locktera.Client.EncodeFile;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The .NET client library (src/Locktera.Client) against the DevHost over real HTTP: credentials,
/// errors, retries, paging, encodes in one request and in resumable parallel parts, seekable
/// decoded files and resumable downloads.
/// </summary>
public class ClientLibraryTests(ApiFixture fixture) : IClassFixture<ApiFixture>, IDisposable
{
    private static readonly byte[] Large = RandomNumberGenerator.GetBytes((12 * 1024 * 1024) + 321);

    private readonly string _directory = Directory.CreateTempSubdirectory("locktera-client-").FullName;

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>A client of a new org on an instance with 5 MiB parts, its requests counted by <paramref name="counter"/>.</summary>
    private async Task<LockteraClient> ClientAsync(RequestCounter? counter = null, LockteraClientOptions? options = null)
    {
        var api = await fixture.StartInstanceAsync(overrides: UploadClient.SmallParts);
        var org = await fixture.CreateRootOrgAsync();
        options ??= new LockteraClientOptions();
        options.SingleRequestLimit = 1024 * 1024;
        options.RetryDelay = TimeSpan.FromMilliseconds(50);
        options.Transport = counter ?? new RequestCounter();
        return new LockteraClient(new LockteraCredentials(api.Http.BaseAddress!, org.Id, org.Key), options);
    }

    [Fact]
    public void Credentials_come_from_the_environment_then_the_named_env_file_then_the_login_file()
    {
        var named = Path.Combine(_directory, "named.env");
        new LockteraCredentials(new Uri("http://named.example/api/v1"), "org-named", "key-named").Save(named);
        // What Save writes only its user can read.
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(named));
        }
        var environment = new Dictionary<string, string?> { ["LOCKTERA_ENV_FILE"] = named };
        Assert.Equal("org-named", LockteraCredentials.Resolve(environment.GetValueOrDefault).OrgId);
        environment["API_URL"] = "http://env.example/api/v1";
        environment["ORG_ID"] = "org-env";
        environment["API_KEY"] = "key-env";
        Assert.Equal("org-env", LockteraCredentials.Resolve(environment.GetValueOrDefault).OrgId);
        // An env file may quote, comment and space its lines, as shells allow.
        File.WriteAllText(named, "# demo\nAPI_URL = \"http://quoted.example/api/v1\"\nORG_ID='org-q'\nAPI_KEY=k\n");
        Assert.Equal(new Uri("http://quoted.example/api/v1"), LockteraCredentials.Read(named)!.ApiUrl);
        // No credentials' text shows the key.
        Assert.DoesNotContain("key-env", LockteraCredentials.Resolve(environment.GetValueOrDefault).ToString(), StringComparison.Ordinal);
        Assert.Throws<LockteraConfigurationException>(() => LockteraCredentials.Resolve(new Dictionary<string, string?> { ["LOCKTERA_ENV_FILE"] = Path.Combine(_directory, "none") }.GetValueOrDefault));
    }

    [Fact]
    public async Task Errors_carry_the_problem_and_throttled_calls_are_retried()
    {
        var counter = new RequestCounter { ThrottleFirst = 2 };
        using var client = await ClientAsync(counter);
        var me = await client.Orgs.GetMeAsync();
        Assert.Equal(client.Credentials.OrgId, me.Id.ToString());
        Assert.Equal(3, counter.Sent);

        var missing = await Assert.ThrowsAsync<LockteraException>(() => client.Containers.GetAsync(Guid.NewGuid()));
        Assert.Equal(404, missing.Status);
        Assert.Equal(40404, missing.Code);
        Assert.NotNull(missing.TraceId);
        var bad = await Assert.ThrowsAsync<LockteraException>(() => client.ApiKeys.CreateAsync(new NewApiKey("", ["fly"])));
        Assert.Equal(400, bad.Status);
        Assert.Contains("permissions[0]", bad.Fields.Keys);
        // Only 429 and 503 are retried: the 404 and the 400 were sent once each.
        Assert.Equal(5, counter.Sent);
        // A request whose files stream from disk cannot be sent again: its 429 is the caller's.
        counter.ThrottleFirst = 1;
        var path = Path.Combine(_directory, "a.txt");
        await File.WriteAllTextAsync(path, "a");
        var throttled = await Assert.ThrowsAsync<LockteraException>(() => client.Containers.EncodeAsync([EncodeFile.FromPath(path)]));
        Assert.Equal(429, throttled.Status);
        Assert.Equal(6, counter.Sent);
    }

    [Fact]
    public async Task Small_containers_go_in_one_request_with_types_from_their_names_and_list_by_page()
    {
        var counter = new RequestCounter();
        using var client = await ClientAsync(counter);
        var progress = new List<TransferProgress>();
        var encoded = await client.Containers.EncodeAsync(
            [EncodeFile.FromBytes("report.pdf", Encoding.UTF8.GetBytes("%PDF-1.7 ...")), EncodeFile.FromBytes("notes.bin", [1, 2, 3], "application/x-notes")],
            new EncodeOptions(Name: "Board pack", Tags: ["board"], Downloadable: true), new SynchronousProgress(progress.Add));
        Assert.Equal("application/pdf", encoded.Files["report.pdf"].Type);
        Assert.Equal("application/x-notes", encoded.Files["notes.bin"].Type);
        Assert.Equal(["board"], encoded.Container.Tags);
        Assert.Equal(15, progress[^1].Bytes);
        Assert.Equal(1, counter.Count(HttpMethod.Post, "/containers/encode"));

        for (var i = 0; i < 3; i++)
        {
            await client.Containers.EncodeAsync([EncodeFile.FromBytes($"f{i}.txt", [(byte)i])]);
        }
        var listed = await client.Containers.ListAsync().ToListAsync();
        Assert.Equal(4, listed.Count);
        Assert.Contains(listed, c => c.Id == encoded.Container.Id);
        Assert.Equal("Board pack", (await client.Containers.GetAsync(encoded.Container.Id)).Name);
    }

    [Fact]
    public async Task A_300_MiB_encode_interrupted_half_way_resumes_with_only_the_missing_parts()
    {
        const int Parts = 60;
        var counter = new RequestCounter();
        using var client = await ClientAsync(counter, new LockteraClientOptions { UploadParallelism = 1 });
        var path = Path.Combine(_directory, "video.mp4");
        var sha256 = await WriteRandomFileAsync(path, Parts * (long)UploadClient.PartBytes);
        var files = new[] { EncodeFile.FromPath(path), EncodeFile.FromBytes("empty.txt", []) };

        // Interrupted once half the parts arrived; the session's URL was kept.
        using var stop = new CancellationTokenSource();
        var resume = new UploadResume();
        resume.SessionStarted = url => resume.SessionUrl = url;
        var interrupted = new SynchronousProgress(p =>
        {
            if (p.Bytes >= Parts / 2 * (long)UploadClient.PartBytes)
            {
                stop.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Containers.EncodeAsync(files, new EncodeOptions(Name: "Video"), interrupted, resume, stop.Token));
        Assert.NotNull(resume.SessionUrl);
        Assert.Equal(Parts / 2, counter.Count(HttpMethod.Put, "/upload_sessions/"));

        // A new client (a restarted process), four parts at a time, carries the session on.
        var progress = new List<TransferProgress>();
        using var again = new LockteraClient(client.Credentials, new LockteraClientOptions { Transport = counter, SingleRequestLimit = 1024 });
        var encoded = await again.Containers.EncodeAsync(files, new EncodeOptions(Name: "Video"), new SynchronousProgress(p => { lock (progress) { progress.Add(p); } }),
            new UploadResume { SessionUrl = resume.SessionUrl });
        Assert.Equal(Parts, counter.Count(HttpMethod.Put, "/upload_sessions/"));
        Assert.Equal(new TransferProgress(Parts * (long)UploadClient.PartBytes, Parts * (long)UploadClient.PartBytes), progress.MaxBy(p => p.Bytes));
        Assert.Equal("video/mp4", encoded.Files["video.mp4"].Type);
        Assert.Equal(encoded.Container.Id, (await client.Containers.FindByDigestAsync(encoded.Container.PartsSha256!)).Id);

        var back = Path.Combine(_directory, "back.mp4");
        await client.Containers.DownloadToAsync(encoded.Container.Id, "video.mp4", back);
        await using var read = File.OpenRead(back);
        Assert.Equal(sha256, await SHA256.HashDataAsync(read));
    }

    /// <summary>Writes <paramref name="length"/> random bytes to <paramref name="path"/>, a MiB at a time; their SHA-256.</summary>
    private static async Task<byte[]> WriteRandomFileAsync(string path, long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = File.Create(path);
        var chunk = new byte[1024 * 1024];
        for (var written = 0L; written < length; written += chunk.Length)
        {
            RandomNumberGenerator.Fill(chunk);
            hash.AppendData(chunk);
            await file.WriteAsync(chunk);
        }
        return hash.GetHashAndReset();
    }

    [Fact]
    public async Task A_decoded_file_is_a_seekable_stream_that_reads_only_what_is_asked()
    {
        var counter = new RequestCounter();
        using var client = await ClientAsync(counter);
        var encoded = await client.Containers.EncodeAsync([EncodeFile.FromBytes("big.bin", Large)]);
        var received = counter.BytesReceived;
        await using var stream = await client.Containers.OpenReadAsync(encoded.Container.Id, "big.bin");
        Assert.True(stream.CanSeek);
        Assert.Equal(Large.Length, stream.Length);
        var buffer = new byte[1000];
        foreach (var at in new long[] { 10_000_000, 5, Large.Length - 1000, 7_654_321, 0 })
        {
            stream.Position = at;
            await stream.ReadExactlyAsync(buffer);
            Assert.True(Large.AsSpan((int)at, 1000).SequenceEqual(buffer), $"bytes at {at}");
        }
        // Five reads of a thousand bytes fetched a few 64 KiB windows, not the 12 MiB file.
        Assert.InRange(counter.BytesReceived - received, 5000, 6 * 64 * 1024 + 10_000);
        stream.Seek(-10, SeekOrigin.End);
        Assert.Equal(10, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(buffer));

        var empty = await client.Containers.EncodeAsync([EncodeFile.FromBytes("empty.txt", [])]);
        await using var none = await client.Containers.OpenReadAsync(empty.Container.Id, "empty.txt");
        Assert.Equal(0, none.Length);
        Assert.Equal(0, await none.ReadAsync(buffer));
    }

    [Fact]
    public async Task A_download_that_stopped_resumes_where_it_stopped()
    {
        var counter = new RequestCounter();
        using var client = await ClientAsync(counter);
        var encoded = await client.Containers.EncodeAsync([EncodeFile.FromBytes("big.bin", Large)], new EncodeOptions(Password: "open sesame"));
        var path = Path.Combine(_directory, "big.bin");
        using (var stop = new CancellationTokenSource())
        {
            var stopping = new SynchronousProgress(p =>
            {
                if (p.Bytes > 4_000_000)
                {
                    stop.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Containers.DownloadToAsync(encoded.Container.Id, "big.bin", path, stopping, "open sesame", stop.Token));
        }
        Assert.False(File.Exists(path));
        var kept = new FileInfo(path + ".partial").Length;
        Assert.InRange(kept, 4_000_000, Large.Length - 1);

        var received = counter.BytesReceived;
        await client.Containers.DownloadToAsync(encoded.Container.Id, "big.bin", path, password: "open sesame");
        var downloaded = await File.ReadAllBytesAsync(path);
        Assert.True(Large.AsSpan().SequenceEqual(downloaded));
        Assert.InRange(counter.BytesReceived - received, Large.Length - kept, Large.Length - kept + 10_000);
        Assert.False(File.Exists(path + ".partial"));
        var wrong = await Assert.ThrowsAsync<LockteraException>(() => client.Containers.DownloadToAsync(encoded.Container.Id, "big.bin", path + "2", password: "guess"));
        Assert.Equal(40307, wrong.Code);
    }
}

/// <summary>Progress reported on the reporting thread (<see cref="Progress{T}"/> posts to the thread pool, too late for assertions).</summary>
public sealed class SynchronousProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
{
    public void Report(TransferProgress value) => report(value);
}

/// <summary>
/// The client's transport in these tests: counts what is sent and received, and answers the first
/// <see cref="ThrottleFirst"/> requests itself with a 429, as a throttling API would.
/// </summary>
public sealed class RequestCounter() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<(HttpMethod Method, string Path)> _sent = [];
    private long _received;

    public int ThrottleFirst { get; set; }

    public int Sent
    {
        get
        {
            lock (_sent)
            {
                return _sent.Count;
            }
        }
    }

    public long BytesReceived => Interlocked.Read(ref _received);

    public int Count(HttpMethod method, string pathPart)
    {
        lock (_sent)
        {
            return _sent.Count(s => s.Method == method && s.Path.Contains(pathPart, StringComparison.Ordinal));
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_sent)
        {
            _sent.Add((request.Method, request.RequestUri!.AbsolutePath));
        }
        if (ThrottleFirst > 0)
        {
            ThrottleFirst--;
            var throttled = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { RequestMessage = request };
            throttled.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
            return throttled;
        }
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Content.Headers.ContentLength is { } length)
        {
            Interlocked.Add(ref _received, length);
        }
        return response;
    }
}
