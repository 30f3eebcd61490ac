using Kinde.Migration.KindeApi;
using Kinde.Migration.Tests.Helpers;
using Outcome = Kinde.Migration.KindeApi.KindeRequestLimiter.Outcome;

namespace Kinde.Migration.Tests.KindeApi;

/// <summary>The client-side rate control on a manual clock: token bucket spacing, AIMD concurrency, the pause after a
/// 429 with <c>RateLimit-Reset</c>.</summary>
[CancelAfter(15_000)]
public sealed class KindeRequestLimiterTests
{
    [Test]
    public async Task TokenBucket_SpacesSendsByOneOverTheRate()
    {
        var clock = new ManualTimeProvider();
        var limiter = new KindeRequestLimiter(requestsPerSecond: 10, maxConcurrency: 8, clock);
        var start = clock.GetUtcNow();
        var sentAt = new List<DateTimeOffset>();
        var sends = Enumerable.Range(0, 5).Select(async _ =>
        {
            long ticket = await limiter.AcquireAsync(CancellationToken.None);
            lock (sentAt)
            {
                sentAt.Add(clock.GetUtcNow());
            }

            limiter.Release(ticket, Outcome.Success);
        }).ToArray();

        await DriveAsync(clock, () => sends.All(s => s.IsCompleted), () => sends.Count(s => !s.IsCompleted) == clock.PendingTimers, TimeSpan.FromMilliseconds(10));

        Assert.That(limiter.Interval, Is.EqualTo(TimeSpan.FromMilliseconds(100)));
        var ordered = sentAt.Order().ToArray();
        Assert.That(ordered[0], Is.EqualTo(start), "the first send goes at once");
        for (int i = 1; i < ordered.Length; i++)
        {
            Assert.That(ordered[i] - ordered[i - 1], Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(100)), $"send {i}");
        }

