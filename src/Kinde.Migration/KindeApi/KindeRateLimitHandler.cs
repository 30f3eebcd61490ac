using System.Globalization;
using System.Net;

namespace Kinde.Migration.KindeApi;

/// <summary>Obeys Kinde's 429 answers and retries transient failures of safe calls.</summary>
/// <remarks>
/// <list type="bullet">
/// <item>429: the request was not processed, so it is resent for every method after <c>RateLimit-Reset</c> seconds
/// (1 s when missing or unreadable, at most 60 s), waited on the <see cref="TimeProvider"/>.</item>
/// <item>408, 5xx, a network error or a timeout: resent only for GET, HEAD, OPTIONS and PUT (setting a password is
/// idempotent), after a jittered exponential backoff (200 ms base, 10 s cap). POST, PATCH and DELETE are not resent:
/// they may have been carried out, and the caller re-checks by email.</item>
/// <item>At most <see cref="KindeApiOptions.MaxAttempts"/> sends in all; then the last response is returned (or the
/// last exception thrown).</item>
/// </list>
/// </remarks>
internal sealed class KindeRateLimitHandler : DelegatingHandler
{
    internal static readonly TimeSpan DefaultReset = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxReset = TimeSpan.FromSeconds(60);
    internal static readonly TimeSpan BackoffBase = TimeSpan.FromMilliseconds(200);
    internal static readonly TimeSpan BackoffCap = TimeSpan.FromSeconds(10);

    /// <summary>The wall-clock limit of one attempt, measured outside the <see cref="TimeProvider"/>.</summary>
    internal static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(100);

    private readonly int _maxAttempts;
    private readonly TimeProvider _time;
    private readonly Random _random;

    /// <summary>Initializes a new instance of the <see cref="KindeRateLimitHandler"/> class.</summary>
    /// <param name="maxAttempts">How many sends in all, at least 1.</param>
    /// <param name="time">The clock the waits use.</param>
    /// <param name="statistics">The counters to update.</param>
    /// <param name="random">The jitter source; <see langword="null"/> for <see cref="Random.Shared"/>.</param>
    public KindeRateLimitHandler(int maxAttempts, TimeProvider time, KindeApiStatistics statistics, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(statistics);
        _maxAttempts = maxAttempts;
        _time = time;
        Statistics = statistics;
        _random = random ?? Random.Shared;
    }

    /// <summary>Gets the counters this handler updates.</summary>
    public KindeApiStatistics Statistics { get; }

    /// <summary>Whether a request with this method may be resent after a failure that might have been processed.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <returns><see langword="true"/> for GET, HEAD, OPTIONS and PUT.</returns>
    internal static bool IsSafeToRetry(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Put;

    /// <summary>Reads <c>RateLimit-Reset</c> (delta seconds), falling back to 1 s and capping at 60 s.</summary>
    /// <param name="response">The 429 response.</param>
    /// <returns>How long to wait.</returns>
    internal static TimeSpan ResetDelay(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("RateLimit-Reset", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            && seconds >= 0 && !double.IsNaN(seconds))
        {
            return seconds >= MaxReset.TotalSeconds ? MaxReset : TimeSpan.FromSeconds(seconds);
        }

        return DefaultReset;
    }

    /// <summary>The backoff before resend number <paramref name="retry"/> (1-based): half of
    /// min(cap, base·2^(retry−1)) plus a random part up to the other half.</summary>
    /// <param name="retry">The 1-based retry number.</param>
    /// <returns>The delay.</returns>
    internal TimeSpan Backoff(int retry)
    {
        double ceiling = Math.Min(BackoffCap.TotalMilliseconds, BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(retry - 1, 30)));
        double jitter;
        lock (_random)
        {
            jitter = _random.NextDouble();
        }

        return TimeSpan.FromMilliseconds((ceiling / 2) + (ceiling / 2 * jitter));
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        bool safe = IsSafeToRetry(request.Method);
        for (int attempt = 1; ; attempt++)
        {
            // The first attempt sends the caller's request; later ones send copies, since the inner handlers set headers.
            using var copy = attempt == 1 ? null : await KindeTokenHandler.CloneAsync(request, cancellationToken).ConfigureAwait(false);
            Statistics.AddRequest();
            HttpResponseMessage response;
            // A wall-clock limit per attempt (HttpClient.Timeout would also count the waits between attempts).
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(AttemptTimeout);
            try
            {
                response = await base.SendAsync(copy ?? request, attemptTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && !(safe && attempt < _maxAttempts))
            {
                throw new TimeoutException($"The request did not complete within {AttemptTimeout.TotalSeconds:0} s.", ex);
            }
            catch (Exception ex) when (safe && attempt < _maxAttempts && IsTransient(ex, cancellationToken))
            {
                await WaitAsync(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }

            TimeSpan delay;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Statistics.AddThrottled();
                delay = ResetDelay(response);
            }
            else if (safe && IsTransient(response.StatusCode))
            {
                delay = Backoff(attempt);
            }
            else
            {
                return response;
            }

            if (attempt >= _maxAttempts)
            {
                return response;
            }

            response.Dispose();
            await WaitAsync(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken ct)
    {
        Statistics.AddRetry();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, ct).ConfigureAwait(false);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status == HttpStatusCode.RequestTimeout || (int)status >= 500;

    private static bool IsTransient(Exception ex, CancellationToken ct) =>
        ex is HttpRequestException or IOException
        || (ex is OperationCanceledException && !ct.IsCancellationRequested);
}
