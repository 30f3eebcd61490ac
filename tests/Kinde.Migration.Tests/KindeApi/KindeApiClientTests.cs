using Kinde.Migration.Tests.Helpers;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Tests.KindeApi;

[CancelAfter(15_000)]
public sealed class KindeApiClientTests
{
    /// <summary>Options for the emulator. No client-side request rate by default: most tests freeze a manual clock,
    /// on which the spacing between sends would never pass.</summary>
    private static KindeApiOptions OptionsFor(KindeEmulator emulator, string secret = "emulator-secret", double? requestsPerSecond = null) => new()
    {
        Domain = emulator.BaseAddress,
        ClientId = "emulator-client",
        ClientSecret = secret,
        RequestsPerSecond = requestsPerSecond,
    };

    [Test]
    public async Task Token_IsCachedAcrossCalls()
    {
        var clock = new ManualTimeProvider();
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock });
        using var client = KindeApiClient.Create(OptionsFor(emulator), clock);

        for (int i = 0; i < 3; i++)
        {
            await client.GetUsersByEmailAsync(["a@example.com"]);
        }

        Assert.That(emulator.State.TokensIssued, Is.EqualTo(1));
        Assert.That(client.Statistics.Requests, Is.EqualTo(3));
    }

    [Test]
    public async Task Token_IsRefreshedBeforeItExpires()
    {
        var clock = new ManualTimeProvider();
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, TokenLifetime = TimeSpan.FromHours(1) });
        var recorder = new RecordingHandler(clock);
        using var client = KindeApiClient.Create(OptionsFor(emulator), clock, recorder);

        await client.GetUsersByEmailAsync(["a@example.com"]);
        clock.Advance(TimeSpan.FromMinutes(58));
        await client.GetUsersByEmailAsync(["a@example.com"]);
        Assert.That(emulator.State.TokensIssued, Is.EqualTo(1), "still inside expires_in - margin");

        clock.Advance(TimeSpan.FromSeconds(90)); // 59.5 min: inside the 60 s margin, before the emulator's expiry
        await client.GetUsersByEmailAsync(["a@example.com"]);

        Assert.That(emulator.State.TokensIssued, Is.EqualTo(2));
        Assert.That(recorder.Api.Select(e => e.Status), Is.All.EqualTo(200), "no 401 was needed");
    }

    [Test]
    public async Task ConcurrentCallers_ShareOneTokenRequest()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        var recorder = new RecordingHandler(TimeProvider.System) { TokenDelay = TimeSpan.FromMilliseconds(100) };
        using var client = KindeApiClient.Create(OptionsFor(emulator), TimeProvider.System, recorder);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.GetUsersByEmailAsync([$"u{i}@example.com"])));

        Assert.That(emulator.State.TokensIssued, Is.EqualTo(1));
        Assert.That(recorder.TokenRequests, Is.EqualTo(1));
        Assert.That(recorder.Api, Has.Count.EqualTo(20));
    }

    [Test]
    public async Task Unauthorized_RefreshesOnceAndResends()
    {
        // The emulator's clock runs ahead, so it rejects a token the client still thinks is fresh.
        var serverClock = new ManualTimeProvider();
        var clientClock = new ManualTimeProvider();
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = serverClock });
        var recorder = new RecordingHandler(clientClock);
        using var client = KindeApiClient.Create(OptionsFor(emulator), clientClock, recorder);
        await client.GetUsersByEmailAsync(["a@example.com"]);

        serverClock.Advance(TimeSpan.FromHours(2));
        var found = await client.GetUsersByEmailAsync(["a@example.com"]);

        Assert.That(found, Is.Empty);
        Assert.That(emulator.State.TokensIssued, Is.EqualTo(2));
        Assert.That(recorder.Api.Select(e => e.Status), Is.EqualTo(new[] { 200, 401, 200 }));
        Assert.That(client.Statistics.Requests, Is.EqualTo(2), "the 401 resend happens below the rate-limit handler");
    }

    [Test]
    public void Unauthorized_AfterTheRefresh_IsAnError_NotALoop()
    {
        using var primary = new AlwaysUnauthorizedHandler();
        using var client = KindeApiClient.Create(
            new KindeApiOptions { Domain = new Uri("http://127.0.0.1:9/"), ClientId = "c", ClientSecret = "s" }, TimeProvider.System, primary);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => client.GetUsersByEmailAsync(["a@example.com"]));

        Assert.That(ex!.StatusCode, Is.EqualTo(401));
        Assert.That(ex.ErrorCode, Is.EqualTo("UNAUTHORIZED"));
        Assert.That(primary.TokenRequests, Is.EqualTo(2));
        Assert.That(primary.ApiRequests, Is.EqualTo(2));
    }

    [Test]
    public async Task WrongSecret_ThrowsWithoutTheSecret()
    {
        const string Secret = "wrong-secret-1f0c2d9e";
        await using var emulator = await KindeEmulator.StartAsync();
        using var client = KindeApiClient.Create(OptionsFor(emulator, Secret), TimeProvider.System);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => client.GetUsersByEmailAsync(["a@example.com"]));

        Assert.That(ex!.StatusCode, Is.EqualTo(401));
        Assert.That(ex.ErrorCode, Is.EqualTo("invalid_client"));
        Assert.That(ex.Message, Does.Contain("401").And.Contain("invalid_client").And.Not.Contain(Secret));
        Assert.That(ex.ToString(), Does.Not.Contain(Secret));
        Assert.That(emulator.State.TokensIssued, Is.Zero);
    }

    [Test]
    public async Task TooManyRequests_WaitsForRateLimitReset_OnTheSharedClock()
    {
        var clock = new ManualTimeProvider(); // starts 250 ms into a second
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, RequestsPerSecond = 2 });
        var recorder = new RecordingHandler(clock);
        using var client = KindeApiClient.Create(OptionsFor(emulator), clock, recorder);
        await client.GetUsersByEmailAsync(["a@example.com"]);
        await client.GetUsersByEmailAsync(["b@example.com"]);

        var third = client.GetUsersByEmailAsync(["c@example.com"]);
        await WaitUntil(() => clock.PendingTimers == 1 && recorder.Api.Count == 3);
        var throttled = recorder.Api[2];
        Assert.That(throttled.Status, Is.EqualTo(429));
        Assert.That(throttled.RateLimitReset, Is.EqualTo("1"));

        clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50);
        Assert.That(third.IsCompleted, Is.False);
        Assert.That(recorder.Api, Has.Count.EqualTo(3), "nothing is sent before RateLimit-Reset elapsed");

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await third;

        var resend = recorder.Api[3];
        Assert.That(resend.Status, Is.EqualTo(200));
        Assert.That(resend.SentAt - throttled.AnsweredAt, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(client.Statistics.Throttled, Is.EqualTo(1));
        Assert.That(client.Statistics.Retries, Is.EqualTo(1));
        Assert.That(client.Statistics.Requests, Is.EqualTo(4));
    }

    [Test]
    public async Task TooManyRequests_EveryResendWaitsAtLeastTheReset_AndPostIsResentToo()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, RequestsPerSecond = 3 });
        var recorder = new RecordingHandler(clock);
        using var client = KindeApiClient.Create(OptionsFor(emulator), clock, recorder);

        for (int i = 0; i < 10; i++)
        {
            await client.CreateUserAsync(new KindeNewUser(Email: $"user{i}@example.com"));
        }

        var api = recorder.Api;
        Assert.That(emulator.State.Users, Has.Count.EqualTo(10));
        Assert.That(client.Statistics.Throttled, Is.GreaterThan(0));
        for (int i = 0; i < api.Count - 1; i++)
        {
            if (api[i].Status == 429)
            {
                var reset = TimeSpan.FromSeconds(int.Parse(api[i].RateLimitReset!, System.Globalization.CultureInfo.InvariantCulture));
                Assert.That(api[i + 1].SentAt - api[i].AnsweredAt, Is.GreaterThanOrEqualTo(reset), $"request {i + 1}");
            }
        }
    }

    [Test]
    public async Task InjectedServerError_RetriesGet_ButNotPost()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, FailureRate = 1 });
        var options = OptionsFor(emulator);
        using var getter = KindeApiClient.Create(options, clock, random: new Random(7));
        using var poster = KindeApiClient.Create(options, clock, random: new Random(7));

        var getError = Assert.ThrowsAsync<KindeApiException>(() => getter.GetUsersByEmailAsync(["a@example.com"]));
        var postError = Assert.ThrowsAsync<KindeApiException>(() => poster.CreateUserAsync(new KindeNewUser(Email: "a@example.com")));

        Assert.That(getError!.StatusCode, Is.EqualTo(500));
        Assert.That(getter.Statistics.Requests, Is.EqualTo(5));
        Assert.That(getter.Statistics.Retries, Is.EqualTo(4));
        Assert.That(postError!.StatusCode, Is.EqualTo(500));
        Assert.That(postError.ErrorCode, Is.EqualTo("INTERNAL_SERVER_ERROR"));
        Assert.That(poster.Statistics.Requests, Is.EqualTo(1));
        Assert.That(poster.Statistics.Retries, Is.Zero);
        Assert.That(emulator.State.Users, Is.Empty);
    }

    [Test]
    public async Task DroppedConnection_AfterCommit_PostIsNotResent_PutIs()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, CommitThenDropRate = 1 });
        using var client = KindeApiClient.Create(OptionsFor(emulator), clock);

        var postError = Assert.ThrowsAsync<KindeApiException>(() => client.CreateUserAsync(new KindeNewUser(Email: "drop@example.com")));
        Assert.That(postError!.StatusCode, Is.Null);
        Assert.That(client.Statistics.Requests, Is.EqualTo(1));
        var user = emulator.State.FindUserByEmail("drop@example.com");
        Assert.That(user, Is.Not.Null, "the create was carried out: the caller must re-check by email");

        var putError = Assert.ThrowsAsync<KindeApiException>(() => client.SetPasswordAsync(user!.Id, new KindePasswordRequest("$2a$10$x", "bcrypt")));
        Assert.That(putError!.StatusCode, Is.Null);
        Assert.That(client.Statistics.Requests, Is.EqualTo(1 + 5));
        Assert.That(client.Statistics.Retries, Is.EqualTo(4));
    }

    [Test]
    public async Task GetUsersByPhoneOrUsername_FindsUsersWithoutEmail_WithThePlusSignEscaped()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var client = KindeApiClient.Create(OptionsFor(emulator), TimeProvider.System);
        var created = await client.CreateUserAsync(new KindeNewUser(Phone: "+15550100200"));
        await client.CreateUserAsync(new KindeNewUser(Phone: "+15550100300"));

        var found = await client.GetUsersByPhoneAsync(["+15550100200", "+15550100999"]);

        Assert.That(found, Is.EqualTo(new[] { new KindeUserRef(created.Id, null, "+15550100200") }));

        var named = await client.CreateUserAsync(new KindeNewUser(Username: "just-a-name"));
        Assert.That(await client.GetUsersByUsernameAsync(["JUST-A-NAME", "nobody"]), Is.EqualTo(new[] { new KindeUserRef(named.Id, null, null, "just-a-name") }));
    }

    [Test]
    public async Task RoundTrip_CreateFindPasswordSuspendProperties()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        await DefineUserPropertyAsync(emulator, "theme");
        using var client = KindeApiClient.Create(OptionsFor(emulator), TimeProvider.System);
        const string Hash = "$2a$10$abcdefghijklmnopqrstuu5dTnJ0N4kXb2iJ0n9pYy0jJg3v8pQ6e";

        var created = await client.CreateUserAsync(new KindeNewUser(
            GivenName: "Lee", FamilyName: "Liu", Email: "lee@example.com", EmailVerified: true,
            Phone: "+61426148233", PhoneCountryId: "au", Username: "leeliu", ProvidedId: "auth0|123"));
        var found = await client.GetUsersByEmailAsync(["LEE@example.com", "nobody@example.com"]);
        await client.SetPasswordAsync(created.Id, new KindePasswordRequest(Hash, "bcrypt"));
        await client.UpdateUserAsync(created.Id, isSuspended: true);
        await client.SetPropertiesAsync(created.Id, new Dictionary<string, string> { ["theme"] = "dark" });

        Assert.That(created.Created, Is.True);
        Assert.That(found, Is.EqualTo(new[] { new KindeUserRef(created.Id, "lee@example.com", "+61426148233", "leeliu") }));
        var user = emulator.State.FindUser(created.Id)!;
        Assert.That(user, Is.Not.Null);
        Assert.That((user.FirstName, user.LastName, user.ProvidedId), Is.EqualTo(("Lee", "Liu", "auth0|123")));
        Assert.That(user.Identities.Select(i => (i.Type, i.Value, i.IsVerified)), Is.EqualTo(new[]
        {
            ("email", "lee@example.com", true), ("phone", "+61426148233", false), ("username", "leeliu", false),
        }));
        Assert.That(user.Password, Is.EqualTo(new EmulatedPassword("bcrypt", EmulatedPassword.Fingerprint(Hash), false, false)));
        Assert.That(user.IsSuspended, Is.True);
        Assert.That(user.Properties, Is.EquivalentTo(new Dictionary<string, string> { ["theme"] = "dark" }));
    }

    [Test]
    public async Task DuplicateCreate_IsAConflictWithTheCode()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var client = KindeApiClient.Create(OptionsFor(emulator), TimeProvider.System);
        await client.CreateUserAsync(new KindeNewUser(Email: "dup@example.com"));

        var ex = Assert.ThrowsAsync<KindeApiException>(() => client.CreateUserAsync(new KindeNewUser(Email: "DUP@example.com")));

        Assert.That(ex!.StatusCode, Is.EqualTo(409));
        Assert.That(ex.ErrorCode, Is.EqualTo("USER_ALREADY_EXISTS"));
        Assert.That(ex.Message, Does.Not.Contain("dup@example.com").IgnoreCase, "no request body in the message");
    }

    [Test]
    public async Task DuplicateCreate_NotCreatedAnswer_ReturnsTheExistingId()
    {
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { DuplicateUserBehavior = KindeEmulatorDuplicateUserBehavior.NotCreated });
        using var client = KindeApiClient.Create(OptionsFor(emulator), TimeProvider.System);
        var first = await client.CreateUserAsync(new KindeNewUser(Email: "dup@example.com"));

        var second = await client.CreateUserAsync(new KindeNewUser(Email: "dup@example.com"));

        Assert.That(second, Is.EqualTo(new KindeCreatedUser(first.Id, false)));
    }

    [Test]
    public async Task UnknownUser_GivesTheNotFoundCode()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var client = KindeApiClient.Create(OptionsFor(emulator), TimeProvider.System);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => client.UpdateUserAsync("kp_missing", isSuspended: true));

        Assert.That(ex!.StatusCode, Is.EqualTo(404));
        Assert.That(ex.ErrorCode, Is.EqualTo("USER_NOT_FOUND"));
    }

    [Test]
    public async Task GetUsersByEmail_FollowsNextToken()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var client = KindeApiClient.Create(OptionsFor(emulator), TimeProvider.System, pageSize: 2);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add((await client.CreateUserAsync(new KindeNewUser(Email: $"p{i}@example.com"))).Id);
        }

        var found = await client.GetUsersByEmailAsync(Enumerable.Range(0, 6).Select(i => $"p{i}@example.com").ToArray());

        Assert.That(found.Select(u => u.Id), Is.EquivalentTo(ids));
        Assert.That(client.Statistics.Requests, Is.EqualTo(5 + 3));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "condition not reached");
            await Task.Delay(10);
        }
    }

    private static async Task DefineUserPropertyAsync(KindeEmulator emulator, string key)
    {
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        using var tokenResponse = await http.PostAsync("oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "emulator-client",
            ["client_secret"] = "emulator-secret",
            ["audience"] = emulator.Audience,
        }));
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var category = await http.PostAsJsonAsync("api/v1/property_categories", new JsonObject { ["name"] = "Migrated", ["context"] = "usr" });
        string categoryId = (await category.Content.ReadFromJsonAsync<JsonObject>())!["category"]!["id"]!.GetValue<string>();
        using var property = await http.PostAsJsonAsync("api/v1/properties", new JsonObject
        {
            ["name"] = key, ["key"] = key, ["type"] = "single_line_text", ["context"] = "usr", ["is_private"] = false, ["category_id"] = categoryId,
        });
        Assert.That((int)property.StatusCode, Is.EqualTo(201));
    }

    private sealed class AlwaysUnauthorizedHandler : HttpMessageHandler
    {
        private int _tokens;
        private int _api;

        public int TokenRequests => _tokens;

        public int ApiRequests => _api;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath == "/oauth2/token")
            {
                int n = Interlocked.Increment(ref _tokens);
                return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
                {
                    Content = new StringContent($$"""{"access_token":"t{{n}}","token_type":"Bearer","expires_in":3600}"""),
                });
            }

            Interlocked.Increment(ref _api);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized)
            {
                Content = new StringContent("""{"errors":[{"code":"UNAUTHORIZED","message":"Invalid bearer token."}]}"""),
            });
        }
    }
}
