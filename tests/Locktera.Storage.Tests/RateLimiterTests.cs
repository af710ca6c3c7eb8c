using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Locktera.Core.RateLimiting;
using Locktera.Core.Storage;

namespace Locktera.Storage.Tests;

/// <summary>
/// Leases of a key's quota over Azurite: far from the limit, an instance takes its next lease while
/// requests still take from the current one, so that no request waits for storage, and the instances
/// together still never admit more than the limit.
/// </summary>
public class RateLimiterTests
{
    /// <summary>Inside one window, whatever the time of the run: a window's end would start a new lease.</summary>
    private static readonly TimeProvider InOneWindow = new FixedTime(new DateTimeOffset(2026, 3, 1, 12, 0, 30, TimeSpan.Zero));

    [Fact]
    public async Task Far_from_the_limit_the_next_lease_is_taken_ahead_and_no_request_waits_for_it()
    {
        var (storage, writes) = Storage();
        var limiter = new RateLimiter(storage, InOneWindow);
        var subject = "ahead-" + Guid.NewGuid().ToString("N");

        // The first request leases for itself: a whole lease, one taken.
        Assert.Equal(999, (await limiter.AcquireAsync(subject, 1000, CancellationToken.None)).Remaining);
        Assert.Equal(RateLimiter.MaxLease, await CountAsync(storage, subject));

        // Storage stops answering writes. The request that leaves half of the lease starts the next one;
        // it and the rest of the lease are admitted from memory at once.
        writes.Hold();
        for (var i = 1; i < RateLimiter.MaxLease; i++)
        {
            var admitted = limiter.AcquireAsync(subject, 1000, CancellationToken.None);
            Assert.True(admitted.IsCompletedSuccessfully, $"Request {i + 1} waited for storage.");
            Assert.Equal(999 - i, (await admitted).Remaining);
        }
        // Bounded, so that a renewal that never starts fails the test rather than hanging the run.
        await writes.HeldOne.WaitAsync(TimeSpan.FromSeconds(30));

        // Past the lease, a request waits for the renewal under way, and takes from it: the renewal's
        // write is the only one, no second lease is taken for the request.
        var next = limiter.AcquireAsync(subject, 1000, CancellationToken.None);
        Assert.False(next.IsCompleted);
        writes.Release();
        var decision = await next;
        Assert.True(decision.Allowed);
        Assert.Equal(1000 - RateLimiter.MaxLease - 1, decision.Remaining);
        Assert.Equal(2 * RateLimiter.MaxLease, await CountAsync(storage, subject));
        Assert.Equal(2, writes.Count);
    }

    [Fact]
    public async Task A_failed_renewal_ahead_leaves_the_lease_to_the_request_that_needs_it()
    {
        var (storage, writes) = Storage();
        var limiter = new RateLimiter(storage, InOneWindow);
        var subject = "failed-" + Guid.NewGuid().ToString("N");
        await limiter.AcquireAsync(subject, 1000, CancellationToken.None);

        writes.FailNext();
        for (var i = 1; i < RateLimiter.MaxLease; i++)
        {
            Assert.True((await limiter.AcquireAsync(subject, 1000, CancellationToken.None)).Allowed);
        }

        // The renewal ahead wrote nothing; the next request leases for itself.
        var decision = await limiter.AcquireAsync(subject, 1000, CancellationToken.None);
        Assert.True(decision.Allowed);
        Assert.Equal(1000 - RateLimiter.MaxLease - 1, decision.Remaining);
        Assert.Equal(2 * RateLimiter.MaxLease, await CountAsync(storage, subject));
    }

    [Fact]
    public async Task Two_instances_renewing_ahead_never_admit_more_than_the_limit()
    {
        var (storage, _) = Storage();
        var instances = new[] { new RateLimiter(storage, InOneWindow), new RateLimiter(storage, InOneWindow) };
        var subject = "shared-" + Guid.NewGuid().ToString("N");
        const int limit = 200;

        using var gate = new SemaphoreSlim(16);
        var decisions = await Task.WhenAll(Enumerable.Range(0, 2 * limit).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await instances[i % 2].AcquireAsync(subject, limit, CancellationToken.None);
            }
            finally
            {
                gate.Release();
            }
        }));

        // Both keep asking to the end, so what either leased is spent, but for the last small lease of each.
        Assert.InRange(decisions.Count(d => d.Allowed), limit - 2 * RateLimiter.MaxLease, limit);
        Assert.Equal(limit, await CountAsync(storage, subject));
    }

    private static (StorageAccount Storage, HeldWrites Writes) Storage()
    {
        var writes = new HeldWrites();
        return (TestServices.Azurite(writes), writes);
    }

    /// <summary>How much of the subject's window instances have leased, as its row says.</summary>
    private static async Task<int?> CountAsync(StorageAccount storage, string subject)
    {
        var table = await storage.TableAsync(storage.Names.RateLimits, CancellationToken.None);
        return (await table.GetEntityAsync<TableEntity>(subject, "window")).Value.GetInt32("Count");
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Counts the writes of rate-limit rows, and on demand holds them until released, or fails the next one as an outage would.</summary>
    private sealed class HeldWrites : HttpPipelinePolicy
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _release;
        private int _count;
        private int _failNext;

        public int Count => _count;

        /// <summary>Done once a write is being held.</summary>
        public Task HeldOne => _held.Task;

        public void Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release?.SetResult();

        public void FailNext() => _failNext = 1;

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            // A window's first lease inserts its row (POST to the table), the next ones replace it (PUT to the row).
            if ((message.Request.Method == RequestMethod.Put || message.Request.Method == RequestMethod.Post) && message.Request.Uri.Path.Contains("ratelimits", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
                if (Interlocked.Exchange(ref _failNext, 0) == 1)
                {
                    throw new RequestFailedException(503, "The test's storage outage.");
                }
                if (_release is { } release)
                {
                    _held.TrySetResult();
                    await release.Task;
                }
            }
            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The API calls storage asynchronously.");
    }
}
