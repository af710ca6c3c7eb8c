using System.Diagnostics;
using Locktera.Functions.Tests.Unit;
using StandardWebhooks;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Webhooks end to end through real HTTP: subscriptions over the API, events queued on Azurite and
/// delivered by the DevHost's queue trigger to a local receiver, signatures checked with the
/// Standard Webhooks library (not with our own code), retries, disabling, rotation, redelivery, ping,
/// the URL policy and who may do what.
/// </summary>
public class WebhookTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    /// <summary>An instance of its own queue and a short retry schedule: two retries a second apart, disabled after two failed deliveries.</summary>
    private Task<ApiClient> InstanceAsync(string queue, IReadOnlyDictionary<string, string?>? more = null) => InstanceAsync(fixture, queue, more);

    internal static async Task<ApiClient> InstanceAsync(ApiFixture fixture, string queue, IReadOnlyDictionary<string, string?>? more = null, CapturedLogs? logs = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LockteraWebhookQueue"] = queue,
            ["Locktera:WebhookRetrySchedule"] = "1s,1s",
            ["Locktera:WebhookFailuresBeforeDisable"] = "2",
        };
        foreach (var (name, value) in more ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }
        return await fixture.StartInstanceAsync(overrides: settings, logs: logs);
    }

    internal static string NewQueue() => "wh" + Guid.NewGuid().ToString("N")[..20];

    internal static async Task<(string Id, string Secret)> SubscribeAsync(ApiClient api, TestOrg org, string url, params string[] events)
    {
        var created = (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks", org.Key,
            new JsonObject { ["url"] = url, ["events"] = new JsonArray([.. events.Select(e => JsonValue.Create(e))]) })).AssertStatus(201);
        return (created.Json!["id"]!.GetValue<string>(), created.Json["secret"]!.GetValue<string>());
    }

    internal static async Task<string> EncodeAsync(ApiClient api, TestOrg org) =>
        (await api.EncodeAsync(org, "{}", ("a.txt", [1, 2, 3], "text/plain"))).AssertStatus(201).Json!["container"]!["id"]!.GetValue<string>();

    /// <summary>Waits for the receiver to have <paramref name="count"/> requests (delivery is asynchronous).</summary>
    internal static async Task<IReadOnlyList<ReceivedWebhook>> ReceivedAsync(WebhookReceiver receiver, int count)
    {
        var watch = Stopwatch.StartNew();
        while (receiver.Received.Count < count && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50); // real time: the queue and the receiver run on their own
        }
        Assert.True(receiver.Received.Count >= count, $"expected {count} deliveries, got {receiver.Received.Count}");
        return receiver.Received;
    }

    /// <summary>Waits until the subscription's newest delivery has the status.</summary>
    internal static async Task<JsonNode> DeliveryAsync(ApiClient api, TestOrg org, string webhookId, string status)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var listed = (await api.GetAsync($"orgs/{org.Id}/webhooks/{webhookId}/deliveries", org.Key)).AssertStatus(200).Json!.AsArray();
            if (listed.FirstOrDefault() is { } newest && newest["status"]!.GetValue<string>() == status)
            {
                return newest;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"no delivery became {status}: {listed.ToJsonString()}");
            await Task.Delay(100); // real time: delivery is asynchronous
        }
    }

    /// <summary>
    /// Verifies a request as a receiver does, with the Standard Webhooks library; one signature of the
    /// header at a time when <paramref name="signature"/> is given (the library checks only the first).
    /// </summary>
    internal static void Verify(string secret, ReceivedWebhook request, string? signature = null) =>
        new StandardWebhook(secret).Verify(Encoding.UTF8.GetString(request.Body), new HeaderDictionary
        {
            ["webhook-id"] = request.Header("webhook-id"),
            ["webhook-timestamp"] = request.Header("webhook-timestamp"),
            ["webhook-signature"] = signature ?? request.Header("webhook-signature"),
        });

    [Fact]
    public async Task An_event_is_delivered_signed_with_the_feeds_shape_and_verifies_with_the_standard_library()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(204);
        var api = await InstanceAsync(NewQueue());
        var org = await fixture.CreateRootOrgAsync();
        var (_, secret) = await SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "container.*");

        var containerId = await EncodeAsync(api, org);

        var request = (await ReceivedAsync(receiver, 1))[0];
        Verify(secret, request);
        Assert.Equal("POST", request.Method);
        Assert.Equal("application/json", request.Header("content-type"));
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("container.create", body["type"]!.GetValue<string>());
        var feed = (await api.GetAsync($"orgs/{org.Id}/events?action=container.create", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.True(JsonNode.DeepEquals(feed[0], body["data"]), $"{feed[0]!.ToJsonString()} vs {body["data"]!.ToJsonString()}");
        Assert.Equal(containerId, body["data"]!["container_id"]!.GetValue<string>());
        Assert.Equal(feed[0]!["created_date"]!.GetValue<string>(), body["timestamp"]!.GetValue<string>());

        var delivery = await DeliveryAsync(api, org, (await api.GetAsync($"orgs/{org.Id}/webhooks", org.Key)).Json!.AsArray()[0]!["id"]!.GetValue<string>(), "succeeded");
        Assert.Equal(request.Header("webhook-id"), delivery["id"]!.GetValue<string>());
        Assert.Equal(204, delivery["attempts"]![0]!["status_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Neither_a_secret_nor_a_receivers_url_reaches_the_logs()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(500);
        var logs = new CapturedLogs();
        // Everything logged, the Azure SDK's and ASP.NET Core's own lines included.
        var api = await InstanceAsync(fixture, NewQueue(), new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace", ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace" }, logs);
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, secret) = await SubscribeAsync(api, org, receiver.Url("/hooks?token=receiver-token-123").AbsoluteUri, "*");
        var rotated = (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/rotate_secret", org.Key)).AssertStatus(200).Json!["secret"]!.GetValue<string>();

        await EncodeAsync(api, org);
        await DeliveryAsync(api, org, webhookId, "failed");

        Assert.Contains(logs.Lines, line => line.Contains(webhookId, StringComparison.Ordinal) || line.Contains("127.0.0.1", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(secret[6..], StringComparison.Ordinal) || line.Contains(rotated[6..], StringComparison.Ordinal)
            || line.Contains("receiver-token-123", StringComparison.Ordinal) || line.Contains("v1,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_queue_message_the_dispatcher_did_not_write_delivers_nothing_that_is_not_in_the_log()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(204);
        var queue = NewQueue();
        var api = await InstanceAsync(queue);
        var org = await fixture.CreateRootOrgAsync();
        var other = await fixture.CreateRootOrgAsync();
        var (webhookId, _) = await SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "*");
        await EncodeAsync(api, org);
        await EncodeAsync(api, other);
        await ReceivedAsync(receiver, 1);
        async Task<JsonNode> EventOf(TestOrg owner) => (await fixture.Api.GetAsync($"orgs/{owner.Id}/events", owner.Key)).Json!.AsArray()[0]!;
        var ours = await EventOf(org);
        var theirs = await EventOf(other);
        string Message(Guid delivery, JsonNode entry) => new JsonObject
        {
            ["Delivery"] = delivery.ToString(), ["Webhook"] = webhookId, ["Root"] = org.Id, ["Attempt"] = 0,
            ["Event"] = new JsonObject { ["OrgId"] = entry["org_id"]!.DeepClone(), ["CreatedDate"] = entry["created_date"]!.DeepClone(), ["Id"] = entry["id"]!.DeepClone() },
        }.ToJsonString();
        var storage = fixture.ServicesOf(api).GetRequiredService<StorageAccount>();

        // Someone who can write to the queue: another tenant's event for this subscription, this org's
        // event under another delivery id, an event that is not in the log, and bytes that are no message.
        await storage.SendMessageAsync(queue, Message(Core.Webhooks.WebhookDispatcher.DeliveryId(Guid.Parse(theirs["id"]!.GetValue<string>()), Guid.Parse(webhookId)), theirs), TimeSpan.Zero, CancellationToken.None);
        await storage.SendMessageAsync(queue, Message(Guid.CreateVersion7(), ours), TimeSpan.Zero, CancellationToken.None);
        var forged = ours.DeepClone();
        forged["id"] = Guid.CreateVersion7().ToString();
        await storage.SendMessageAsync(queue, Message(Core.Webhooks.WebhookDispatcher.DeliveryId(Guid.Parse(forged["id"]!.GetValue<string>()), Guid.Parse(webhookId)), forged), TimeSpan.Zero, CancellationToken.None);
        await storage.SendMessageAsync(queue, "not a message", TimeSpan.Zero, CancellationToken.None);
        (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/ping", org.Key)).AssertStatus(202);

        var received = await ReceivedAsync(receiver, 2);
        Assert.Equal(["container.create", "webhook.ping"], received.Select(r => JsonNode.Parse(r.Body)!["type"]!.GetValue<string>()));
        Assert.Equal(2, (await api.GetAsync($"orgs/{org.Id}/webhooks/{webhookId}/deliveries", org.Key)).Json!.AsArray().Count);
    }

    [Fact]
    public async Task A_subscription_row_altered_in_storage_is_ignored_and_breaks_nothing_else_of_its_tree()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(204);
        var api = await InstanceAsync(NewQueue());
        var org = await fixture.CreateRootOrgAsync();
        var (damagedId, _) = await SubscribeAsync(api, org, receiver.Url("/damaged").AbsoluteUri, "*");
        var (soundId, _) = await SubscribeAsync(api, org, receiver.Url("/sound").AbsoluteUri, "*");
        var table = await fixture.ServicesOf(api).GetRequiredService<StorageAccount>().TableAsync(fixture.StoragePrefix + "webhooks", CancellationToken.None);
        var row = (await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(org.Id, "s:" + damagedId)).Value;
        var sealedSecret = row.GetBinary("SealedSecret");
        sealedSecret[^1] ^= 1;
        row["SealedSecret"] = sealedSecret;
        await table.UpdateEntityAsync(row, row.ETag, Azure.Data.Tables.TableUpdateMode.Replace);
        fixture.Clock.Advance(RecentRows.Staleness + TimeSpan.FromSeconds(1));

        await EncodeAsync(api, org);

        var received = await ReceivedAsync(receiver, 1);
        Assert.Equal("/sound", received[0].PathAndQuery);
        Assert.Equal([soundId], (await api.GetAsync($"orgs/{org.Id}/webhooks", org.Key)).AssertStatus(200).Json!.AsArray().Select(w => w!["id"]!.GetValue<string>()));
        (await api.GetAsync($"orgs/{org.Id}/webhooks/{damagedId}", org.Key)).AssertProblem(404, 40408);
        (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{damagedId}/ping", org.Key)).AssertProblem(404, 40408);

        // A delivery row altered likewise drops out of its listing, and cannot be redelivered.
        var delivery = await DeliveryAsync(api, org, soundId, "succeeded");
        var deliveries = await fixture.ServicesOf(api).GetRequiredService<StorageAccount>().TableAsync(fixture.StoragePrefix + "webhookdeliveries", CancellationToken.None);
        var deliveryRow = (await deliveries.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == soundId).FirstAsync());
        deliveryRow["Status"] = "Nonsense";
        await deliveries.UpdateEntityAsync(deliveryRow, deliveryRow.ETag, Azure.Data.Tables.TableUpdateMode.Replace);
        Assert.Empty((await api.GetAsync($"orgs/{org.Id}/webhooks/{soundId}/deliveries", org.Key)).AssertStatus(200).Json!.AsArray());
        (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{soundId}/deliveries/{delivery["id"]!.GetValue<string>()}/redeliver", org.Key)).AssertProblem(404, 40409);
    }

    [Fact]
    public async Task A_subscription_gets_the_events_it_asked_for_of_its_subtree_only()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);
        var api = await InstanceAsync(NewQueue());
        var root = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(root, "group", "read", "write", "admin");
        var member = await fixture.CreateChildAsync(group, "user", "read", "write");
        var sibling = await fixture.CreateChildAsync(root, "user", "read", "write");
        await SubscribeAsync(api, group, receiver.Url().AbsoluteUri, "container.block");

        var inside = await EncodeAsync(api, member);
        var outside = await EncodeAsync(api, sibling);
        (await api.SendAsync(HttpMethod.Put, $"orgs/{sibling.Id}/containers/{outside}/block", sibling.Key)).AssertStatus(204);
        (await api.SendAsync(HttpMethod.Put, $"orgs/{member.Id}/containers/{inside}/block", member.Key)).AssertStatus(204);

        var request = (await ReceivedAsync(receiver, 1))[0];
        var data = JsonNode.Parse(request.Body)!["data"]!;
        Assert.Equal("container.block", data["action"]!.GetValue<string>());
        Assert.Equal(inside, data["container_id"]!.GetValue<string>());
        // The other events (creates, the sibling's block) were not for it; a ping after them arrives second.
        var webhookId = (await api.GetAsync($"orgs/{group.Id}/webhooks", group.Key)).Json!.AsArray()[0]!["id"]!.GetValue<string>();
        (await api.SendAsync(HttpMethod.Post, $"orgs/{group.Id}/webhooks/{webhookId}/ping", group.Key)).AssertStatus(202);
        var received = await ReceivedAsync(receiver, 2);
        Assert.Equal("webhook.ping", JsonNode.Parse(received[1].Body)!["type"]!.GetValue<string>());
        Assert.Equal(2, received.Count);
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_with_the_same_webhook_id_until_it_answers()
    {
        var answers = 0;
        await using var receiver = await WebhookReceiver.StartAsync(context =>
        {
            context.Response.StatusCode = Interlocked.Increment(ref answers) < 3 ? 500 : 200;
            return Task.CompletedTask;
        });
        var api = await InstanceAsync(NewQueue());
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, secret) = await SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "*");

        await EncodeAsync(api, org);

        var received = await ReceivedAsync(receiver, 3);
        Assert.Single(received.Select(r => r.Header("webhook-id")).Distinct());
        Assert.All(received, r => Verify(secret, r));
        var delivery = await DeliveryAsync(api, org, webhookId, "succeeded");
        Assert.Equal([500, 500, 200], delivery["attempts"]!.AsArray().Select(a => a!["status_code"]!.GetValue<int>()));
        Assert.Equal(3, delivery["attempt_count"]!.GetValue<int>());
    }

    /// <summary>A receiver that holds its first request unanswered until its client gives up, and answers 200 to the others.</summary>
    private static Task<WebhookReceiver> SlowFirstAsync()
    {
        var requests = 0;
        return WebhookReceiver.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var registration = context.RequestAborted.Register(gone.SetResult);
                await gone.Task;
                return;
            }
            context.Response.StatusCode = 200;
        });
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_is_retried()
    {
        await using var receiver = await SlowFirstAsync();
        var api = await InstanceAsync(NewQueue(), new Dictionary<string, string?> { ["Locktera:WebhookTimeoutSeconds"] = "1" });
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, _) = await SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "container.create");

        await EncodeAsync(api, org);

        var delivery = await DeliveryAsync(api, org, webhookId, "succeeded");
        var attempts = delivery["attempts"]!.AsArray();
        Assert.Equal("timeout", attempts[0]!["error"]!.GetValue<string>());
        Assert.Null(attempts[0]!["status_code"]);
        Assert.Equal(200, attempts[1]!["status_code"]!.GetValue<int>());
        Assert.Single(receiver.Received.Select(r => r.Header("webhook-id")).Distinct());
    }

    [Fact]
    public async Task A_delivery_an_instance_stopped_in_the_middle_of_is_made_by_another_after_the_message_comes_back()
    {
        await using var receiver = await SlowFirstAsync();
        var queue = NewQueue();
        var shortLease = new Dictionary<string, string?> { ["DevHost:QueueMessageLease"] = "00:00:02" };
        var first = await InstanceAsync(queue, shortLease);
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, _) = await SubscribeAsync(first, org, receiver.Url().AbsoluteUri, "container.create");
        await EncodeAsync(first, org);
        await ReceivedAsync(receiver, 1);

        // The first instance goes away while its attempt is under way; its claim on the attempt lapses.
        await fixture.StopInstanceAsync(first);
        fixture.Clock.Advance(Core.Webhooks.WebhookDeliverer.ClaimLease);
        var second = await InstanceAsync(queue, shortLease);

        var delivery = await DeliveryAsync(second, org, webhookId, "succeeded");
        var received = await ReceivedAsync(receiver, 2);
        Assert.Single(received.Select(r => r.Header("webhook-id")).Distinct());
        Assert.Equal(200, delivery["attempts"]!.AsArray().Last()!["status_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Deliveries_that_keep_failing_end_failed_and_disable_the_subscription_with_an_event()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(503);
        var api = await InstanceAsync(NewQueue());
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, _) = await SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "container.create");

        await EncodeAsync(api, org);
        await DeliveryAsync(api, org, webhookId, "failed");
        Assert.Equal(1, (await api.GetAsync($"orgs/{org.Id}/webhooks/{webhookId}", org.Key)).Json!["consecutive_failures"]!.GetValue<int>());
        await EncodeAsync(api, org);
        await ReceivedAsync(receiver, 6);
        // The subscription is disabled, and that recorded, before the delivery is written failed: once it
        // reads failed, both are there. (The subscription alone may read disabled a write before the event.)
        await DeliveryAsync(api, org, webhookId, "failed");
        var subscription = (await api.GetAsync($"orgs/{org.Id}/webhooks/{webhookId}", org.Key)).Json!;
        Assert.False(subscription["enabled"]!.GetValue<bool>());
        Assert.Equal("failing", subscription["disabled_reason"]!.GetValue<string>());
        var disable = (await api.GetAsync($"orgs/{org.Id}/events?action=webhook.disable", org.Key)).AssertStatus(200).Json!.AsArray().Single()!;
        Assert.Equal(webhookId, disable["detail"]!["webhook_id"]!.GetValue<string>());

        // Nothing more is sent to it; enabling it again starts afresh.
        await EncodeAsync(api, org);
        (await api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}/webhooks/{webhookId}", org.Key, new JsonObject { ["enabled"] = true })).AssertStatus(200);
        var enabled = (await api.GetAsync($"orgs/{org.Id}/webhooks/{webhookId}", org.Key)).Json!;
        Assert.Equal(0, enabled["consecutive_failures"]!.GetValue<int>());
        Assert.Null(enabled["disabled_reason"]);
        Assert.Equal(6, receiver.Received.Count);
    }

    [Fact]
    public async Task A_410_disables_the_subscription_at_once()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(410);
        var api = await InstanceAsync(NewQueue());
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, _) = await SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "container.create");

        await EncodeAsync(api, org);
        var delivery = await DeliveryAsync(api, org, webhookId, "failed");
        Assert.Equal(1, delivery["attempt_count"]!.GetValue<int>());
        var subscription = (await api.GetAsync($"orgs/{org.Id}/webhooks/{webhookId}", org.Key)).Json!;
        Assert.False(subscription["enabled"]!.GetValue<bool>());
        Assert.Equal("gone", subscription["disabled_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_delivery_can_be_sent_again_with_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);
        var api = await InstanceAsync(NewQueue());
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, secret) = await SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "webhook.ping");
        var ping = (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/ping", org.Key)).AssertStatus(202).Json!;
        var deliveryId = ping["id"]!.GetValue<string>();
        await DeliveryAsync(api, org, webhookId, "succeeded");

        (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", org.Key)).AssertStatus(202);

        var received = await ReceivedAsync(receiver, 2);
        Assert.Equal(deliveryId, received[1].Header("webhook-id"));
        Assert.Equal(received[0].Body, received[1].Body);
        Verify(secret, received[1]);
        var delivery = await DeliveryAsync(api, org, webhookId, "succeeded");
        Assert.Equal(2, delivery["attempt_count"]!.GetValue<int>());
        (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/deliveries/{Guid.NewGuid()}/redeliver", org.Key)).AssertProblem(404, 40409);
        (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/deliveries/not-an-id/redeliver", org.Key)).AssertProblem(404, 40409);
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[fd00:ec2::254]/")]
    [InlineData("https://user:password@example.com/hooks")]
    [InlineData("https://example.com/hooks#fragment")]
    [InlineData("ftp://example.com/hooks")]
    [InlineData("/relative/hooks")]
    [InlineData("https://no-such-host.invalid/hooks")]
    [InlineData("https://example.com/a\r\nX-Injected: yes")]
    public async Task Urls_the_service_may_not_call_are_refused(string url)
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks", org.Key, new JsonObject { ["url"] = url, ["events"] = new JsonArray("*") });
        Assert.Equal(400, response.Status);
        Assert.NotNull(response.Json!["fields"]!["url"]);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/webhooks", org.Key)).AssertStatus(200).Json!.AsArray());
    }

    [Theory]
    [InlineData("""{"url":"https://example.com/h"}""", "events")]
    [InlineData("""{"url":"https://example.com/h","events":[]}""", "events")]
    [InlineData("""{"url":"https://example.com/h","events":["container.*","container.*"]}""", "events")]
    [InlineData("""{"url":"https://example.com/h","events":["container/*"]}""", "events")]
    [InlineData("""{"url":"https://example.com/h","events":[".*"]}""", "events")]
    [InlineData("""{"events":["*"]}""", "url")]
    [InlineData("""{"url":"https://example.com/h","events":["*"],"secret":"whsec_mine"}""", "secret")]
    [InlineData("""{"url":"https://example.com/h","events":["*"],"description":"a\u202Eb"}""", "description")]
    public async Task Bad_subscriptions_are_400_naming_the_field(string body, string field)
    {
        var org = await fixture.CreateRootOrgAsync();
        var response = await fixture.Api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks", org.Key, body, "application/json");
        response.AssertProblem(400, 40001);
        Assert.NotNull(response.Json!["fields"]![field]);
    }

    [Fact]
    public async Task Only_admins_over_the_node_see_or_change_its_subscriptions()
    {
        var org = await fixture.CreateRootOrgAsync();
        var reader = await fixture.CreateChildAsync(org, "user", "read", "write");
        var other = await fixture.CreateRootOrgAsync();
        var created = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks", org.Key,
            new JsonObject { ["url"] = "http://127.0.0.1:9/hooks", ["events"] = new JsonArray("*") })).AssertStatus(201).Json!;
        var id = created["id"]!.GetValue<string>();
        Assert.StartsWith("whsec_", created["secret"]!.GetValue<string>(), StringComparison.Ordinal);

        (await fixture.Api.GetAsync($"orgs/{org.Id}/webhooks", reader.Key)).AssertProblem(403, 40301);
        (await fixture.Api.GetAsync($"orgs/{reader.Id}/webhooks/{id}", reader.Key)).AssertProblem(403, 40301);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/webhooks/{id}", other.Key)).AssertProblem(404, 40402);
        (await fixture.Api.GetAsync($"orgs/{other.Id}/webhooks/{id}", other.Key)).AssertProblem(404, 40408);
        (await fixture.Api.GetAsync($"users/{org.Id}/webhooks/{id}", org.Key)).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/webhooks/{id}", org.Key)).AssertStatus(204);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/webhooks/{id}", org.Key)).AssertProblem(404, 40408);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/webhooks/{id}", org.Key)).AssertProblem(404, 40408);
    }

    [Fact]
    public async Task A_node_has_at_most_the_configured_subscriptions_however_many_requests_race()
    {
        var api = await InstanceAsync(NewQueue(), new Dictionary<string, string?> { ["Locktera:MaxWebhooksPerOrg"] = "3" });
        var other = await InstanceAsync(NewQueue(), new Dictionary<string, string?> { ["Locktera:MaxWebhooksPerOrg"] = "3" });
        var org = await fixture.CreateRootOrgAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? api : other).SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks", org.Key,
            new JsonObject { ["url"] = $"http://127.0.0.1:9/hooks/{i}", ["events"] = new JsonArray("*") })));
        Assert.Equal(3, answers.Count(a => a.Status == 201));
        Assert.All(answers.Where(a => a.Status != 201), a => a.AssertProblem(429, 42903));
        Assert.Equal(3, (await api.GetAsync($"orgs/{org.Id}/webhooks", org.Key)).Json!.AsArray().Count);
    }
}

