using System.Net;
using System.Net.Sockets;

namespace Locktera.Functions.Tests.Integration;

public class StorageOutageTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Unreachable_storage_is_503_with_retry_after_and_status_reports_the_outage()
    {
        var deadPort = FreePort();
        var broken = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{deadPort}/devstoreaccount1;";
        var api = await fixture.StartInstanceAsync(broken);

        var response = await api.GetAsync($"orgs/{Guid.NewGuid()}", ApiFixture.OperatorKey);
        response.AssertProblem(503, 50301);
        Assert.NotNull(response.Header("Retry-After"));

        var status = (await api.GetAsync("service_status", null)).AssertStatus(200).Json!;
        Assert.Equal("Major Outage", status["status"]!.GetValue<string>());
        Assert.Equal("Major Outage", status["services"]!["tables"]!.GetValue<string>());
        Assert.Equal("Operational", status["services"]!["api"]!.GetValue<string>());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
