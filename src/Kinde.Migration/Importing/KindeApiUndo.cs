using Kinde.Migration.KindeApi;
using Kinde.Migration.Ledger;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinde.Migration.Importing;

/// <summary>Undoes an import run: deletes from Kinde the users that run created — as the ledger records them — and
/// nothing else (users found existing are never deleted). Each deletion is recorded in the ledger, so an interrupted
/// undo can be run again.</summary>
public sealed class KindeApiUndo : IDisposable
{
    private readonly IKindeApi _api;
    private readonly bool _ownsApi;
    private readonly ILogger _logger;

    internal KindeApiUndo(IKindeApi api, ILogger? logger = null, bool ownsApi = false)
    {
        _api = api ?? throw new ArgumentNullException(nameof(api));
        _logger = logger ?? NullLogger.Instance;
        _ownsApi = ownsApi;
    }

    /// <summary>Creates an undo with its own HTTP client.</summary>
    /// <param name="apiOptions">Where and how to connect to Kinde; validated here.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; none when <see langword="null"/>.</param>
    /// <returns>The undo; dispose it to release its HTTP client.</returns>
    public static KindeApiUndo Create(KindeApiOptions apiOptions, TimeProvider? timeProvider = null, ILogger<KindeApiUndo>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(apiOptions);
        return new KindeApiUndo(KindeApiClient.Create(apiOptions, timeProvider ?? TimeProvider.System), logger, ownsApi: true);
    }

    /// <summary>Deletes the users <paramref name="runId"/> created.</summary>
    /// <param name="ledger">The ledger the run wrote.</param>
    /// <param name="runId">The run to undo.</param>
    /// <param name="cancellationToken">Stops the undo; what was deleted stays recorded.</param>
    /// <returns>How many users were deleted, were already gone, and could not be deleted.</returns>
    /// <exception cref="ArgumentException">The ledger has no such run.</exception>
    public async Task<KindeUndoResult> UndoRunAsync(MigrationLedger ledger, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var runs = await ledger.GetRunsAsync(cancellationToken).ConfigureAwait(false);
        if (!runs.Any(r => r.RunId == runId))
        {
            throw new ArgumentException($"The ledger {ledger.Path} has no run '{runId}'. Runs: {string.Join(", ", runs.Select(r => r.RunId))}.", nameof(runId));
        }

        long deleted = 0, missing = 0;
        var failures = new List<string>();
        await foreach (string kindeUserId in ledger.GetUsersCreatedByRunAsync(runId, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await _api.DeleteUserAsync(kindeUserId, cancellationToken).ConfigureAwait(false))
                {
                    deleted++;
                }
                else
                {
                    missing++;
                }

                await ledger.MarkDeletedAsync(runId, kindeUserId, cancellationToken).ConfigureAwait(false);
            }
            catch (KindeApiException ex)
            {
                failures.Add($"{kindeUserId}: {ex.Message}");
            }
        }

        // A create the run left unanswered may have made a user the ledger cannot name; the migration settles it by
        // lookup when run again (the ledger holds no emails to look it up by here).
        long unresolved = await ledger.CountStepsAsync(runId, LedgerStep.Create, LedgerStepStatus.Pending, cancellationToken).ConfigureAwait(false);
        ImportLog.UndoFinished(_logger, runId, deleted, missing, failures.Count);
        return new KindeUndoResult(deleted, missing, failures, unresolved);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsApi && _api is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}

/// <summary>What an undo did.</summary>
/// <param name="Deleted">Users deleted from Kinde.</param>
/// <param name="AlreadyGone">Users Kinde no longer had (404).</param>
/// <param name="Failures">Users that could not be deleted, with the reason (re-run the undo to retry them).</param>
/// <param name="UnresolvedCreates">Users whose create the run sent without getting an answer: Kinde may hold them. Run
/// the same migration again (it looks them up and records them), then undo again.</param>
public sealed record KindeUndoResult(long Deleted, long AlreadyGone, IReadOnlyList<string> Failures, long UnresolvedCreates = 0);