/// <summary>Rotation moves the clock a day ahead: a class of its own, so that no other test signs in the future.</summary>
public class WebhookRotationTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_rotated_secret_signs_beside_the_new_one_for_a_day_then_only_the_new_one_does()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);
        var api = await WebhookTests.InstanceAsync(fixture, WebhookTests.NewQueue());
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, old) = await WebhookTests.SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "webhook.ping");

        var rotated = (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/rotate_secret", org.Key)).AssertStatus(200).Json!;
        var secret = rotated["secret"]!.GetValue<string>();
        Assert.NotEqual(old, secret);
        Assert.Null((await api.GetAsync($"orgs/{org.Id}/webhooks/{webhookId}", org.Key)).Json!["secret"]);

        (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/ping", org.Key)).AssertStatus(202);
        var first = (await WebhookTests.ReceivedAsync(receiver, 1))[0];
        var signatures = first.Header("webhook-signature")!.Split(' ');
        Assert.Equal(2, signatures.Length);
        WebhookTests.Verify(secret, first);
        WebhookTests.Verify(secret, first, signatures[0]);
        WebhookTests.Verify(old, first, signatures[1]);

        fixture.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        (await api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/webhooks/{webhookId}/ping", org.Key)).AssertStatus(202);
        var second = (await WebhookTests.ReceivedAsync(receiver, 2))[1];
        // The clock moved a day ahead of the library's own: only the number of signatures is checked here.
        Assert.Single(second.Header("webhook-signature")!.Split(' '));
        Assert.StartsWith("v1,", second.Header("webhook-signature"), StringComparison.Ordinal);
    }
}

/// <summary>The retry schedule's horizon: it moves the clock a day ahead, in a class of its own for that reason.</summary>
public class WebhookHorizonTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task No_attempt_is_made_more_than_a_day_after_a_delivery_began()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(500);
        var api = await WebhookTests.InstanceAsync(fixture, WebhookTests.NewQueue(), new Dictionary<string, string?> { ["Locktera:WebhookRetrySchedule"] = "1s,1s,1s,1s,1s" });
        var org = await fixture.CreateRootOrgAsync();
        var (webhookId, _) = await WebhookTests.SubscribeAsync(api, org, receiver.Url().AbsoluteUri, "container.create");

        await WebhookTests.EncodeAsync(api, org);
        await WebhookTests.ReceivedAsync(receiver, 1);
        fixture.Clock.Advance(TimeSpan.FromHours(24));

        var delivery = await WebhookTests.DeliveryAsync(api, org, webhookId, "failed");
        Assert.True(delivery["attempt_count"]!.GetValue<int>() < 6, delivery.ToJsonString());
        Assert.Null(delivery["next_attempt_at"]);
    }
}
