using System.Globalization;
using System.Net;
using Polly.Timeout;

namespace Kinde.Migration.KindeApi;

/// <summary>Gates every attempt through the connection's <see cref="KindeRequestLimiter"/> (concurrency, pause after
/// a 429, request rate) and counts it: <see cref="KindeApiStatistics"/> and <see cref="KindeApiMetrics"/>. It sits
/// inside the retry handler, so each resend is gated and counted too; it never resends anything itself.</summary>
/// <param name="limiter">The connection's limiter (it outlives this handler).</param>
/// <param name="statistics">The connection's counters.</param>
/// <param name="metrics">The instruments.</param>
/// <param name="time">The clock of the attempt durations.</param>
internal sealed class KindeRateLimitHandler(KindeRequestLimiter limiter, KindeApiStatistics statistics, KindeApiMetrics metrics, TimeProvider time)
    : DelegatingHandler
{
    /// <summary>The delay after a 429 without a readable <c>RateLimit-Reset</c>.</summary>
    internal static readonly TimeSpan DefaultReset = TimeSpan.FromSeconds(1);

    /// <summary>The longest <c>RateLimit-Reset</c> obeyed.</summary>
    internal static readonly TimeSpan MaxReset = TimeSpan.FromSeconds(60);

    /// <summary>Reads <c>RateLimit-Reset</c> (delta seconds), capped at <see cref="MaxReset"/>.</summary>
    /// <param name="response">The 429 response.</param>
    /// <returns>The delay, or <see langword="null"/> when the header is missing or unreadable.</returns>
    internal static TimeSpan? RateLimitReset(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("RateLimit-Reset", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)
            && seconds >= 0 && !double.IsNaN(seconds))
        {
            return seconds >= MaxReset.TotalSeconds ? MaxReset : TimeSpan.FromSeconds(seconds);
        }

        return null;
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string operation = KindeApiOperation.Of(request);
        long ticket = await limiter.AcquireAsync(cancellationToken).ConfigureAwait(false);
        statistics.AddRequest();
        long start = time.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            limiter.Release(ticket, KindeRequestLimiter.Outcome.Neutral);
            string error = ex switch
            {
                TimeoutRejectedException or TimeoutException => "timeout",
                OperationCanceledException => "canceled",
                _ => "network",
            };
            metrics.RequestFailed(operation, error, time.GetElapsedTime(start));
            throw;
        }

        int status = (int)response.StatusCode;
        metrics.RequestAnswered(operation, status, time.GetElapsedTime(start));
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            statistics.AddThrottled();
            limiter.Release(ticket, KindeRequestLimiter.Outcome.Throttled, RateLimitReset(response));
        }
        else
        {
            limiter.Release(ticket, status >= 500 ? KindeRequestLimiter.Outcome.Neutral : KindeRequestLimiter.Outcome.Success);
        }

        return response;
    }
}

/// <summary>The operation name of a request, for metrics: set by <see cref="KindeApiClient"/> on
/// <see cref="HttpRequestMessage.Options"/> as a path template (for example <c>PUT /api/v1/users/{user_id}/password</c>),
/// so that no id reaches a tag.</summary>
internal static class KindeApiOperation
{
    /// <summary>The option key.</summary>
    internal static readonly HttpRequestOptionsKey<string> Key = new("Kinde.Migration.Operation");

    /// <summary>Gets the operation of a request: the option, else the method alone (a path may hold an id).</summary>
    /// <param name="request">The request.</param>
    /// <returns>The operation name.</returns>
    internal static string Of(HttpRequestMessage request) =>
        request.Options.TryGetValue(Key, out string? operation) && operation is not null ? operation : request.Method.Method;
}
