using System.Globalization;
using System.Net;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Testing.Emulator;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.KindeApi;

/// <summary>The retry matrix of the resilience pipeline, and obedience to Kinde's 429s (at the innermost handler, just
/// before the socket).</summary>
[CancelAfter(30_000)]
public sealed class KindeApiRetryTests
{
    private static KindeApiOptions OptionsFor(KindeEmulator emulator, int maxAttempts = 5, int maxConcurrency = 8) => new()
    {
        Domain = emulator.BaseAddress,
        ClientId = "emulator-client",
        ClientSecret = "emulator-secret",
        RequestsPerSecond = null,
        MaxAttempts = maxAttempts,
        MaxConcurrency = maxConcurrency,
    };

    private static KindeApiOptions FakeOptions(int maxAttempts = 5) => new()
    {
        Domain = new Uri("http://127.0.0.1:9/"), ClientId = "c", ClientSecret = "s", RequestsPerSecond = null, MaxAttempts = maxAttempts,
    };

    [Test]
    public async Task InjectedServerError_PutAndDeleteAreRetried_PostAndPatchAreNot()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, FailureRate = 1 });
        using var client = KindeApiClient.Create(OptionsFor(emulator), clock, random: new Random(3));

        async Task<(int? Status, long Requests)> Attempt(Func<Task> call)
        {
            long before = client.Statistics.Requests;
            var ex = Assert.ThrowsAsync<KindeApiException>(() => call());
            await Task.CompletedTask;
            return (ex!.StatusCode, client.Statistics.Requests - before);
        }

        Assert.That(await Attempt(() => client.SetPasswordAsync("kp_x", new KindePasswordRequest("$2a$10$x", "bcrypt"))), Is.EqualTo(((int?)500, 5L)));
        Assert.That(await Attempt(() => client.DeleteUserAsync("kp_x")), Is.EqualTo(((int?)500, 5L)));
        Assert.That(await Attempt(() => client.ListRolesAsync()), Is.EqualTo(((int?)500, 5L)));
        Assert.That(await Attempt(() => client.UpdateUserAsync("kp_x", true)), Is.EqualTo(((int?)500, 1L)));
        Assert.That(await Attempt(() => client.AddOrganizationUsersAsync("org_x", [new("kp_x", [], [])])), Is.EqualTo(((int?)500, 1L)));
        Assert.That(await Attempt(() => client.CreatePermissionAsync("k", "K", null)), Is.EqualTo(((int?)500, 1L)));
        Assert.That(client.Statistics.Retries, Is.EqualTo(3 * 4));
    }

    [Test]
    public async Task SlowAnswer_AttemptTimesOutAfterRequestTimeout_GetIsResent_PostIsNot()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { Latency = TimeSpan.FromSeconds(2) });
        var options = OptionsFor(emulator, maxAttempts: 3);
        options.RequestTimeout = TimeSpan.FromMilliseconds(150);
        using var client = KindeApiClient.Create(options, clock, random: new Random(5));

        var get = Assert.ThrowsAsync<KindeApiException>(() => client.ListRolesAsync());
        Assert.That((get!.StatusCode, get.Message), Is.EqualTo(((int?)null, "Kinde API GET /api/v1/roles timed out.")));
        Assert.That(client.Statistics.Requests, Is.EqualTo(3), "a GET is resent after a timeout, up to MaxAttempts");

        var post = Assert.ThrowsAsync<KindeApiException>(() => client.CreatePermissionAsync("k", "K", null));
        Assert.That(post!.StatusCode, Is.Null);
        Assert.That(client.Statistics.Requests, Is.EqualTo(3 + 1), "a POST that timed out may have been carried out: sent once");
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(3601)]
    public void RequestTimeout_OutOfRange_IsRejectedAtConstruction(int seconds)
    {
        var options = FakeOptions();
        options.RequestTimeout = TimeSpan.FromSeconds(seconds);
        var ex = Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(() => KindeApiClient.Create(options, TimeProvider.System));
        Assert.That(ex!.Message, Does.Contain("RequestTimeout"));
    }

    [Test]
    public async Task Put_IsRetriedAfterA500_AndThenSucceeds()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        using var primary = new SequenceHandler(HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.OK);
        using var client = KindeApiClient.Create(FakeOptions(), clock, primary, new Random(1));

        await client.SetPasswordAsync("kp_1", new KindePasswordRequest("$2a$10$x", "bcrypt"));

        Assert.That(primary.ApiStatuses, Is.EqualTo(new[] { 500, 502, 200 }));
        Assert.That(primary.Bodies.Distinct().Count(), Is.EqualTo(1), "the same body every time");
        Assert.That((client.Statistics.Requests, client.Statistics.Retries, client.Statistics.Throttled), Is.EqualTo((3L, 2L, 0L)));
    }

    [Test]
    public async Task RequestTimeout408_IsRetriedForGet()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        using var primary = new SequenceHandler(HttpStatusCode.RequestTimeout, HttpStatusCode.OK);
        using var client = KindeApiClient.Create(FakeOptions(), clock, primary);

        await client.ListPermissionsAsync();

        Assert.That(primary.ApiStatuses, Is.EqualTo(new[] { 408, 200 }));
    }

    [Test]
    public async Task CommitThenDrop_PostIsNotResent_DeleteIs_AndFindsTheUserGone()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, CommitThenDropRate = 1 });
        using var client = KindeApiClient.Create(OptionsFor(emulator), clock);

        var post = Assert.ThrowsAsync<KindeApiException>(() => client.CreateOrganizationAsync("Acme", "ext-1"));
        Assert.That(post!.StatusCode, Is.Null, "no answer arrived");
        Assert.That(client.Statistics.Requests, Is.EqualTo(1));
        Assert.That(emulator.State.Organizations.Count(o => o.ExternalId == "ext-1"), Is.EqualTo(1), "carried out once");

        var delete = Assert.ThrowsAsync<KindeApiException>(() => client.DeleteUserAsync("kp_x"));
        Assert.That(delete!.StatusCode, Is.Null);
        Assert.That(client.Statistics.Requests, Is.EqualTo(1 + 5), "DELETE is idempotent: resent");
    }

    [Test]
    public async Task TooManyRequests_IsResentForPost_AfterTheDefaultSecond_WhenRateLimitResetIsMissing()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        using var primary = new SequenceHandler(HttpStatusCode.TooManyRequests, HttpStatusCode.OK) { Clock = clock };
        using var client = KindeApiClient.Create(FakeOptions(), clock, primary);

        await client.CreatePermissionAsync("k", "K", null);

        Assert.That(primary.ApiStatuses, Is.EqualTo(new[] { 429, 200 }));
        Assert.That(primary.SentAt[1] - primary.SentAt[0], Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That((client.Statistics.Throttled, client.Statistics.Retries), Is.EqualTo((1L, 1L)));
        Assert.That(client.Connection.Limiter.CurrentLimit, Is.EqualTo(4));
    }

    [Test]
    public async Task TooManyRequests_ALongResetIsCappedAt60Seconds()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        using var primary = new SequenceHandler(HttpStatusCode.TooManyRequests, HttpStatusCode.OK) { RateLimitReset = "3600", Clock = clock };
        using var client = KindeApiClient.Create(FakeOptions(), clock, primary);

        await client.ListRolesAsync();

        Assert.That(primary.SentAt[1] - primary.SentAt[0], Is.EqualTo(TimeSpan.FromSeconds(60)));
    }

    [Test]
    public void OneAttempt_IsNeverResent_NotEvenAfterA429()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        using var primary = new SequenceHandler(HttpStatusCode.TooManyRequests, HttpStatusCode.OK);
        using var client = KindeApiClient.Create(FakeOptions(maxAttempts: 1), clock, primary);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => client.ListRolesAsync());

        Assert.That(ex!.StatusCode, Is.EqualTo(429));
        Assert.That(primary.ApiStatuses, Has.Count.EqualTo(1));
    }

    [Test]
    public void Backoff_IsJitteredExponential_From200MsCappedAt10s()
    {
        using var connection = new KindeApiConnection(FakeOptions(), TimeProvider.System, random: new Random(42));

        for (int retry = 1; retry <= 12; retry++)
        {
            double ceiling = Math.Min(10_000, 200 * Math.Pow(2, retry - 1));
            Assert.That(connection.Backoff(retry).TotalMilliseconds, Is.InRange(ceiling / 2, ceiling), $"retry {retry}");
        }
    }

    [TestCase("GET", 500, true)]
    [TestCase("PUT", 503, true)]
    [TestCase("DELETE", 408, true)]
    [TestCase("POST", 500, false)]
    [TestCase("PATCH", 502, false)]
    [TestCase("POST", 429, true)]
    [TestCase("PATCH", 429, true)]
    [TestCase("GET", 404, false)]
    [TestCase("PUT", 400, false)]
    public void RetryMatrix_ForAnswers(string method, int status, bool retried)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.That(KindeApiConnection.ShouldRetry(Polly.Outcome.FromResult(response), new HttpMethod(method), CancellationToken.None), Is.EqualTo(retried));
    }

    [TestCase("GET", true)]
    [TestCase("PUT", true)]
    [TestCase("DELETE", true)]
    [TestCase("POST", false)]
    [TestCase("PATCH", false)]
    public void RetryMatrix_ForNetworkErrorsAndTimeouts(string method, bool retried)
    {
        var m = new HttpMethod(method);
        Assert.That(KindeApiConnection.ShouldRetry(Polly.Outcome.FromException<HttpResponseMessage>(new HttpRequestException("x")), m, default), Is.EqualTo(retried));
        Assert.That(KindeApiConnection.ShouldRetry(
            Polly.Outcome.FromException<HttpResponseMessage>(new Polly.Timeout.TimeoutRejectedException()), m, default), Is.EqualTo(retried));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.That(KindeApiConnection.ShouldRetry(Polly.Outcome.FromException<HttpResponseMessage>(new OperationCanceledException()), m, cancelled.Token), Is.False,
            "the caller's cancellation is never retried");
    }

    /// <summary>With Kinde's rate limiter on, no request leaves the client (innermost handler) before the
    /// <c>RateLimit-Reset</c> instant of a 429 answered earlier, whoever sent it; new callers are held too; the clock
    /// moves in 100 ms steps, so an early send would show.</summary>
    [Test]
    public async Task TooManyRequests_NothingIsSentBeforeTheReset_AcrossConcurrentCallers()
    {
        var clock = new ManualTimeProvider(); // 250 ms into a second: the emulator answers RateLimit-Reset: 1
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, RequestsPerSecond = 3 });
        var recorder = new RecordingHandler(clock);
        using var client = KindeApiClient.Create(OptionsFor(emulator, maxAttempts: 20), clock, recorder);
        var limiter = client.Connection.Limiter;
        var calls = Enumerable.Range(0, 12).Select(i => client.GetUsersByEmailAsync([$"u{i}@example.com"])).ToList();
        bool Quiet() => calls.Count(c => !c.IsCompleted) == clock.PendingTimers + limiter.Waiting;

        await KindeRequestLimiterTests.WaitUntil(Quiet);
        Assert.That(recorder.Api.Any(e => e.Status == 429), Is.True, "the first wave was throttled");
        Assert.That(limiter.PausedUntil, Is.EqualTo(clock.GetUtcNow() + TimeSpan.FromSeconds(1)));
        Assert.That(limiter.CurrentLimit, Is.EqualTo(4), "halved once for the whole wave");
        int sentBeforeLateCallers = recorder.Api.Count;
        calls.AddRange(Enumerable.Range(12, 3).Select(i => client.GetUsersByEmailAsync([$"u{i}@example.com"])));
        await KindeRequestLimiterTests.WaitUntil(Quiet);
        Assert.That(recorder.Api, Has.Count.EqualTo(sentBeforeLateCallers), "callers that start during the pause send nothing");

        await KindeRequestLimiterTests.DriveAsync(clock, () => calls.TrueForAll(c => c.IsCompleted), Quiet, TimeSpan.FromMilliseconds(100));
        await Task.WhenAll(calls);
        var api = recorder.Api;
        var throttled = api.Where(e => e.Status == 429).ToArray();
        Assert.That(api.Count(e => e.Status == 200), Is.EqualTo(15));
        Assert.That(client.Statistics.Throttled, Is.EqualTo(throttled.Length));
        foreach (var q in throttled)
        {
            var reset = TimeSpan.FromSeconds(int.Parse(q.RateLimitReset!, CultureInfo.InvariantCulture));
            var early = api.Where(e => e.SentAt > q.AnsweredAt && e.SentAt < q.AnsweredAt + reset).ToArray();
            Assert.That(early, Is.Empty, $"sent after the 429 answered at {q.AnsweredAt:HH:mm:ss.fff} and before its reset");
        }

        foreach (var group in api.GroupBy(e => e.PathAndQuery))
        {
            var attempts = group.ToArray();
            for (int i = 1; i < attempts.Length; i++)
            {
                Assert.That(attempts[i].SentAt - attempts[i - 1].AnsweredAt, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)), "a resend waits out the reset");
            }
        }
    }

    /// <summary>Answers the token request, then API requests with the given statuses in turn (the last one repeats).</summary>
    private sealed class SequenceHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        private readonly Lock _gate = new();
        private int _next;

        public List<int> ApiStatuses { get; } = [];

        public List<string> Bodies { get; } = [];

        public List<DateTimeOffset> SentAt { get; } = [];

        public string? RateLimitReset { get; init; }

        public TimeProvider Clock { get; init; } = TimeProvider.System;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath == "/oauth2/token")
            {
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"access_token":"t","expires_in":3600}""") };
            }

            string body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            HttpStatusCode status;
            lock (_gate)
            {
                status = statuses[Math.Min(_next++, statuses.Length - 1)];
                ApiStatuses.Add((int)status);
                Bodies.Add(body);
                SentAt.Add(Clock.GetUtcNow());
            }

            var response = new HttpResponseMessage(status)
            {
                Content = new StringContent(status == HttpStatusCode.OK ? """{"code":"OK","message":"Success"}""" : """{"errors":[{"code":"E","message":"m"}]}"""),
            };
            if (status == HttpStatusCode.TooManyRequests && RateLimitReset is not null)
            {
                response.Headers.Add("RateLimit-Reset", RateLimitReset);
            }

            return response;
        }
    }
}
