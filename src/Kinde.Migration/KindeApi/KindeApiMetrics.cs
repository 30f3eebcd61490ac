using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Kinde.Migration.KindeApi;

/// <summary>The instruments of <see cref="KindeMigrationMetrics"/>. Created from the container's
/// <see cref="IMeterFactory"/> when there is one, else on a meter shared by the process.</summary>
internal sealed class KindeApiMetrics
{
    /// <summary>The <c>outcome</c> of a user imported.</summary>
    internal const string Imported = "imported";

    /// <summary>The <c>outcome</c> of a user that already existed in Kinde.</summary>
    internal const string SkippedExisting = "skipped_existing";

    /// <summary>The <c>outcome</c> of a user that could not be imported.</summary>
    internal const string Failed = "failed";

    /// <summary>The <c>outcome</c> of a user whose password hash was set.</summary>
    internal const string PasswordsSet = "passwords_set";

    private static readonly Meter SharedMeter = new(KindeMigrationMetrics.MeterName);

    private readonly Counter<long> _requests;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _users;

    /// <summary>Initializes a new instance of the <see cref="KindeApiMetrics"/> class.</summary>
    /// <param name="meterFactory">The container's meter factory; <see langword="null"/> for the process-wide meter.</param>
    public KindeApiMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(KindeMigrationMetrics.MeterName) ?? SharedMeter;
        _requests = Meter.CreateCounter<long>("kinde_migration.requests", "{request}", "Kinde Management API requests sent, one per attempt.");
        _throttled = Meter.CreateCounter<long>("kinde_migration.throttled", "{request}", "Kinde Management API answers that were 429 Too Many Requests.");
        _retries = Meter.CreateCounter<long>("kinde_migration.retries", "{request}", "Kinde Management API requests sent again.");
        _duration = Meter.CreateHistogram<double>("kinde_migration.request.duration", "s", "The duration of each Kinde Management API attempt.");
        _users = Meter.CreateCounter<long>("kinde_migration.users", "{user}", "Users processed by the importer, by outcome.");
    }

    /// <summary>Gets the meter the instruments belong to.</summary>
    internal Meter Meter { get; }

    /// <summary>Records one attempt that got an answer.</summary>
    /// <param name="operation">The operation, for example <c>POST /api/v1/user</c>.</param>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="duration">How long the attempt took.</param>
    internal void RequestAnswered(string operation, int statusCode, TimeSpan duration)
    {
        var tags = new TagList { { "operation", operation }, { "status_code", statusCode } };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
        if (statusCode == 429)
        {
            _throttled.Add(1, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    /// <summary>Records one attempt that got no answer.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="error"><c>timeout</c>, <c>network</c> or <c>canceled</c>.</param>
    /// <param name="duration">How long the attempt took.</param>
    internal void RequestFailed(string operation, string error, TimeSpan duration)
    {
        var tags = new TagList { { "operation", operation }, { "error", error } };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Records that a request is sent again.</summary>
    /// <param name="operation">The operation.</param>
    internal void Retried(string operation) => _retries.Add(1, new KeyValuePair<string, object?>("operation", operation));

    /// <summary>Records a user processed by the importer.</summary>
    /// <param name="outcome"><see cref="Imported"/>, <see cref="SkippedExisting"/>, <see cref="Failed"/> or
    /// <see cref="PasswordsSet"/>.</param>
    internal void UserProcessed(string outcome)
    {
        ArgumentException.ThrowIfNullOrEmpty(outcome);
        _users.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }
}
