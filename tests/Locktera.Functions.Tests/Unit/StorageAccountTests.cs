using System.Net;
using Azure;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// The storage connection as a deployment configures it: every request the clients would send is
/// answered here, so the test sees where each goes and how it is authorized, without a network.
/// Alone in its collection: it sets the process's managed identity variables for a moment.
/// </summary>
[Collection(nameof(StorageAccountTests))]
public class StorageAccountTests
{
    private const string ClientId = "0b0e8e44-1c1f-4b8e-9d59-1f3a4e2b7c61";

    [Fact]
    public async Task The_identity_form_reaches_the_configured_services_with_the_user_assigned_identity_even_beside_a_connection_string()
    {
        var recorder = new Recorder();
        var account = FromSettings(recorder, new()
        {
            // A connection string left behind must not win over the identity the deployment set up.
            ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=https;AccountName=stold;AccountKey={Convert.ToBase64String(new byte[64])};EndpointSuffix=core.windows.net",
            ["AzureWebJobsStorage__tableServiceUri"] = "https://stexample.table.core.windows.net/",
            ["AzureWebJobsStorage__blobServiceUri"] = "https://stexample.blob.core.windows.net/",
            ["AzureWebJobsStorage__queueServiceUri"] = "https://stexample.queue.core.windows.net/",
            ["AzureWebJobsStorage__credential"] = "managedidentity",
            ["AzureWebJobsStorage__clientId"] = ClientId,
        });

        Assert.Equal(new Uri("https://stexample.table.core.windows.net/"), account.TableService.Uri);
        Assert.Equal(new Uri("https://stexample.blob.core.windows.net/"), account.BlobService.Uri);
        Assert.Equal(new Uri("https://stexample.queue.core.windows.net/"), account.QueueService.Uri);
        // What Azure Functions gives a process with a managed identity: its token endpoint.
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", Recorder.IdentityEndpoint);
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", "identity-header");
        try
        {
            await Touch(account);
        }
        finally
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", null);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", null);
        }

        // The token comes from that endpoint, asked for this identity by its client id.
        var token = Assert.Single(recorder.Requests, r => r.Uri.AbsoluteUri.StartsWith(Recorder.IdentityEndpoint, StringComparison.Ordinal));
        Assert.Contains($"client_id={ClientId}", token.Uri.Query, StringComparison.Ordinal);
        var storage = recorder.Requests.Where(r => r != token).ToList();
        Assert.Contains(storage, r => r.Uri.Host == "stexample.table.core.windows.net");
        Assert.Contains(storage, r => r.Uri.Host == "stexample.blob.core.windows.net");
        Assert.Contains(storage, r => r.Uri.Host == "stexample.queue.core.windows.net");
        Assert.All(storage, r => Assert.Equal("Bearer " + Recorder.Token, r.Authorization));
    }

    [Fact]
    public async Task A_connection_string_signs_with_the_account_key_and_asks_no_identity()
    {
        var recorder = new Recorder();
        var key = Convert.ToBase64String(new byte[64]);
        var account = FromSettings(recorder, new()
        {
            ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=https;AccountName=stlocal;AccountKey={key};EndpointSuffix=core.windows.net",
        });

        await Touch(account);

        Assert.Contains(recorder.Requests, r => r.Uri.Host == "stlocal.table.core.windows.net");
        Assert.Contains(recorder.Requests, r => r.Uri.Host == "stlocal.blob.core.windows.net");
        Assert.Contains(recorder.Requests, r => r.Uri.Host == "stlocal.queue.core.windows.net");
        Assert.All(recorder.Requests, r => Assert.Matches("^SharedKey(Lite)? stlocal:", r.Authorization));
    }

    [Fact]
    public void Without_either_form_start_up_fails_naming_the_settings()
    {
        var e = Assert.Throws<InvalidOperationException>(() => FromSettings(new Recorder(), new() { ["AzureWebJobsStorage__tableServiceUri"] = "https://stexample.table.core.windows.net/" }));
        Assert.Contains("AzureWebJobsStorage__blobServiceUri", e.Message, StringComparison.Ordinal);
        Assert.Contains("AzureWebJobsStorage__queueServiceUri", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The identity form names every service or none: a deployment without the queue's URI fails at
    /// start-up, not at its first enqueue.
    /// </summary>
    [Fact]
    public void The_identity_form_without_the_queue_service_fails_start_up_naming_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() => FromSettings(new Recorder(), new()
        {
            ["AzureWebJobsStorage__tableServiceUri"] = "https://stexample.table.core.windows.net/",
            ["AzureWebJobsStorage__blobServiceUri"] = "https://stexample.blob.core.windows.net/",
        }));
        Assert.Contains("AzureWebJobsStorage__queueServiceUri", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Messages go out in base64, which is what the Functions queue trigger decodes by default: a message
    /// the API sends is one the host's trigger reads, whatever its characters.
    /// </summary>
    [Fact]
    public async Task Queue_messages_are_sent_in_base64_as_the_queue_trigger_reads_them()
    {
        var recorder = new Recorder();
        var account = FromSettings(recorder, new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });
        const string text = "{\"type\":\"container.access\",\"note\":\"héllo ✓ <&>\"}";

        await Assert.ThrowsAsync<RequestFailedException>(() => account.QueueService.GetQueueClient("webhooks").SendMessageAsync(text));

        var sent = Assert.Single(recorder.Requests, r => r.Uri.AbsolutePath.EndsWith("/webhooks/messages", StringComparison.Ordinal));
        Assert.Contains($"<MessageText>{Convert.ToBase64String(Encoding.UTF8.GetBytes(text))}</MessageText>", sent.Body, StringComparison.Ordinal);
    }

    private static StorageAccount FromSettings(Recorder recorder, Dictionary<string, string?> settings)
    {
        // Environment variables name sections with "__"; in-memory configuration uses ":".
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => s.Value))
            .Build();
        return StorageAccount.FromConfiguration(configuration, LockteraServices.StorageConnection, new TableNames("lt"), new HttpClientTransport(recorder));
    }

    /// <summary>One table read, one blob read and one queue read; the recorder answers each 404.</summary>
    private static async Task Touch(StorageAccount account)
    {
        await Assert.ThrowsAsync<RequestFailedException>(() => account.TableService.GetTableClient("ltorgs").GetEntityAsync<TableEntity>("p", "r"));
        await Assert.ThrowsAsync<RequestFailedException>(() => account.BlobService.GetBlobContainerClient("ltcontent").GetPropertiesAsync());
        await Assert.ThrowsAsync<RequestFailedException>(() => account.QueueService.GetQueueClient("webhooks").GetPropertiesAsync());
    }

    private sealed record Request(Uri Uri, string? Authorization, string? Body);

    /// <summary>Answers the managed identity endpoint with a token and everything else with 404.</summary>
    private sealed class Recorder : HttpMessageHandler
    {
        public const string IdentityEndpoint = "http://127.0.0.1:8081/msi/token";
        public const string Token = "token-from-the-managed-identity";

        public List<Request> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (Requests)
            {
                Requests.Add(new Request(request.RequestUri!, request.Headers.Authorization?.ToString(), content));
            }
            if (request.RequestUri!.AbsoluteUri.StartsWith(IdentityEndpoint, StringComparison.Ordinal))
            {
                var expires = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
                var body = $$"""{"access_token":"{{Token}}","expires_on":"{{expires}}","resource":"https://storage.azure.com","token_type":"Bearer","client_id":"{{ClientId}}"}""";
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            }
            return new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("") };
        }
    }
}

[CollectionDefinition(nameof(StorageAccountTests), DisableParallelization = true)]
public sealed class StorageAccountTestsCollection;
