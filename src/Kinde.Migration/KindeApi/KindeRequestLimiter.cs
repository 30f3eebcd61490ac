namespace Kinde.Migration.KindeApi;

/// <summary>The client-side rate control shared by every request of one connection to Kinde: a request-rate limit, an
/// adaptive concurrency limit and a pause after a 429 that carried <c>RateLimit-Reset</c>. All waits are on the
/// <see cref="TimeProvider"/>.</summary>
/// <remarks>
/// <list type="bullet">
/// <item>Rate: a token bucket holding one token, refilled every 1/<c>requestsPerSecond</c> seconds, so sends are spaced
/// evenly; unlimited when the rate is null or 0.</item>
/// <item>Concurrency (AIMD): the working limit starts at <c>maxConcurrency</c>; a 429 halves it (down to 1), once for
/// all the requests that were sent under the same limit; after as many consecutive answers other than 429 and 5xx as
/// the limit it grows by one, up to <c>maxConcurrency</c>.</item>
/// <item>Pause: after a 429 with <c>RateLimit-Reset</c> (capped at 60 s), nothing is sent until that instant has passed,
/// counted from when the answer was seen here.</item>
/// </list>
/// <para>A caller takes a slot with <see cref="AcquireAsync"/> (waiting for the concurrency limit, then for the pause
/// and the rate), sends, then gives the slot back with <see cref="Release"/> and what the answer was.</para>
/// </remarks>
internal sealed class KindeRequestLimiter
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly int _maxConcurrency;
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private int _limit;
    private int _holders;
    private int _successes;
    private long _epoch;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _nextSend = DateTimeOffset.MinValue;

    /// <summary>Initializes a new instance of the <see cref="KindeRequestLimiter"/> class.</summary>
    /// <param name="requestsPerSecond">The most sends a second; <see langword="null"/> or 0 for unlimited.</param>
    /// <param name="maxConcurrency">The highest (and first) concurrency limit, at least 1.</param>
    /// <param name="time">The clock of the waits.</param>
    public KindeRequestLimiter(double? requestsPerSecond, int maxConcurrency, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        ArgumentNullException.ThrowIfNull(time);
        if (requestsPerSecond is { } rps && !(rps >= 0 && double.IsFinite(rps)))
        {
            throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), rps, "Must be a finite number, not negative.");
        }

        _interval = requestsPerSecond is > 0 ? TimeSpan.FromTicks((long)Math.Ceiling(TimeSpan.TicksPerSecond / requestsPerSecond.Value)) : TimeSpan.Zero;
        _maxConcurrency = maxConcurrency;
        _limit = maxConcurrency;
        _time = time;
    }

    /// <summary>What an attempt came to, for <see cref="Release"/>.</summary>
    internal enum Outcome
    {
        /// <summary>An answer other than 429 or 5xx: counts toward raising the limit.</summary>
        Success,

        /// <summary>A 429: halves the limit and, with a reset, pauses every send.</summary>
        Throttled,

        /// <summary>A 5xx, a network error, a timeout or a cancellation: changes nothing.</summary>
        Neutral,
    }

    /// <summary>Gets the spacing between sends; <see cref="TimeSpan.Zero"/> when unlimited.</summary>
    internal TimeSpan Interval => _interval;

    /// <summary>Gets the current concurrency limit.</summary>
    internal int CurrentLimit
    {
        get { lock (_gate) { return _limit; } }
    }

    /// <summary>Gets how many callers hold a slot (sending, or waiting for the pause or the rate).</summary>
    internal int InFlight
    {
        get { lock (_gate) { return _holders; } }
    }

    /// <summary>Gets how many callers wait for a slot.</summary>
    internal int Waiting
    {
        get { lock (_gate) { return _waiters.Count; } }
    }

    /// <summary>Gets the instant until which nothing is sent, or <see langword="null"/> when not paused.</summary>
    internal DateTimeOffset? PausedUntil
    {
        get
        {
            lock (_gate)
            {
                return _pausedUntil > _time.GetUtcNow() ? _pausedUntil : null;
            }
        }
    }

    /// <summary>Waits for a concurrency slot, then for the pause and the rate; the caller may send when it returns.</summary>
    /// <param name="ct">A token that cancels the wait.</param>
    /// <returns>A ticket to give back to <see cref="Release"/>.</returns>
    public async ValueTask<long> AcquireAsync(CancellationToken ct)
    {
        await AcquireSlotAsync(ct).ConfigureAwait(false);
        try
        {
            while (true)
            {
                TimeSpan wait;
                lock (_gate)
                {
                    var now = _time.GetUtcNow();
                    var at = _pausedUntil > _nextSend ? _pausedUntil : _nextSend;
                    if (at <= now)
                    {
                        _nextSend = now + _interval;
                        return _epoch;
                    }

                    wait = at - now;
                }

                await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            Release(-1, Outcome.Neutral);
            throw;
        }
    }

    /// <summary>Gives a slot back.</summary>
    /// <param name="ticket">What <see cref="AcquireAsync"/> returned.</param>
    /// <param name="outcome">What the attempt came to.</param>
    /// <param name="reset">For <see cref="Outcome.Throttled"/>: the <c>RateLimit-Reset</c> delay, if the answer had one.</param>
    public void Release(long ticket, Outcome outcome, TimeSpan? reset = null)
    {
        lock (_gate)
        {
            _holders--;
            if (outcome == Outcome.Throttled)
            {
                _successes = 0;
                if (ticket == _epoch)
                {
                    // Halve once for all the requests sent under this limit: their 429s are one signal.
                    _limit = Math.Max(1, _limit / 2);
                    _epoch++;
                }

                if (reset is { } delay && _time.GetUtcNow() + delay is var until && until > _pausedUntil)
                {
                    _pausedUntil = until;
                }
            }
            else if (outcome == Outcome.Success && ++_successes >= _limit)
            {
                _successes = 0;
                _limit = Math.Min(_maxConcurrency, _limit + 1);
            }

            GrantLocked();
        }
    }

    private Task AcquireSlotAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _holders < _limit)
            {
                _holders++;
                return Task.CompletedTask;
            }

            node = _waiters.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return WaitForSlotAsync(node, ct);
    }

    private async Task WaitForSlotAsync(LinkedListNode<TaskCompletionSource> node, CancellationToken ct)
    {
        await using var registration = ct.Register(() =>
        {
            lock (_gate)
            {
                // Still queued: leave the queue. Already granted: the slot is the caller's, who releases it.
                if (node.List is not null)
                {
                    _waiters.Remove(node);
                    node.Value.TrySetCanceled(ct);
                }
            }
        }).ConfigureAwait(false);
        await node.Value.Task.ConfigureAwait(false);
    }

    private void GrantLocked()
    {
        while (_holders < _limit && _waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            _holders++;
            first.Value.TrySetResult();
        }
    }
}
