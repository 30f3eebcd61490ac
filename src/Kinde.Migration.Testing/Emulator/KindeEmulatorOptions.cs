using Microsoft.Extensions.Logging;

namespace Kinde.Migration.Testing.Emulator;

/// <summary>Options for <see cref="KindeEmulator"/>. Every limit and fault is off by default, so a default emulator
/// answers every valid request at once.</summary>
public sealed class KindeEmulatorOptions
{
    /// <summary>The scopes granted by default: every scope the importer needs, plus the read scopes used to verify an
    /// import.</summary>
    public static IReadOnlyList<string> DefaultScopes { get; } =
    [
        "read:users", "create:users", "update:users", "delete:users", "update:user_passwords",
        "read:user_identities", "create:user_identities", "read:user_properties", "update:user_properties",
        "read:properties", "create:properties", "read:property_categories", "create:property_categories",
        "read:organizations", "create:organizations", "read:organization_users", "create:organization_users",
        "read:roles", "create:roles", "read:role_permissions", "update:role_permissions",
        "read:permissions", "create:permissions",
    ];

    /// <summary>Gets or sets the loopback port to listen on.</summary>
    /// <value>The default value is <see langword="null"/>: a free port chosen by the operating system.</value>
    public int? Port { get; set; }

    /// <summary>Gets or sets the client id that <c>POST /oauth2/token</c> accepts.</summary>
    /// <value>The default value is <c>emulator-client</c>.</value>
    public string ClientId { get; set; } = "emulator-client";

    /// <summary>Gets or sets the client secret that <c>POST /oauth2/token</c> accepts.</summary>
    /// <value>The default value is <c>emulator-secret</c>.</value>
    public string ClientSecret { get; set; } = "emulator-secret";

    /// <summary>Gets or sets the audience that <c>POST /oauth2/token</c> accepts (compared without a trailing slash).</summary>
    /// <value>The default value is <see langword="null"/>: the emulator's base address followed by <c>/api</c>, as Kinde's
    /// <c>https://&lt;subdomain&gt;.kinde.com/api</c>.</value>
    public string? Audience { get; set; }

    /// <summary>Gets or sets the lifetime of an issued access token (reported as <c>expires_in</c>).</summary>
    /// <value>The default value is one hour. Must be positive.</value>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the scopes granted to the client. A token request may ask for a subset with <c>scope</c>.</summary>
    /// <value>The default value is <see cref="DefaultScopes"/>.</value>
    public IReadOnlyCollection<string> Scopes { get; set; } = DefaultScopes;

    /// <summary>Gets or sets the rate limit on <c>/api/v1/*</c> requests: a fixed window of one second, measured with
    /// <see cref="TimeProvider"/>. A request over the limit gets 429 with a <c>RateLimit-Reset</c> header.</summary>
    /// <value>The default value is <see langword="null"/> (unlimited). Must be positive when set.</value>
    public int? RequestsPerSecond { get; set; }

    /// <summary>Gets or sets how many <c>/api/v1/*</c> requests may be in progress at once. A request over the limit
    /// gets 429 with <c>RateLimit-Reset: 1</c>.</summary>
    /// <value>The default value is <see langword="null"/> (unlimited). Must be positive when set.</value>
    public int? MaxConcurrentRequests { get; set; }

    /// <summary>Gets or sets the fraction of <c>/api/v1/*</c> requests that are answered with 500 before anything else
    /// is done (no state changes).</summary>
    /// <value>The default value is 0. Must be between 0 and 1.</value>
    public double FailureRate { get; set; }

    /// <summary>Gets or sets the fraction of <c>/api/v1/*</c> write requests (POST, PUT, PATCH, DELETE) that are
    /// carried out and then have their connection aborted without a response, as a network drop after the commit.</summary>
    /// <value>The default value is 0. Must be between 0 and 1.</value>
    public double CommitThenDropRate { get; set; }

    /// <summary>Gets or sets a wall-clock delay added to each <c>/api/v1/*</c> request (counted as in progress for
    /// <see cref="MaxConcurrentRequests"/>).</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>. Must not be negative.</value>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets the seed of the generator that chooses which requests get an injected fault.</summary>
    /// <value>The default value is 1.</value>
    public int Seed { get; set; } = 1;

    /// <summary>Gets or sets how <c>POST /api/v1/user</c> answers when an email or username is already used by
    /// another user. Kinde does not document this; see <see cref="KindeEmulatorDuplicateUserBehavior"/>.</summary>
    /// <value>The default value is <see cref="KindeEmulatorDuplicateUserBehavior.Conflict"/>.</value>
    public KindeEmulatorDuplicateUserBehavior DuplicateUserBehavior { get; set; } = KindeEmulatorDuplicateUserBehavior.Conflict;

    /// <summary>Gets or sets the clock used for token expiry, the rate-limit window and <c>created_on</c>.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets whether the emulator keeps every request it receives, in order, for
    /// <see cref="KindeEmulator.RecordedRequests"/>: <c>/api/v1/*</c> requests with their bodies (including those then
    /// answered 429 or 500, or dropped, and unknown routes), and <c>/oauth2/token</c> requests without query or body.</summary>
    /// <remarks>Recorded bodies include the password hashes sent to <c>PUT /api/v1/users/{id}/password</c>; they stay in
    /// memory and are never logged.</remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RecordRequests { get; set; }

    /// <summary>Gets or sets a callback that configures the server's logging. The emulator never logs request bodies,
    /// so password hashes and secrets do not reach a log.</summary>
    /// <value>The default value is <see langword="null"/>: logging is off.</value>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}

/// <summary>How the emulator answers <c>POST /api/v1/user</c> for an email or username that another user already has.
/// Kinde's docs and spec are silent on this; the two choices cover the two shapes seen in Kinde's own SDK tests.</summary>
public enum KindeEmulatorDuplicateUserBehavior
{
    /// <summary>409 with <c>{"errors":[{"code":"USER_ALREADY_EXISTS","message":"…"}]}</c>; nothing is changed.</summary>
    Conflict,

    /// <summary>200 with <c>{"id":"&lt;existing id&gt;","created":false,"identities":[{"type":…,"result":{"created":false}}]}</c>;
    /// nothing is changed.</summary>
    NotCreated,
}
