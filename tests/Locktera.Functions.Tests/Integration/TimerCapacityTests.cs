using Locktera.Core.Content;
using Locktera.Core.Drm;
using Locktera.Core.Operations;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The timers' throughput follows their backlog: one run drains a list several pages long, stops
/// cleanly when its time budget is spent (the rest waits, nothing is lost), and the lists hold only
/// work that needs doing.
/// </summary>
public class TimerCapacityTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    /// <summary>
    /// Rows in a list: many pages, and more than one run took before (500 of each of the purge's lists,
    /// 1,000 expiries).
    /// </summary>
    private const int Backlog = 1_100;

    /// <summary>
    /// Of those, rows of real work, more than a page; the rest are rows whose work needs none or must
    /// wait, which cost less. Deleted nodes, whose purge costs dozens of requests each, are fewer.
    /// </summary>
    private const int Real = DueIndex.PageSize + 7;

    private const int RealDeletedNodes = 7;

    private static readonly DateTimeOffset LongAgo = DateTimeOffset.UtcNow.AddDays(-2);

    /// <summary>
    /// When the planted work falls due: years from now, so that the timers the DevHost schedules never
    /// see it, while the runs under test, on a clock <see cref="Later"/> ahead, find all of it due.
    /// </summary>
    private static readonly DateTimeOffset FarAhead = DateTimeOffset.UtcNow.AddYears(5);

    /// <summary>A clock ten years ahead.</summary>
    private static readonly MovableClock Later = new(TimeSpan.FromDays(3653));

    /// <summary>A timer of the first instance, on the clock <see cref="Later"/>.</summary>
    private T Run<T>() => ActivatorUtilities.CreateInstance<T>(fixture.Services, (TimeProvider)Later);

    private DueIndex Due => fixture.Services.GetRequiredService<DueIndex>();

    private ContainerStore Store => fixture.Services.GetRequiredService<ContainerStore>();

    private StorageAccount Storage => fixture.Services.GetRequiredService<StorageAccount>();

    private static Task PlantAsync(int count, Func<int, Task> plant) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) => await plant(i));

    /// <summary>The rows of <paramref name="kind"/> naming something of <paramref name="orgId"/>, due by <paramref name="until"/>.</summary>
    private async Task<int> DueRowsAsync(string kind, Guid orgId, DateTimeOffset until) =>
        (await Due.DueAsync(kind, until, 100_000, CancellationToken.None)).Count(r => r.Subject.StartsWith(orgId.ToString(), StringComparison.Ordinal));

    private static ContainerRecord Record(Guid orgId, ContainerStatus status, string? rules = null)
    {
        var id = Guid.CreateVersion7();
        return new ContainerRecord
        {
            Id = id, OrgId = orgId, Name = "planted", Status = status, CreatedAt = LongAgo, CreatedBy = "test",
            StorageId = IContentStores.Platform, ObjectKey = $"{orgId}/{id}.tera", Rules = rules,
        };
    }

    [Fact]
    public async Task An_encode_that_commits_or_fails_leaves_no_note_for_the_purge()
    {
        var org = await fixture.CreateRootOrgAsync();
        var orgId = Guid.Parse(org.Id);
        (await fixture.Api.EncodeAsync(org, "{}", ("a.txt", "hello"u8.ToArray(), "text/plain"))).AssertStatus(201);
        (await fixture.Api.EncodeAsync(org, """{ "files": { "missing.txt": {} } }""", ("a.txt", "hello"u8.ToArray(), "text/plain"))).AssertProblem(400, 40001);

        var afterGrace = DateTimeOffset.UtcNow + ContainerService.EncodeGrace + TimeSpan.FromMinutes(5);
        Assert.Equal(0, await DueRowsAsync(DueIndex.Encodes, orgId, afterGrace));
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/containers", org.Key)).AssertStatus(200).Json!.AsArray());
    }

    [Fact]
    public async Task One_expiry_sweep_drains_a_backlog_of_many_pages()
    {
        var org = await fixture.CreateRootOrgAsync();
        var orgId = Guid.Parse(org.Id);
        var ended = DrmRules.Parse(new JsonObject { ["time"] = new JsonObject { ["end"] = FarAhead.ToString("O") } }, (_, _) => { }).ToJson().ToJsonString();
        var end = DrmRules.Parse(JsonNode.Parse(ended)!.AsObject(), (_, _) => { }).Time.End!.Value;
        var planted = new ContainerRecord[Real];
        await PlantAsync(Backlog, async i =>
        {
            if (i < Real)
            {
                planted[i] = Record(orgId, ContainerStatus.Active, ended);
                await Store.AddAsync(planted[i], CancellationToken.None);
            }
            await Due.AddAsync(DueIndex.Expiries, end, i < Real ? ContainerService.Subject(planted[i]) : $"{orgId}:{Guid.CreateVersion7()}", CancellationToken.None);
        });

        var outcome = await Run<ExpirySweep>().RunAsync(CancellationToken.None);

        Assert.Equal(new SweepOutcome(Real, Backlog - Real, 0), outcome);
        Assert.Equal(0, await DueRowsAsync(DueIndex.Expiries, orgId, DateTimeOffset.MaxValue));
        foreach (var record in planted)
        {
            Assert.Equal(ContainerStatus.Expired, (await Store.FindAsync(orgId, record.Id, CancellationToken.None))!.Status);
        }
    }

    [Fact]
    public async Task One_purge_drains_backlogs_of_deleted_nodes_crashed_encodes_and_ended_sessions_of_many_pages()
    {
        var org = await fixture.CreateRootOrgAsync();
        var orgId = Guid.Parse(org.Id);
        var crashed = new ContainerRecord[Real];
        var deletedNodes = new Guid[RealDeletedNodes];
        var viewers = fixture.Services.GetRequiredService<ViewerStates>();
        var container = Guid.CreateVersion7();
        await PlantAsync(Backlog, async i =>
        {
            var record = Record(orgId, ContainerStatus.Pending);
            if (i < Real)
            {
                crashed[i] = record;
                await Store.AddAsync(record, CancellationToken.None);
                await viewers.AddSessionAsync(orgId, container, $"viewer{i}@example.com", $"session{i}", FarAhead, CancellationToken.None);
            }
            else
            {
                await Due.AddAsync(DueIndex.Sessions, FarAhead, $"{orgId}:s:{container:N}:gone{i}", CancellationToken.None);
            }
            await Due.AddAsync(DueIndex.Encodes, FarAhead, ContainerService.Subject(record), CancellationToken.None,
                new Dictionary<string, object> { ["StorageId"] = record.StorageId, ["ObjectKey"] = record.ObjectKey });
            // A few nodes that are gone; the rest name a node whose delete is still under way (it exists).
            var node = i < RealDeletedNodes ? deletedNodes[i] = Guid.CreateVersion7() : orgId;
            await Due.AddAsync(DueIndex.DeletedOrgs, FarAhead.AddTicks(i), node.ToString(), CancellationToken.None,
                new Dictionary<string, object> { [OrgPurge.RootProperty] = node.ToString() });
        });

        var outcome = await Run<OrgPurge>().RunAsync(CancellationToken.None);

        Assert.Equal(new PurgeOutcome(new SweepOutcome(RealDeletedNodes, Backlog - RealDeletedNodes, 0), new SweepOutcome(Backlog, 0, 0), new SweepOutcome(Backlog, 0, 0), new SweepOutcome(0, 0, 0)), outcome);
        var all = DateTimeOffset.MaxValue;
        Assert.Equal(0, await DueRowsAsync(DueIndex.Encodes, orgId, all));
        Assert.Equal(0, await DueRowsAsync(DueIndex.Sessions, orgId, all));
        var deletedLeft = await Due.DueAsync(DueIndex.DeletedOrgs, all, 100_000, CancellationToken.None);
        Assert.DoesNotContain(deletedLeft, r => deletedNodes.Contains(Guid.Parse(r.Subject)));
        // The node still there is looked at again an hour (of the run's clock) later: one row for all its rows.
        Assert.True(Assert.Single(deletedLeft, r => r.Subject == org.Id).Due > Later.GetUtcNow().AddMinutes(50));
        foreach (var record in crashed)
        {
            Assert.Null(await Store.FindAsync(orgId, record.Id, CancellationToken.None));
        }
        var containers = await Storage.TableAsync(Storage.Names.Containers, CancellationToken.None);
        Assert.Equal(0, await containers.WithPrefix(org.Id, $"s:{container:N}:", null, CancellationToken.None).CountAsync());
    }

    /// <summary>A clock that moves a second on at every reading, so a run's budget runs out after a known amount of work.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref _ticks, TimeSpan.TicksPerSecond);
    }

    [Fact]
    public async Task A_run_whose_budget_is_spent_stops_cleanly_and_the_next_takes_the_rest()
    {
        const int rows = (3 * DueIndex.PageSize) + 7;
        var kind = "test-" + Guid.NewGuid().ToString("N");
        var due = new DueIndex(Storage, new SteppingClock());
        await PlantAsync(rows, i => due.AddAsync(kind, LongAgo.AddTicks(i), $"item{i:D4}", CancellationToken.None));
        var worked = new System.Collections.Concurrent.ConcurrentBag<string>();
        Task<bool?> Work(DueRow row, CancellationToken _)
        {
            worked.Add(row.Subject);
            return row.Subject == "item0003" ? throw new InvalidOperationException("planted failure") : Task.FromResult<bool?>(true);
        }
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        var first = await due.DrainAsync(kind, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(150), Work, (row, _) => failures.Add(row.Subject), CancellationToken.None);

        Assert.True(first.BudgetSpent);
        Assert.InRange(first.Done, DueIndex.PageSize, rows - DueIndex.PageSize);
        Assert.Equal(1, first.Failed);
        Assert.Equal(["item0003"], failures);
        var left = (await due.DueAsync(kind, DateTimeOffset.UtcNow, 100_000, CancellationToken.None)).Select(r => r.Subject).ToList();
        // Each row's work was done and the row removed, or the row is still there: never one without the other.
        Assert.Equal(rows, first.Done + left.Count);
        Assert.Empty(left.Intersect(worked).Except(["item0003"]));

        var second = await due.DrainAsync(kind, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), (_, _) => Task.FromResult<bool?>(true), (_, _) => { }, CancellationToken.None);

        Assert.Equal(new SweepOutcome(left.Count, 0, 0), second);
        Assert.Empty(await due.DueAsync(kind, DateTimeOffset.UtcNow, 100_000, CancellationToken.None));
    }
}
