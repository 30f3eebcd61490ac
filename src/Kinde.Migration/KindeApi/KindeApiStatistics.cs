namespace Kinde.Migration.KindeApi;

/// <summary>Counters of the Kinde Management API traffic, for the migration report. Safe to read while requests are in
/// flight.</summary>
public sealed class KindeApiStatistics
{
    private long _requests;
    private long _throttled;
    private long _retries;

    /// <summary>Gets how many API requests were sent, counting every attempt (token requests are not counted).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Gets how many API responses were 429 Too Many Requests.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Gets how many API requests were sent again after a 429, a transient error or a network error.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    internal void AddRequest() => Interlocked.Increment(ref _requests);

    internal void AddThrottled() => Interlocked.Increment(ref _throttled);

    internal void AddRetry() => Interlocked.Increment(ref _retries);

    /// <summary>Describes the counters.</summary>
    /// <returns>The three counters.</returns>
    public override string ToString() => $"Requests = {Requests}, Throttled = {Throttled}, Retries = {Retries}";
}
