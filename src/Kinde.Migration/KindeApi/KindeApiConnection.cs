using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Kinde.Migration.KindeApi;

/// <summary>One connection to a Kinde business: the state every request shares (token cache, rate control, counters)
/// and the one place the handler chain is built, for <see cref="KindeApiClient.Create"/> and for
/// <see cref="KindeApiServiceCollectionExtensions.AddKindeApiClient"/> alike. It outlives the handlers, which the
/// HTTP client factory may rebuild at any time.</summary>
/// <remarks>
/// <para>The chain, outermost first:</para>
/// <list type="number">
/// <item>Retry (<see cref="ResilienceHandler"/>): a 429 was not processed, so it is resent for every method after
/// <c>RateLimit-Reset</c> seconds (1 s when missing or unreadable, at most 60 s); a 408, 5xx, network error or timeout
/// may have been carried out, so it is resent only for GET, HEAD, OPTIONS, PUT and DELETE (PUT and DELETE are
/// idempotent), after a jittered exponential backoff (200 ms base, 10 s cap); POST and PATCH are never resent after
/// such a failure. At most <see cref="KindeApiOptions.MaxAttempts"/> sends in all; then the last answer is returned
/// (or the last exception thrown). Waits are on the <see cref="TimeProvider"/>.</item>
/// <item><see cref="KindeRateLimitHandler"/>: each attempt waits for <see cref="KindeRequestLimiter"/> and is
/// counted.</item>
/// <item>Attempt timeout (<see cref="ResilienceHandler"/>): <see cref="KindeApiOptions.RequestTimeout"/> per attempt, on the wall clock
/// (it guards against a connection that hangs, which a test clock cannot see). It sits inside the limiter so that
/// waiting for a slot or a pause never counts against it.</item>
/// <item><see cref="KindeTokenHandler"/>, then the primary handler.</item>
/// </list>
/// </remarks>
internal sealed class KindeApiConnection : IDisposable
{
    /// <summary>The backoff of the first resend after a transient failure.</summary>
    internal static readonly TimeSpan BackoffBase = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest backoff.</summary>
    internal static readonly TimeSpan BackoffCap = TimeSpan.FromSeconds(10);

    private readonly Random _random;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly ResiliencePipeline<HttpResponseMessage> _attemptTimeout;

