using System.Net;
using Locktera.Client;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// URLs the client follows come from answers (a listing's <c>Link</c>, an upload session's endpoints):
/// one that names another origin never receives the API key.
/// </summary>
public class ClientUntrustedAnswerTests
{
    private sealed class Recorder : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("[]", Encoding.UTF8, "application/json") };
            if (Requests.Count == 1)
            {
                response.Headers.TryAddWithoutValidation("Link", "<https://elsewhere.example/api/v1/orgs/o/events?cursor=x>; rel=\"next\"");
            }
            return Task.FromResult(response);
        }
    }

    [Fact]
    public async Task A_next_page_on_another_origin_is_refused_before_the_key_is_sent()
    {
        var recorder = new Recorder();
        using var client = new LockteraClient(new LockteraCredentials(new Uri("https://api.example/api/v1/"), "o", "lt_key"), new LockteraClientOptions { Transport = recorder });

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in client.Events.ListAsync())
            {
            }
        });

        Assert.All(recorder.Requests, r => Assert.Equal("api.example", r.RequestUri!.Host));
        Assert.Single(recorder.Requests);
    }

    /// <summary>A server (or proxy) that ignores Range answers every byte with 200.</summary>
    private sealed class IgnoresRange : HttpMessageHandler
    {
        public bool BodyRead { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new WholeFile(this) });

        private sealed class WholeFile(IgnoresRange server) : HttpContent
        {
            protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            {
                server.BodyRead = true;
                return stream.WriteAsync(new byte[64 * 1024]).AsTask();
            }

            protected override bool TryComputeLength(out long length)
            {
                length = 4L * 1024 * 1024 * 1024;
                return true;
            }
        }
    }

    [Fact]
    public async Task A_seekable_stream_refuses_an_answer_that_ignored_its_range_without_reading_it()
    {
        var server = new IgnoresRange();
        using var client = new LockteraClient(new LockteraCredentials(new Uri("https://api.example/api/v1/"), "o", "lt_key"), new LockteraClientOptions { Transport = server });

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.Containers.OpenReadAsync(Guid.NewGuid(), "video.mp4"));
        Assert.False(server.BodyRead);
    }
}