        Assert.That(ordered[^1], Is.EqualTo(start + TimeSpan.FromMilliseconds(400)), "and no later than needed");
    }

    [Test]
    public async Task TokenBucket_WaitsOnTheClock_NotBefore()
    {
        var clock = new ManualTimeProvider();
        var limiter = new KindeRequestLimiter(requestsPerSecond: 4, maxConcurrency: 8, clock);
        limiter.Release(await limiter.AcquireAsync(CancellationToken.None), Outcome.Success);

        var second = limiter.AcquireAsync(CancellationToken.None).AsTask();
        await WaitUntil(() => clock.PendingTimers == 1);
        clock.Advance(TimeSpan.FromMilliseconds(249));
        await Task.Delay(50);
        Assert.That(second.IsCompleted, Is.False);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await second;
    }

    [TestCase(null)]
    [TestCase(0.0)]
    public async Task NoRate_IsUnlimited(double? rate)
    {
        var limiter = new KindeRequestLimiter(rate, 256, new ManualTimeProvider());
        for (int i = 0; i < 100; i++)
        {
            limiter.Release(await limiter.AcquireAsync(CancellationToken.None), Outcome.Success);
        }

        Assert.That(limiter.Interval, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task Concurrency_IsCapped_AndAWaiterGetsTheFreedSlot()
    {
        var limiter = new KindeRequestLimiter(null, maxConcurrency: 2, new ManualTimeProvider());
        long a = await limiter.AcquireAsync(CancellationToken.None);
        await limiter.AcquireAsync(CancellationToken.None);
        var third = limiter.AcquireAsync(CancellationToken.None).AsTask();

        Assert.That((limiter.InFlight, limiter.Waiting, third.IsCompleted), Is.EqualTo((2, 1, false)));
        limiter.Release(a, Outcome.Success);
        await third;
        Assert.That((limiter.InFlight, limiter.Waiting), Is.EqualTo((2, 0)));
    }

    [Test]
    public async Task Aimd_HalvesOnceForTheRequestsSentUnderOneLimit_AndAddsOneAfterLimitSuccesses()
    {
        var limiter = new KindeRequestLimiter(null, maxConcurrency: 8, new ManualTimeProvider());
        var tickets = new long[4];
        for (int i = 0; i < 4; i++)
        {
            tickets[i] = await limiter.AcquireAsync(CancellationToken.None);
        }

        limiter.Release(tickets[0], Outcome.Throttled);
        Assert.That(limiter.CurrentLimit, Is.EqualTo(4));
        limiter.Release(tickets[1], Outcome.Throttled);
        Assert.That(limiter.CurrentLimit, Is.EqualTo(4), "sent under the old limit: the same signal");

        limiter.Release(tickets[2], Outcome.Success);
        limiter.Release(tickets[3], Outcome.Neutral);
        await SucceedAsync(limiter, 2);
        Assert.That(limiter.CurrentLimit, Is.EqualTo(4), "3 successes so far");
        await SucceedAsync(limiter, 1);
        Assert.That(limiter.CurrentLimit, Is.EqualTo(5), "4 consecutive successes at limit 4");
        await SucceedAsync(limiter, 5);
        Assert.That(limiter.CurrentLimit, Is.EqualTo(6));
        await SucceedAsync(limiter, 6 + 7 + 8 * 3);
        Assert.That(limiter.CurrentLimit, Is.EqualTo(8), "never above MaxConcurrency");

        for (int i = 0; i < 5; i++)
        {
            limiter.Release(await limiter.AcquireAsync(CancellationToken.None), Outcome.Throttled);
        }

        Assert.That(limiter.CurrentLimit, Is.EqualTo(1), "8 → 4 → 2 → 1 → 1");
    }

    [Test]
    public async Task Aimd_AThrottleResetsTheSuccessRun()
    {
        var limiter = new KindeRequestLimiter(null, maxConcurrency: 4, new ManualTimeProvider());
        limiter.Release(await limiter.AcquireAsync(CancellationToken.None), Outcome.Throttled); // 4 → 2
        await SucceedAsync(limiter, 1);
        limiter.Release(await limiter.AcquireAsync(CancellationToken.None), Outcome.Throttled); // 2 → 1
        await SucceedAsync(limiter, 1);

        Assert.That(limiter.CurrentLimit, Is.EqualTo(2), "one success at limit 1 raises it");
    }

    [Test]
    public async Task HalvedLimit_HoldsNewSendsUntilEnoughSlotsAreFree()
    {
        var limiter = new KindeRequestLimiter(null, maxConcurrency: 4, new ManualTimeProvider());
        var held = new List<long>();
        for (int i = 0; i < 4; i++)
        {
            held.Add(await limiter.AcquireAsync(CancellationToken.None));
        }

        limiter.Release(held[0], Outcome.Throttled); // limit 2, 3 still in flight
        var next = limiter.AcquireAsync(CancellationToken.None).AsTask();
        limiter.Release(held[1], Outcome.Success); // 2 in flight
        Assert.That(next.IsCompleted, Is.False);
        limiter.Release(held[2], Outcome.Success); // 1 in flight
        await next;
        Assert.That(limiter.InFlight, Is.EqualTo(2));
    }

    [Test]
    public async Task Pause_HoldsEveryNewSend_UntilTheResetInstant()
    {
        var clock = new ManualTimeProvider();
        var limiter = new KindeRequestLimiter(null, maxConcurrency: 8, clock);
        long ticket = await limiter.AcquireAsync(CancellationToken.None);
        long other = await limiter.AcquireAsync(CancellationToken.None);
        limiter.Release(ticket, Outcome.Throttled, TimeSpan.FromSeconds(2));
        var resetAt = clock.GetUtcNow() + TimeSpan.FromSeconds(2);
        limiter.Release(other, Outcome.Success);

        Assert.That(limiter.PausedUntil, Is.EqualTo(resetAt));
        var waiting = Enumerable.Range(0, 3).Select(_ => limiter.AcquireAsync(CancellationToken.None).AsTask()).ToArray();
        await WaitUntil(() => clock.PendingTimers == 3);
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        await WaitUntil(() => clock.PendingTimers == 3);
        Assert.That(waiting.Any(w => w.IsCompleted), Is.False);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Task.WhenAll(waiting);
        Assert.That(limiter.PausedUntil, Is.Null);
    }

    [Test]
    public async Task Pause_OnlyExtends_AndA429WithoutResetDoesNotPause()
    {
        var clock = new ManualTimeProvider();
        var limiter = new KindeRequestLimiter(null, maxConcurrency: 8, clock);
        limiter.Release(await limiter.AcquireAsync(CancellationToken.None), Outcome.Throttled);
        Assert.That(limiter.PausedUntil, Is.Null);

        var a = await limiter.AcquireAsync(CancellationToken.None);
        var b = await limiter.AcquireAsync(CancellationToken.None);
        limiter.Release(a, Outcome.Throttled, TimeSpan.FromSeconds(5));
        limiter.Release(b, Outcome.Throttled, TimeSpan.FromSeconds(1));

        Assert.That(limiter.PausedUntil, Is.EqualTo(clock.GetUtcNow() + TimeSpan.FromSeconds(5)));
    }

    [Test]
    public async Task Cancelling_AWaiter_LeavesTheQueue()
    {
        var clock = new ManualTimeProvider();
        var limiter = new KindeRequestLimiter(null, maxConcurrency: 1, clock);
        long held = await limiter.AcquireAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(limiter.Waiting, Is.Zero);
        limiter.Release(held, Outcome.Success);
        Assert.That(limiter.InFlight, Is.Zero, "the slot was not handed to the cancelled waiter");
    }

    [Test]
    public async Task Cancelling_DuringThePause_GivesTheSlotBack()
    {
        var clock = new ManualTimeProvider();
        var limiter = new KindeRequestLimiter(null, maxConcurrency: 2, clock);
        limiter.Release(await limiter.AcquireAsync(CancellationToken.None), Outcome.Throttled, TimeSpan.FromSeconds(10));
        using var cts = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync(cts.Token).AsTask();
        await WaitUntil(() => clock.PendingTimers == 1);

        await cts.CancelAsync();

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(limiter.InFlight, Is.Zero);
    }

    private static async Task SucceedAsync(KindeRequestLimiter limiter, int count)
    {
        for (int i = 0; i < count; i++)
        {
            limiter.Release(await limiter.AcquireAsync(CancellationToken.None), KindeRequestLimiter.Outcome.Success);
        }
    }

    /// <summary>Advances the clock by <paramref name="step"/> each time <paramref name="quiet"/> (every unfinished caller
    /// waits on the clock), until <paramref name="done"/>.</summary>
    internal static async Task DriveAsync(ManualTimeProvider clock, Func<bool> done, Func<bool> quiet, TimeSpan step)
    {
        for (int i = 0; i < 10_000 && !done(); i++)
        {
            await WaitUntil(() => done() || quiet());
            clock.Advance(step);
        }

        Assert.That(done(), Is.True);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "condition not reached");
            await Task.Delay(5);
        }
    }
}
