using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kinde.Migration.Testing.Emulator;

/// <summary>
/// An emulator of the Kinde Management API: a real HTTP server on 127.0.0.1 that implements the endpoints the importer
/// uses (client-credentials tokens; users, passwords, identities and properties; property definitions and categories;
/// organizations and membership with roles and permissions; roles and permissions), with Kinde's error shapes, token and
/// scope checks, a rate limiter and a concurrency limiter answering 429 with <c>RateLimit-Reset</c>, and fault injection.
/// </summary>
/// <remarks>
/// <para>Where Kinde's documentation and spec are silent, the emulator makes these choices:</para>
/// <list type="bullet">
/// <item>Access tokens are opaque random strings, not JWTs. A missing, unknown or expired token gets 401 with
/// <c>{"errors":[{"code":"UNAUTHORIZED",…}]}</c> and <c>WWW-Authenticate: Bearer</c>; a token without the operation's
/// scope gets 403 <c>{"errors":[{"code":"FORBIDDEN","message":"… requires scope …"}]}</c>.</item>
/// <item>Token errors: wrong client id or secret → 401 <c>invalid_client</c>; wrong audience → 400
/// <c>unauthorized_client</c>; a missing field or a body that is not form-encoded → 400 <c>invalid_request</c>;
/// another grant type → 400 <c>unsupported_grant_type</c>; a scope not granted → 400 <c>invalid_scope</c>.</item>
/// <item>Limits and faults apply to <c>/api/v1/*</c> only, never to <c>/oauth2/token</c>. Their order is: rate limit,
/// concurrency limit, latency, injected 500, then authentication.</item>
/// <item>An unknown user id, organization code or role id gets 404 with the object form
/// <c>{"errors":{"code":"USER_NOT_FOUND"|"ORGANIZATION_NOT_FOUND"|"ROLE_NOT_FOUND",…}}</c>. An unknown id or key
/// <em>inside a body</em> (member user, role key, permission key or id, property key) gets 400 with the array form.</item>
/// <item>Emails and usernames are unique across users, compared ignoring case; <c>provided_id</c> is not unique.
/// <see cref="KindeEmulatorOptions.DuplicateUserBehavior"/> picks the answer to a duplicate create; a duplicate
/// identity added with <c>POST /api/v1/users/{id}/identities</c> gets 409 <c>IDENTITY_ALREADY_EXISTS</c>.</item>
/// <item>User filters on <c>GET /api/v1/users</c> (<c>email</c>, <c>user_id</c>, <c>username</c>, <c>phone</c>) match
/// any identity of that type, ignoring case; no match returns <c>"users":[]</c>; <c>next_token</c> is left out on the
/// last page. <c>organizations</c> and <c>identities</c> are returned only when asked for with <c>expand</c>.</item>
/// <item>Adding an existing member to an organization merges the new roles and permissions into the old ones.</item>
/// <item>A commit-then-drop fault is applied whatever the handler answered (the request is processed, then the
/// connection is aborted).</item>
/// </list>
/// </remarks>
public sealed class KindeEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorApi _api;
    private int _disposed;

    private KindeEmulator(
        WebApplication app, EmulatorApi api, Uri baseAddress, string audience, KindeEmulatorState state, KindeEmulatorOptions options)
    {
        _app = app;
        _api = api;
        BaseAddress = baseAddress;
        Audience = audience;
        State = state;
        Options = options;
    }

    /// <summary>Gets the base address of the server, for example <c>http://127.0.0.1:50123/</c> (with a trailing slash).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the token endpoint, <c>{BaseAddress}oauth2/token</c>.</summary>
    public Uri TokenEndpoint => new(BaseAddress, "oauth2/token");

    /// <summary>Gets the audience the token endpoint accepts.</summary>
    public string Audience { get; }

    /// <summary>Gets the options the emulator was started with. Changing them after start has no effect.</summary>
    public KindeEmulatorOptions Options { get; }

    /// <summary>Gets the emulator's data, for assertions.</summary>
    public KindeEmulatorState State { get; }

    /// <summary>Gets a snapshot of the requests received so far, in arrival order, when
    /// <see cref="KindeEmulatorOptions.RecordRequests"/> is on; empty otherwise.</summary>
    public IReadOnlyList<RecordedRequest> RecordedRequests => _api.RecordedRequests;

    /// <summary>Starts an emulator on 127.0.0.1.</summary>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="ct">A token that cancels the start.</param>
    /// <returns>The started emulator; dispose it to stop the server.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range.</exception>
    public static async Task<KindeEmulator> StartAsync(KindeEmulatorOptions? options = null, CancellationToken ct = default)
    {
        options ??= new KindeEmulatorOptions();
        Validate(options);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // No configuration file watchers: tests may start many emulators.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.Services.AddSingleton<IHostLifetime, NoSignalHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port ?? 0));

        var app = builder.Build();
        var state = new KindeEmulatorState(options.TimeProvider);
        var api = new EmulatorApi(options, state);
        api.Map(app);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
            string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
                .Addresses.First();
            var baseAddress = new Uri(address.TrimEnd('/') + "/");
            string audience = (options.Audience ?? new Uri(baseAddress, "api").ToString()).TrimEnd('/');
            api.Audience = audience;
            return new KindeEmulator(app, api, baseAddress, audience, state, options);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the server and releases it. Calling it again does nothing.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void Validate(KindeEmulatorOptions o)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(o.TokenLifetime, TimeSpan.Zero, nameof(o.TokenLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Latency, TimeSpan.Zero, nameof(o.Latency));
        if (o.Port is { } port && (port < 0 || port > 65535))
        {
            throw new ArgumentOutOfRangeException(nameof(o.Port), port, "Port must be between 0 and 65535.");
        }

        if (o.RequestsPerSecond is { } rps)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rps, 0, nameof(o.RequestsPerSecond));
        }

        if (o.MaxConcurrentRequests is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(max, 0, nameof(o.MaxConcurrentRequests));
        }

        if (o.FailureRate is < 0 or > 1 || double.IsNaN(o.FailureRate))
        {
            throw new ArgumentOutOfRangeException(nameof(o.FailureRate), o.FailureRate, "Must be between 0 and 1.");
        }

        if (o.CommitThenDropRate is < 0 or > 1 || double.IsNaN(o.CommitThenDropRate))
        {
            throw new ArgumentOutOfRangeException(nameof(o.CommitThenDropRate), o.CommitThenDropRate, "Must be between 0 and 1.");
        }

        ArgumentNullException.ThrowIfNull(o.ClientId, nameof(o.ClientId));
        ArgumentNullException.ThrowIfNull(o.ClientSecret, nameof(o.ClientSecret));
        ArgumentNullException.ThrowIfNull(o.Scopes, nameof(o.Scopes));
        ArgumentNullException.ThrowIfNull(o.TimeProvider, nameof(o.TimeProvider));
    }

    /// <summary>A host lifetime that does not hook Ctrl+C or SIGTERM, so an emulator inside a test run does not.</summary>
    private sealed class NoSignalHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