    /// <summary>Initializes a new instance of the <see cref="KindeApiConnection"/> class.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="time">The clock of token expiry, retry delays and rate control.</param>
    /// <param name="metrics">The instruments; <see langword="null"/> for new ones on the process-wide meter.</param>
    /// <param name="random">The backoff jitter source; <see langword="null"/> for <see cref="Random.Shared"/>.</param>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException">The options are not valid.</exception>
    public KindeApiConnection(KindeApiOptions options, TimeProvider time, KindeApiMetrics? metrics = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.ValidateOrThrow();
        Options = options;
        Time = time;
        Metrics = metrics ?? new KindeApiMetrics();
        Limiter = new KindeRequestLimiter(options.RequestsPerSecond, options.MaxConcurrency, time);
        Tokens = new KindeTokenCache(options, time);
        BaseAddress = new Uri(options.Domain!.GetLeftPart(UriPartial.Authority) + "/");
        _random = random ?? Random.Shared;
        _retry = BuildRetryPipeline();
        _attemptTimeout = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = TimeProvider.System }
            .AddTimeout(options.RequestTimeout)
            .Build();
    }

    /// <summary>Gets the options.</summary>
    internal KindeApiOptions Options { get; }

    /// <summary>Gets the clock.</summary>
    internal TimeProvider Time { get; }

    /// <summary>Gets the request counters.</summary>
    internal KindeApiStatistics Statistics { get; } = new();

    /// <summary>Gets the instruments.</summary>
    internal KindeApiMetrics Metrics { get; }

    /// <summary>Gets the rate control.</summary>
    internal KindeRequestLimiter Limiter { get; }

    /// <summary>Gets the token cache.</summary>
    internal KindeTokenCache Tokens { get; }

    /// <summary>Gets the API's base address: the scheme and authority of the domain, with a trailing slash.</summary>
    internal Uri BaseAddress { get; }

    /// <summary>A new primary handler: sockets, with pooled connections renewed every 5 minutes (DNS changes).</summary>
    /// <returns>The handler.</returns>
    internal static HttpMessageHandler CreatePrimaryHandler() =>
        new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };

    /// <summary>Whether a request with this method may be resent after a failure that might have been processed.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <returns><see langword="true"/> for GET, HEAD, OPTIONS, PUT and DELETE.</returns>
    internal static bool IsSafeToRetry(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Put
        || method == HttpMethod.Delete;

    /// <summary>Creates the handler chain, outermost first (see the class remarks). Each call returns new handlers over
    /// this connection's shared state.</summary>
    /// <returns>The delegating handlers, without the primary handler.</returns>
    internal IReadOnlyList<DelegatingHandler> CreateHandlers() =>
    [
        new ResilienceHandler(_retry),
        new KindeRateLimitHandler(Limiter, Statistics, Metrics, Time),
        new ResilienceHandler(_attemptTimeout),
        new KindeTokenHandler(Tokens),
    ];

    /// <summary>Sets the base address, and no overall timeout (each attempt has its own; a call may wait out several
    /// 429 resets).</summary>
    /// <param name="http">The client.</param>
    internal void ConfigureHttpClient(HttpClient http)
    {
        http.BaseAddress = BaseAddress;
        http.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>Creates a client over <see cref="CreateHandlers"/> and <paramref name="primary"/>; disposing the client
    /// disposes the chain, <paramref name="primary"/> included.</summary>
    /// <param name="primary">The handler that does the I/O.</param>
    /// <returns>The client.</returns>
    internal HttpClient CreateHttpClient(HttpMessageHandler primary)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var handlers = CreateHandlers();
        for (int i = 0; i < handlers.Count; i++)
        {
            handlers[i].InnerHandler = i + 1 < handlers.Count ? handlers[i + 1] : primary;
        }

        var http = new HttpClient(handlers[0], disposeHandler: true);
        ConfigureHttpClient(http);
        return http;
    }

    /// <inheritdoc/>
    public void Dispose() => Tokens.Dispose();

    /// <summary>The backoff before resend number <paramref name="retry"/> (1-based) after a transient failure: half of
    /// min(cap, base·2^(retry−1)) plus a random part up to the other half.</summary>
    /// <param name="retry">The 1-based retry number.</param>
    /// <returns>The delay.</returns>
    internal TimeSpan Backoff(int retry)
    {
        double jitter;
        lock (_random)
        {
            jitter = _random.NextDouble();
        }

        return Backoff(BackoffBase, retry, jitter);
    }

    /// <summary>Half of min(cap, <paramref name="backoffBase"/>·2^(retry−1)) plus <paramref name="jitter"/> (0 to 1) of the
    /// other half: the one backoff formula of the client and the importer.</summary>
    /// <param name="backoffBase">The first retry's ceiling.</param>
    /// <param name="retry">The 1-based retry number.</param>
    /// <param name="jitter">A random number from 0 to 1.</param>
    /// <returns>The delay.</returns>
    internal static TimeSpan Backoff(TimeSpan backoffBase, int retry, double jitter)
    {
        double ceiling = Math.Min(BackoffCap.TotalMilliseconds, backoffBase.TotalMilliseconds * Math.Pow(2, Math.Clamp(retry - 1, 0, 30)));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (ceiling / 2 * jitter));
    }

    /// <summary>Whether an attempt's outcome is resent (see the class remarks).</summary>
    /// <param name="outcome">The answer or the exception.</param>
    /// <param name="method">The request's method.</param>
    /// <param name="ct">The caller's token: a cancellation by the caller is never retried.</param>
    /// <returns>Whether to resend.</returns>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, HttpMethod? method, CancellationToken ct)
    {
        if (outcome.Result is { } response)
        {
            return response.StatusCode == HttpStatusCode.TooManyRequests
                || (method is not null && IsSafeToRetry(method)
                    && (response.StatusCode == HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500));
        }

        return method is not null && IsSafeToRetry(method)
            && (outcome.Exception is HttpRequestException or IOException or TimeoutRejectedException or TimeoutException
                || (outcome.Exception is OperationCanceledException && !ct.IsCancellationRequested));
    }

    private ResiliencePipeline<HttpResponseMessage> BuildRetryPipeline()
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = Time };
        if (Options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Options.MaxAttempts - 1,
                ShouldHandle = args => ValueTask.FromResult(
                    ShouldRetry(args.Outcome, args.Context.GetRequestMessage()?.Method, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests } throttled
                        ? KindeRateLimitHandler.RateLimitReset(throttled) ?? KindeRateLimitHandler.DefaultReset
                        : Backoff(args.AttemptNumber + 1)),
                OnRetry = args =>
                {
                    Statistics.AddRetry();
                    Metrics.Retried(args.Context.GetRequestMessage() is { } request ? KindeApiOperation.Of(request) : "unknown");
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }
}
