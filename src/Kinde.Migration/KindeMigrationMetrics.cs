namespace Kinde.Migration;

/// <summary>The metrics Kinde.Migration publishes with <see cref="System.Diagnostics.Metrics"/>. Listen to the meter
/// named <see cref="MeterName"/> (for example with OpenTelemetry's <c>AddMeter</c>).</summary>
/// <remarks>
/// <para>The instruments:</para>
/// <list type="bullet">
/// <item><c>kinde_migration.requests</c> (counter): Kinde Management API requests sent, one per attempt; tags
/// <c>operation</c> (for example <c>POST /api/v1/user</c>) and <c>status_code</c> (or <c>error</c>: <c>timeout</c>,
/// <c>network</c> or <c>canceled</c> when no answer arrived).</item>
/// <item><c>kinde_migration.throttled</c> (counter): answers that were 429 Too Many Requests; tag <c>operation</c>.</item>
/// <item><c>kinde_migration.retries</c> (counter): requests sent again after a 429, a transient error or a network
/// error; tag <c>operation</c>.</item>
/// <item><c>kinde_migration.request.duration</c> (histogram, seconds): the duration of each attempt; tags as for
/// <c>kinde_migration.requests</c>.</item>
/// <item><c>kinde_migration.users</c> (counter): users processed by the importer; tag <c>outcome</c>:
/// <c>imported</c>, <c>skipped_existing</c>, <c>failed</c> or <c>passwords_set</c>.</item>
/// </list>
/// <para>Traces: the <see cref="System.Diagnostics.ActivitySource"/> named <see cref="ActivitySourceName"/> (for example
/// OpenTelemetry's <c>AddSource</c>) starts <c>kinde_migration.run</c> for a run, <c>kinde_migration.preflight</c>, and
/// <c>kinde_migration.import_batch</c> per batch of the API importer; the HTTP client's own activities nest below.</para>
/// <para>No tag carries a user's data, a secret or a token.</para>
/// </remarks>
public static class KindeMigrationMetrics
{
    /// <summary>The name of the meter.</summary>
    public const string MeterName = "Kinde.Migration";

    /// <summary>The name of the activity source.</summary>
    public const string ActivitySourceName = "Kinde.Migration";

    /// <summary>Gets the activity source the library's traces come from.</summary>
    internal static System.Diagnostics.ActivitySource ActivitySource { get; } = new(ActivitySourceName);
}
