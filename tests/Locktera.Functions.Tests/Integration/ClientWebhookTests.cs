using System.Diagnostics;
using Locktera.Client;
using Locktera.Functions.Tests.Unit;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The client library's webhooks sub-client against the DevHost over real HTTP: subscriptions, their
/// secret shown once, changes that send only what they change, pings delivered through the queue to
/// a local receiver and signed with that secret, deliveries listed page after page, redelivery,
/// rotation, and the API's errors as <see cref="LockteraException"/>.
/// </summary>
public class ClientWebhookTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    /// <summary>Waits until the delivery succeeded after <paramref name="attempts"/> attempts (delivery is asynchronous).</summary>
    private static async Task<WebhookDelivery> SucceededAsync(LockteraClient client, Guid webhookId, Guid deliveryId, int attempts = 1)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var delivery = await client.Webhooks.ListDeliveriesAsync(webhookId).FirstOrDefaultAsync(d => d.Id == deliveryId);
            if (delivery is { Status: DeliveryStatus.Succeeded } && delivery.AttemptCount >= attempts)
            {
                return delivery;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"the delivery did not succeed after {attempts} attempts: {delivery}");
            await Task.Delay(100); // real time: the queue and the receiver run on their own
        }
    }

    [Fact]
    public async Task A_subscription_shows_its_secret_once_and_its_pings_and_redeliveries_arrive_signed_with_it()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(204);
        var api = await WebhookTests.InstanceAsync(fixture, WebhookTests.NewQueue());
        using var client = TestClients.For(api, await fixture.CreateRootOrgAsync());

        var created = await client.Webhooks.CreateAsync(receiver.Url(), ["webhook.ping"], "Operations desk");
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Secret, created.ToString(), StringComparison.Ordinal);
        Assert.Equal(receiver.Url(), created.Url);
        Assert.Equal(["webhook.ping"], created.Events);
        Assert.Equal("Operations desk", created.Description);
        Assert.True(created.Enabled);
        Assert.Null(created.DisabledReason);
        Assert.Equal(client.Credentials.OrgId, created.OrgId.ToString());
        var listed = Assert.Single(await client.Webhooks.ListAsync().ToListAsync());
        Assert.Equal(created.Id, listed.Id);
        // Read back, it is a subscription without a secret.
        var read = await client.Webhooks.GetAsync(created.Id);
        Assert.IsNotType<WebhookWithSecret>(read);
        Assert.Equal((created.Url, created.Description, created.CreatedAt), (read.Url, read.Description, read.CreatedAt));

        var ping = await client.Webhooks.PingAsync(created.Id);
        Assert.Equal(("webhook.ping", created.Id), (ping.EventType, ping.WebhookId));
        var first = (await WebhookTests.ReceivedAsync(receiver, 1))[0];
        Assert.Equal(ping.Id.ToString(), first.Header("webhook-id"));
        WebhookTests.Verify(created.Secret, first);
        var delivered = await SucceededAsync(client, created.Id, ping.Id);
        var attempt = Assert.Single(delivered.Attempts);
        Assert.Equal(204, attempt.StatusCode);
        Assert.Null(attempt.Error);
        Assert.Null(delivered.NextAttemptAt);

        // A new secret signs what follows (first, beside the old one's signature for a day).
        var rotated = await client.Webhooks.RotateSecretAsync(created.Id);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.NotNull(rotated.PreviousSecretExpiresAt);
        Assert.DoesNotContain(rotated.Secret, rotated.ToString(), StringComparison.Ordinal);
        var again = await client.Webhooks.RedeliverAsync(created.Id, ping.Id);
        Assert.Equal(ping.Id, again.Id);
        var second = (await WebhookTests.ReceivedAsync(receiver, 2))[1];
        Assert.Equal(ping.Id.ToString(), second.Header("webhook-id"));
        Assert.Equal(first.Body, second.Body);
        WebhookTests.Verify(rotated.Secret, second);
        Assert.Equal(2, (await SucceededAsync(client, created.Id, ping.Id, attempts: 2)).Attempts.Count);

        await client.Webhooks.DeleteAsync(created.Id);
        Assert.Empty(await client.Webhooks.ListAsync().ToListAsync());
        var gone = await Assert.ThrowsAsync<LockteraException>(() => client.Webhooks.GetAsync(created.Id));
        Assert.Equal((404, 40408), (gone.Status, gone.Code));
    }

    [Fact]
    public async Task A_change_sends_only_what_it_changes_and_can_remove_the_description()
    {
        using var client = TestClients.For(fixture, await fixture.CreateRootOrgAsync());
        var created = await client.Webhooks.CreateAsync(new Uri("http://127.0.0.1:9/hooks"), ["container.*"], "Security team", enabled: false);
        Assert.False(created.Enabled);

        var enabled = await client.Webhooks.UpdateAsync(created.Id, new WebhookPatch(Enabled: true));
        Assert.True(enabled.Enabled);
        Assert.Equal((created.Url, "Security team"), (enabled.Url, enabled.Description));
        Assert.Equal(["container.*"], enabled.Events);
        Assert.NotNull(enabled.UpdatedAt);

        var moved = await client.Webhooks.UpdateAsync(created.Id, new WebhookPatch(Url: new Uri("http://127.0.0.1:9/other"), Events: ["*"]));
        Assert.Equal((new Uri("http://127.0.0.1:9/other"), "Security team", true), (moved.Url, moved.Description, moved.Enabled));
        Assert.Equal(["*"], moved.Events);

        var described = await client.Webhooks.UpdateAsync(created.Id, new WebhookPatch(Description: "Audit"));
        Assert.Equal("Audit", described.Description);
        Assert.Null((await client.Webhooks.UpdateAsync(created.Id, new WebhookPatch(RemoveDescription: true))).Description);
        var read = await client.Webhooks.GetAsync(created.Id);
        Assert.Null(read.Description);
        Assert.Equal((moved.Url, true), (read.Url, read.Enabled));
        // Setting and removing the description at once is the caller's mistake, refused before any request.
        await Assert.ThrowsAsync<ArgumentException>(() => client.Webhooks.UpdateAsync(created.Id, new WebhookPatch(Description: "x", RemoveDescription: true)));
    }

    [Fact]
    public async Task Deliveries_list_page_after_page_of_the_status_asked_for()
    {
        await using var receiver = await WebhookReceiver.AnsweringAsync(200);
        var api = await WebhookTests.InstanceAsync(fixture, WebhookTests.NewQueue());
        var counter = new RequestCounter();
        using var client = TestClients.For(api, await fixture.CreateRootOrgAsync(), counter);
        var webhook = await client.Webhooks.CreateAsync(receiver.Url(), ["webhook.ping"]);
        var pings = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            pings.Add((await client.Webhooks.PingAsync(webhook.Id)).Id);
        }
        foreach (var ping in pings)
        {
            await SucceededAsync(client, webhook.Id, ping);
        }

        // Three deliveries, two to a page: two requests, the cursor of the first page's Link followed.
        var before = counter.Count(HttpMethod.Get, "/deliveries");
        var all = await client.Webhooks.ListDeliveriesAsync(webhook.Id, pageSize: 2).ToListAsync();
        Assert.Equal(2, counter.Count(HttpMethod.Get, "/deliveries") - before);
        Assert.Equal(pings.Order(), all.Select(d => d.Id).Order());
        // The next page keeps the filter.
        Assert.Equal(3, await client.Webhooks.ListDeliveriesAsync(webhook.Id, DeliveryStatus.Succeeded, pageSize: 2).CountAsync());
        Assert.Empty(await client.Webhooks.ListDeliveriesAsync(webhook.Id, DeliveryStatus.Failed).ToListAsync());
        Assert.Empty(await client.Webhooks.ListDeliveriesAsync(webhook.Id, DeliveryStatus.Pending).ToListAsync());
    }

    [Fact]
    public async Task A_node_beneath_is_managed_by_its_id_and_errors_carry_the_apis_code_and_fields()
    {
        var root = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(root, "group", "read", "write", "admin");
        using var client = TestClients.For(fixture, root);
        var url = new Uri("http://127.0.0.1:9/hooks");
        var ofGroup = await client.Webhooks.CreateAsync(url, ["*"], orgId: Guid.Parse(group.Id));
        Assert.Equal(group.Id, ofGroup.OrgId.ToString());
        Assert.Equal(ofGroup.Id, Assert.Single(await client.Webhooks.ListAsync(Guid.Parse(group.Id)).ToListAsync()).Id);
        Assert.Empty(await client.Webhooks.ListAsync().ToListAsync());
        // A subscription is found under its own node only.
        var elsewhere = await Assert.ThrowsAsync<LockteraException>(() => client.Webhooks.GetAsync(ofGroup.Id));
        Assert.Equal((404, 40408), (elsewhere.Status, elsewhere.Code));

        var refused = await Assert.ThrowsAsync<LockteraException>(() => client.Webhooks.CreateAsync(new Uri("http://169.254.169.254/latest/meta-data"), ["*"]));
        Assert.Equal(400, refused.Status);
        Assert.Contains("url", refused.Fields.Keys);
        var badEvents = await Assert.ThrowsAsync<LockteraException>(() => client.Webhooks.CreateAsync(url, []));
        Assert.Contains("events", badEvents.Fields.Keys);
        var noDelivery = await Assert.ThrowsAsync<LockteraException>(() => client.Webhooks.RedeliverAsync(ofGroup.Id, Guid.NewGuid(), Guid.Parse(group.Id)));
        Assert.Equal((404, 40409), (noDelivery.Status, noDelivery.Code));
        var missing = await Assert.ThrowsAsync<LockteraException>(() => client.Webhooks.PingAsync(Guid.NewGuid()));
        Assert.Equal((404, 40408), (missing.Status, missing.Code));
    }
}
