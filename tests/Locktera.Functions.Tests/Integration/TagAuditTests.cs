using Locktera.Core.Events;

namespace Locktera.Functions.Tests.Integration;

/// <summary>A container's tag audit is the order in which its tag changes were applied, however many instances race.</summary>
public class TagAuditTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static string[] Tags(JsonNode? array) => [.. array!.AsArray().Select(t => t!.GetValue<string>())];

    /// <summary>
    /// A clock whose first reader waits until <see cref="Release"/>: it holds one tag change at the
    /// moment it takes its time, while another change runs to the end.
    /// </summary>
    private sealed class HeldClock : TimeProvider, IDisposable
    {
        private readonly ManualResetEventSlim _released = new();
        private int _readers;

        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.Set();

        public void Dispose() => _released.Dispose();

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Increment(ref _readers) == 1)
            {
                Held.SetResult();
                _released.Wait(TimeSpan.FromSeconds(30));
            }
            return base.GetUtcNow();
        }
    }

    private async Task<IReadOnlyList<JsonNode>> AuditAsync(TestOrg org, string id) =>
        [.. (await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}/tags_audit", org.Key)).AssertStatus(200).Json!.AsArray().Select(e => e!)];

    private async Task<string[]> CurrentTagsAsync(TestOrg org, string id) =>
        Tags((await fixture.Api.GetAsync($"orgs/{org.Id}/containers/{id}", org.Key)).AssertStatus(200).Json!["tags"]);

    /// <summary>Newest first, each change starting from what the one before it (the next row) left, and later than it.</summary>
    private static void AssertChain(IReadOnlyList<JsonNode> audit, string[] current, string[] initial)
    {
        Assert.Equal(current, Tags(audit[0]["new_tags"]));
        for (var i = 0; i < audit.Count - 1; i++)
        {
            Assert.Equal(Tags(audit[i + 1]["new_tags"]), Tags(audit[i]["old_tags"]));
            Assert.True(audit[i]["timestamp"]!.GetValue<DateTimeOffset>() > audit[i + 1]["timestamp"]!.GetValue<DateTimeOffset>(), $"change {i} is not later than the one it replaced");
        }
        Assert.Equal(initial, Tags(audit[^1]["old_tags"]));
    }

    private async Task<(TestOrg Org, string Id)> EncodeTaggedAsync()
    {
        var org = await fixture.CreateRootOrgAsync();
        var id = (await fixture.Api.EncodeAsync(org, """{ "tags": ["initial"] }""", ("a.txt", "hello"u8.ToArray(), "text/plain")))
            .AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();
        return (org, id);
    }

    [Fact]
    public async Task A_change_applied_first_is_audited_first_even_when_it_reads_the_clock_last()
    {
        var (org, id) = await EncodeTaggedAsync();
        using var clock = new HeldClock();
        var held = ActivatorUtilities.CreateInstance<ContainerService>(fixture.Services, (TimeProvider)clock);
        var containers = fixture.Services.GetRequiredService<ContainerService>();
        var record = await containers.GetAsync(Guid.Parse(org.Id), id, CancellationToken.None);
        var actor = new Actor("test", null);

        var first = Task.Run(() => held.SetTagsAsync(record, ["first"], actor, CancellationToken.None));
        await clock.Held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await containers.SetTagsAsync(record, ["second"], actor, CancellationToken.None);
        clock.Release();
        await first;

        var audit = await AuditAsync(org, id);
        Assert.Equal(2, audit.Count);
        AssertChain(audit, await CurrentTagsAsync(org, id), ["initial"]);
    }

    [Fact]
    public async Task Concurrent_tag_changes_on_two_instances_are_audited_in_the_order_they_were_applied()
    {
        var (org, id) = await EncodeTaggedAsync();
        var second = await fixture.StartInstanceAsync();
        const int changes = 24;

        await Task.WhenAll(Enumerable.Range(0, changes).Select(i => (i % 2 == 0 ? fixture.Api : second)
            .SendAsync(HttpMethod.Put, $"orgs/{org.Id}/containers/{id}/tags", org.Key, new JsonObject { ["tags"] = new JsonArray($"t{i}") })
            .ContinueWith(t => t.Result.AssertStatus(200), TaskScheduler.Default)));

        var audit = await AuditAsync(org, id);
        Assert.Equal(changes, audit.Count);
        AssertChain(audit, await CurrentTagsAsync(org, id), ["initial"]);
    }
}
