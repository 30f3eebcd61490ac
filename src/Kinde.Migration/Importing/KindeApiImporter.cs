using Kinde.Migration.KindeApi;
using Kinde.Migration.Ledger;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinde.Migration.Importing;

/// <summary>
/// The online <see cref="IKindeImporter"/>: puts the users into a Kinde business through the Management API, exactly
/// once, resumable, within Kinde's rate limits.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> The users are first spooled to an owner-only temporary file while the run's needs are
/// collected; preflight then makes sure the organizations, roles, permissions and property definitions exist (or stops
/// before any user is touched); then the users are imported in batches: one email lookup per batch, then per user the
/// steps create → identities → password → suspension → properties, and one membership request per organization and
/// batch (at most 100 users each).</para>
/// <para><b>Exactly once.</b> Every step is recorded in the <see cref="MigrationLedger"/> as pending before its
/// request is sent and as done (or failed) after. A re-run with the same ledger skips what is done and finishes what is
/// pending. A create whose outcome is unknown (timeout, dropped connection, 5xx) is never repeated blindly: the user
/// is looked up by email (or phone) first, and only created again if Kinde does not have it.</para>
/// <para><b>Existing users.</b> A user Kinde already had before our runs is left untouched and counted
/// <c>skipped_existing</c>, unless <see cref="KindeApiImportOptions.ExistingUsers"/> says otherwise.</para>
/// <para><b>Outputs</b> (in the run's output directory): <c>idmap.csv</c> (<c>auth0_user_id,kinde_user_id</c>) and
/// the ledger; counters <c>imported</c>, <c>skipped_existing</c>, <c>filled_existing</c>, <c>updated_existing</c>, <c>failed</c>,
/// <c>passwords_set</c>, <c>requests</c>, <c>throttled_429</c>, <c>retries</c>; the users that failed, with their
/// reasons, in <see cref="KindeImportResult.FailedUsers"/> (the runner writes their source records to
/// <c>failed.ndjson</c>).</para>
/// <para><b>Plan.</b> With <c>dryRun</c> the importer only reads from Kinde (no ledger is written) and writes
/// <c>plan.ndjson</c>: per user, whether it exists and what it would get; the counters say what preflight would
/// create.</para>
/// </remarks>
public sealed class KindeApiImporter : IKindeImporter, IDisposable
{
    private readonly IKindeApi _api;
    private readonly bool _ownsApi;
    private readonly KindeApiImportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _dryRun;

    internal KindeApiImporter(IKindeApi api, KindeApiImportOptions options, bool dryRun = false, TimeProvider? time = null, ILogger? logger = null, bool ownsApi = false)
    {
        _api = api ?? throw new ArgumentNullException(nameof(api));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _dryRun = dryRun;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _ownsApi = ownsApi;
    }

    /// <summary>Creates an importer with its own HTTP client.</summary>
    /// <param name="apiOptions">Where and how to connect to Kinde; validated here.</param>
    /// <param name="options">The import options.</param>
    /// <param name="dryRun"><see langword="true"/> to plan only: read Kinde, change nothing.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; none when <see langword="null"/>.</param>
    /// <returns>The importer; dispose it to release its HTTP client.</returns>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException">An option is missing or invalid.</exception>
    public static KindeApiImporter Create(
        KindeApiOptions apiOptions, KindeApiImportOptions options, bool dryRun = false, TimeProvider? timeProvider = null, ILogger<KindeApiImporter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(apiOptions);
        ArgumentNullException.ThrowIfNull(options);
        timeProvider ??= TimeProvider.System;
        return new KindeApiImporter(KindeApiClient.Create(apiOptions, timeProvider), options, dryRun, timeProvider, logger, ownsApi: true);
    }

    /// <summary>Gets the run id of the last import (from the ledger), once <see cref="ImportAsync"/> has started it.</summary>
    public string? RunId { get; private set; }

    /// <inheritdoc />
    /// <exception cref="KindePreflightException">Kinde lacks definitions the users need and preflight may not create them.</exception>
    public async Task<KindeImportResult> ImportAsync(IAsyncEnumerable<KindeUser> users, KindeImportContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(context);
        var needs = new ImportRequirements();
        await using var spool = UserSpool.Create(context.OutputDirectory);
        await foreach (var user in users.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            needs.Add(user);
            await spool.WriteAsync(user, cancellationToken).ConfigureAwait(false);
        }

        var preflight = await Preflight.RunAsync(_api, needs, _options, _dryRun, _logger, cancellationToken).ConfigureAwait(false);
        var result = new KindeImportResult();
        if (_dryRun)
        {
            // A plan reads the ledger of earlier runs when there is one (to tell a resumable user from an existing one),
            // and never creates one.
            MigrationLedger? ledger = _options.LedgerPath is { } path && File.Exists(path)
                ? await MigrationLedger.OpenAsync(path, _time, cancellationToken).ConfigureAwait(false)
                : null;
            await using (ledger)
            {
                await ImportPlan.WriteAsync(_api, spool, preflight, _options, context, ledger, result, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            string ledgerPath = Path.GetFullPath(_options.LedgerPath ?? Path.Combine(context.OutputDirectory, "ledger.sqlite"));
            await using var ledger = await MigrationLedger.OpenAsync(ledgerPath, _time, cancellationToken).ConfigureAwait(false);
            RunId = await ContinueOrStartRunAsync(ledger, cancellationToken).ConfigureAwait(false);
            ImportLog.ImportStarted(_logger, RunId, spool.Count, ledgerPath);

            var run = new ImportRun(_api, ledger, RunId, preflight, _options, context.Mode, _logger, context.Progress);
            await Parallel.ForEachAsync(
                spool.ReadBatchesAsync(_options.BatchSize, cancellationToken),
                new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken },
                run.ProcessBatchAsync).ConfigureAwait(false);

            string idMap = Path.Combine(context.OutputDirectory, "idmap.csv");
            await ledger.WriteIdMapCsvAsync(idMap, cancellationToken).ConfigureAwait(false);
            result.Files.Add(idMap);
            result.Files.Add(ledgerPath);
            run.CopyTo(result);
        }

        var statistics = _api.Statistics;
        result.Counters["requests"] = statistics.Requests;
        result.Counters["throttled_429"] = statistics.Throttled;
        result.Counters["retries"] = statistics.Retries;
        if (preflight.Created || _dryRun)
        {
            result.Counters[_dryRun ? "preflight_would_create" : "preflight_created"] =
                preflight.Missing.Organizations.Count + preflight.Missing.Roles.Count + preflight.Missing.Permissions.Count + preflight.Missing.Properties.Count;
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsApi && _api is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>The same command again (same description as the ledger's latest run) continues that run, so its undo
    /// covers the users created before and after the interruption.</summary>
    private async Task<string> ContinueOrStartRunAsync(MigrationLedger ledger, CancellationToken cancellationToken)
    {
        var runs = await ledger.GetRunsAsync(cancellationToken).ConfigureAwait(false);
        if (runs.Count > 0 && string.Equals(runs[^1].Description, _options.RunDescription, StringComparison.Ordinal))
        {
            return runs[^1].RunId;
        }

        return await ledger.StartRunAsync(_options.RunDescription, cancellationToken).ConfigureAwait(false);
    }
}
