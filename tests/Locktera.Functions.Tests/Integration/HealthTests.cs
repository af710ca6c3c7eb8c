using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Locktera.Core.Content;
using Locktera.Core.Health;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Health snapshots and the checks of customers' own storage, against an Azurite of the test's own
/// that it stops and starts again.
/// </summary>
public sealed class HealthTests(ApiFixture fixture) : IClassFixture<ApiFixture>, IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "locktera-health-" + Guid.NewGuid().ToString("N"));
    private readonly int _blobPort = FreePort();
    private readonly int _tablePort = FreePort();
    private readonly int _queuePort = FreePort();
    private Process? _azurite;

    private string Connection =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_blobPort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_tablePort}/devstoreaccount1;";

    public Task InitializeAsync() => StartAzuriteAsync();

    public async Task DisposeAsync()
    {
        await StopAzuriteAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task The_snapshot_reports_a_stopped_storage_and_its_recovery_in_both_shapes()
    {
        var api = await fixture.StartInstanceAsync(Connection);
        var health = fixture.ServicesOf(api).GetRequiredService<StorageHealth>();

        var up = await health.SnapshotAsync(CancellationToken.None);
        await health.WriteAsync(up, CancellationToken.None);
        await AssertStatusAsync(api, "Operational", "up", up.Timestamp);

        await StopAzuriteAsync();
        var down = await health.SnapshotAsync(CancellationToken.None);
        Assert.Equal(ServiceState.MajorOutage, down.Services["tables"]);
        Assert.Equal(ServiceState.MajorOutage, down.Services["storage"]);
        Assert.Equal(ServiceState.Operational, down.Services["api"]);
        await AssertStatusAsync(api, "Major Outage", "down", down.Timestamp);

        await StartAzuriteAsync();
        var recovered = await health.SnapshotAsync(CancellationToken.None);
        await health.WriteAsync(recovered, CancellationToken.None);
        await AssertStatusAsync(api, "Operational", "up", recovered.Timestamp);
    }

    [Fact]
    public async Task An_orgs_own_storage_is_checked_and_the_finding_shown_on_its_configuration()
    {
        await new BlobServiceClient(Connection).GetBlobContainerClient("customer").CreateIfNotExistsAsync();
        var org = await fixture.CreateRootOrgAsync();
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/storage_config", org.Key,
            new JsonObject { ["type"] = "azure", ["container_name"] = "customer", ["connection_string"] = Connection })).AssertStatus(200);
        var unchecked_ = (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).AssertStatus(200).Json!;
        Assert.Null(unchecked_["last_check"]);
        var checks = fixture.Services.GetRequiredService<StorageConfigChecks>();

        await checks.RunAsync(CancellationToken.None);
        var healthy = (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).AssertStatus(200).Json!;
        Assert.True(healthy["healthy"]!.GetValue<bool>());
        Assert.Null(healthy["reason"]);
        Assert.EndsWith("Z", healthy["last_check"]!.GetValue<string>(), StringComparison.Ordinal);

        await StopAzuriteAsync();
        await checks.RunAsync(CancellationToken.None);
        var failing = (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).AssertStatus(200).Json!;
        Assert.False(failing["healthy"]!.GetValue<bool>());
        Assert.Equal("the endpoint could not be reached", failing["reason"]!.GetValue<string>());
        Assert.DoesNotContain(AccountKey, failing.ToJsonString(), StringComparison.Ordinal);

        await StartAzuriteAsync();
        await checks.RunAsync(CancellationToken.None);
        Assert.True((await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).Json!["healthy"]!.GetValue<bool>());
    }

    /// <summary>The status route answers from a snapshot at least as new as <paramref name="since"/>, in upstream's two shapes.</summary>
    private static async Task AssertStatusAsync(ApiClient api, string status, string upOrDown, DateTimeOffset since)
    {
        var body = (await api.GetAsync("service_status", null)).AssertStatus(200).Json!;
        Assert.Equal(status, body["status"]!.GetValue<string>());
        Assert.Equal(status, body["services"]!["tables"]!.GetValue<string>());
        Assert.Equal(status, body["services"]!["storage"]!.GetValue<string>());
        Assert.Equal("Operational", body["services"]!["api"]!.GetValue<string>());
        // The scheduled health timer may have taken a newer snapshot meanwhile, never an older one.
        Assert.True(DateTimeOffset.Parse(body["timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= since.AddMilliseconds(-1));
        Assert.Equal("up", body["api"]!.GetValue<string>());
        Assert.Equal(upOrDown, body["auth"]!.GetValue<string>());
        Assert.Equal(upOrDown, body["storage"]!.GetValue<string>());
    }

    /// <summary>Azurite from the project's pinned tools (scripts/lib.sh start_azurite), on this test's ports and data.</summary>
    private async Task StartAzuriteAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "tools", "node_modules", ".bin", "azurite"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--location", _data,
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", $"{_blobPort}", "--queuePort", $"{_queuePort}", "--tablePort", $"{_tablePort}",
        })
        {
            start.ArgumentList.Add(argument);
        }
        _azurite = Process.Start(start)!;
        foreach (var port in new[] { _blobPort, _tablePort })
        {
            await WaitForPortAsync(port);
        }
    }

    /// <summary>
    /// Stops Azurite as scripts/lib.sh does: TERM, on which it saves its data and closes its ports at
    /// once (its process may linger), then KILL.
    /// </summary>
    private async Task StopAzuriteAsync()
    {
        if (_azurite is { HasExited: false })
        {
            using (var term = Process.Start("kill", ["-TERM", _azurite.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            var deadline = DateTime.UtcNow.AddSeconds(3);
            while (await IsListeningAsync(_blobPort) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50); // real time: Azurite, a process of its own, is closing its ports
            }
            _azurite.Kill(entireProcessTree: true);
            await _azurite.WaitForExitAsync();
        }
        _azurite?.Dispose();
        _azurite = null;
    }

    private static async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await IsListeningAsync(port))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Azurite did not listen on port {port} within 30 s.");
            await Task.Delay(100); // real time: Azurite, a process of its own, is starting
        }
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Locktera.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("The repository root (Locktera.slnx) is not above the test assembly.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
