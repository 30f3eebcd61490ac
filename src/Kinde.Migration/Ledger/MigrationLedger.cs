using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Kinde.Migration.Internal;
using Kinde.Migration.Ledger.Internal;
using Microsoft.Data.Sqlite;

namespace Kinde.Migration.Ledger;

/// <summary>The migration ledger: an SQLite file (WAL) recording, per run, per Auth0 user and per step, what was done
/// and which Kinde user id Kinde returned. It makes a re-run resume instead of repeat, gives the passwords-later pass
/// its Kinde ids, lists what a run created (for undo) and exports the id map.</summary>
/// <remarks>
/// <para><b>No secrets.</b> The ledger stores ids, step statuses, run descriptions and error texts only. No method
/// accepts a password, a password hash, a salt or a token, and no column holds one. Callers must not put secrets
/// (or password hashes) into a run description or an error text: those are stored as given (error texts truncated to
/// 1,000 characters).</para>
/// <para><b>Durability.</b> Every write is committed before its task completes (unless it runs inside
/// <see cref="ExecuteInTransactionAsync"/>, where it is committed with the batch). With <c>synchronous=NORMAL</c> a
/// committed write survives a crash of the process; a power loss may lose the last commits.</para>
/// <para><b>Concurrency.</b> One instance may be used from many tasks at once: calls are serialized. One ledger file
/// should be used by one process at a time.</para>
/// </remarks>
public sealed class MigrationLedger : IAsyncDisposable
{
    /// <summary>The longest error text stored; longer texts are truncated.</summary>
    public const int MaxErrorLength = 1000;

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>Held by whoever owns the connection: one operation, or one batch for its whole duration.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Held while a statement runs: serializes concurrent calls made inside one batch.</summary>
    private readonly SemaphoreSlim _statementGate = new(1, 1);

    /// <summary>The batch transaction of the current async flow, when inside <see cref="ExecuteInTransactionAsync"/>.</summary>
    private readonly AsyncLocal<SqliteTransaction?> _batch = new();

    /// <summary>The batch transaction in progress, if any: a flow that kept a stale <see cref="_batch"/> value (a task
    /// started in a batch that outlived it) must not use it.</summary>
    private SqliteTransaction? _activeBatch;

    private bool _disposed;

    private MigrationLedger(string path, SqliteConnection connection, TimeProvider time)
    {
        Path = path;
        _connection = connection;
        _time = time;
    }

    /// <summary>The full path of the ledger file.</summary>
    public string Path { get; }

    /// <summary>Opens the ledger at <paramref name="path"/>, creating the file (readable and writable by its owner only,
    /// on Unix) and the schema if needed. Opening an existing ledger keeps its content; the schema creation is
    /// idempotent.</summary>
    /// <param name="path">The ledger file. Its directory must exist.</param>
    /// <param name="time">The time source for run ids and timestamps; <see cref="TimeProvider.System"/> if <see langword="null"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The open ledger; dispose it to close the file.</returns>
    /// <exception cref="NotSupportedException">The file was written by a newer version of this library.</exception>
    public static async Task<MigrationLedger> OpenAsync(string path, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        time ??= TimeProvider.System;
        string fullPath = System.IO.Path.GetFullPath(path);
        CreateOwnerOnlyIfMissing(fullPath);

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            ForeignKeys = true,
        };
        var connection = new SqliteConnection(builder.ToString());
        var ledger = new MigrationLedger(fullPath, connection, time);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ledger.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return ledger;
        }
        catch
        {
            await ledger.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a run and returns its id, <c>run_{UTC start, yyyyMMddTHHmmssZ}_{4 random hex digits}</c>, for
    /// example <c>run_20261126T153000Z_ab12</c>.</summary>
    /// <param name="description">What the run is (for example the command line). Callers must not pass secrets.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The run id.</returns>
    public Task<string> StartRunAsync(string description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(description);
        return WriteAsync(async tx =>
        {
            DateTimeOffset now = _time.GetUtcNow();
            for (int attempt = 0; ; attempt++)
            {
                string runId = string.Create(
                    CultureInfo.InvariantCulture,
                    $"run_{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}_{RandomNumberGenerator.GetHexString(4, lowercase: true)}");
                SqliteCommand command = Command(LedgerSql.InsertRun, tx);
                command.Parameters.AddWithValue("$run", runId);
                command.Parameters.AddWithValue("$description", description);
                command.Parameters.AddWithValue("$now", Format(now));
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                {
                    return runId;
                }

                if (attempt >= 16)
                {
                    throw new InvalidOperationException("Could not allocate a unique run id.");
                }
            }
        }, cancellationToken);
    }

    /// <summary>Lists the runs recorded, oldest first.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The runs.</returns>
    public Task<IReadOnlyList<LedgerRun>> GetRunsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<LedgerRun>>(async tx =>
        {
            var runs = new List<LedgerRun>();
            SqliteCommand command = Command(LedgerSql.SelectRuns, tx);
            SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    runs.Add(new LedgerRun(reader.GetString(0), reader.GetString(1), Parse(reader.GetString(2))));
                }
            }

            return runs;
        }, cancellationToken);

    /// <summary>Records <paramref name="step"/> of the user as <see cref="LedgerStepStatus.Pending"/>. Call it
    /// <em>before</em> sending the request: a step still pending on the next run was interrupted and its outcome is
    /// unknown (an interrupted <see cref="LedgerStep.Create"/> must be resolved by looking the user up by email).</summary>
    /// <remarks>Inside <see cref="ExecuteInTransactionAsync"/> the record is only durable when the batch commits.</remarks>
    /// <param name="runId">The run, from <see cref="StartRunAsync"/>.</param>
    /// <param name="auth0UserId">The Auth0 <c>user_id</c>, stored whole (for example <c>samlp|acme|E1</c>).</param>
    /// <param name="step">The step.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task completed once the record is committed.</returns>
    /// <exception cref="ArgumentException"><paramref name="runId"/> is not a run of this ledger.</exception>
    public Task BeginStepAsync(string runId, string auth0UserId, LedgerStep step, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(auth0UserId);
        string stepName = LedgerSql.StepName(step);
        return WriteAsync(async tx =>
        {
            string now = Format(_time.GetUtcNow());
            await EnsureUserAsync(tx, auth0UserId, now, cancellationToken).ConfigureAwait(false);
            SqliteCommand command = Command(LedgerSql.BeginStep, tx);
            command.Parameters.AddWithValue("$auth0", auth0UserId);
            command.Parameters.AddWithValue("$step", stepName);
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$now", now);
            await ExecuteAsync(command, runId, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Records the outcome of <paramref name="step"/> of the user (whether or not it was begun).</summary>
    /// <remarks>When <paramref name="kindeUserId"/> is given it is also recorded as the user's Kinde id (as
    /// <see cref="SetKindeIdAsync"/> does); the user counts as created by <paramref name="runId"/> only for
    /// <see cref="LedgerStep.Create"/> completed as <see cref="LedgerStepStatus.Done"/>. Record a user found existing
    /// with <see cref="LedgerStepStatus.Skipped"/>.</remarks>
    /// <param name="runId">The run, from <see cref="StartRunAsync"/>.</param>
    /// <param name="auth0UserId">The Auth0 <c>user_id</c>.</param>
    /// <param name="step">The step.</param>
    /// <param name="status">The outcome: <see cref="LedgerStepStatus.Done"/>, <see cref="LedgerStepStatus.Failed"/> or
    /// <see cref="LedgerStepStatus.Skipped"/>.</param>
    /// <param name="kindeUserId">The Kinde user id, if known.</param>
    /// <param name="error">Why the step failed; stored truncated to <see cref="MaxErrorLength"/> characters. Callers
    /// must not pass secrets: no password, hash, salt, token or request body.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task completed once the record is committed.</returns>
    /// <exception cref="ArgumentException"><paramref name="status"/> is <see cref="LedgerStepStatus.Pending"/>, or
    /// <paramref name="runId"/> is not a run of this ledger.</exception>
    /// <exception cref="InvalidOperationException">The user already has a different Kinde id.</exception>
    public Task CompleteStepAsync(
        string runId,
        string auth0UserId,
        LedgerStep step,
        LedgerStepStatus status,
        string? kindeUserId = null,
        string? error = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(auth0UserId);
        string stepName = LedgerSql.StepName(step);
        string statusName = LedgerSql.StatusName(status);
        if (status == LedgerStepStatus.Pending)
        {
            throw new ArgumentException("A step is made pending with BeginStepAsync.", nameof(status));
        }

        if (kindeUserId is { Length: 0 })
        {
            throw new ArgumentException("The Kinde user id is empty.", nameof(kindeUserId));
        }

        string? storedError = Truncate(error);
        return WriteAsync(async tx =>
        {
            string now = Format(_time.GetUtcNow());
            if (kindeUserId is null)
            {
                await EnsureUserAsync(tx, auth0UserId, now, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                bool created = step == LedgerStep.Create && status == LedgerStepStatus.Done;
                await SetKindeIdCoreAsync(tx, runId, auth0UserId, kindeUserId, created, now, cancellationToken).ConfigureAwait(false);
            }

            SqliteCommand command = Command(LedgerSql.CompleteStep, tx);
            command.Parameters.AddWithValue("$auth0", auth0UserId);
            command.Parameters.AddWithValue("$step", stepName);
            command.Parameters.AddWithValue("$status", statusName);
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$kinde", (object?)kindeUserId ?? DBNull.Value);
            command.Parameters.AddWithValue("$error", (object?)storedError ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", now);
            await ExecuteAsync(command, runId, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Records the user's Kinde id.</summary>
    /// <param name="runId">The run that found or created the user.</param>
    /// <param name="auth0UserId">The Auth0 <c>user_id</c>.</param>
    /// <param name="kindeUserId">The Kinde user id.</param>
    /// <param name="createdByRun"><see langword="true"/> if <paramref name="runId"/> created the user in Kinde (undo of
    /// that run deletes it); <see langword="false"/> if it was found existing. The first run recorded as creator is
    /// kept.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task completed once the record is committed.</returns>
    /// <exception cref="InvalidOperationException">The user already has a different Kinde id.</exception>
    public Task SetKindeIdAsync(string runId, string auth0UserId, string kindeUserId, bool createdByRun, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(auth0UserId);
        ArgumentException.ThrowIfNullOrEmpty(kindeUserId);
        return WriteAsync(async tx =>
        {
            string now = Format(_time.GetUtcNow());
            await SetKindeIdCoreAsync(tx, runId, auth0UserId, kindeUserId, createdByRun, now, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Returns what the ledger knows about the user: its Kinde id, the run that created it and the latest
    /// status of each step; <see langword="null"/> if the ledger has no record of the user.</summary>
    /// <param name="auth0UserId">The Auth0 <c>user_id</c>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The user's state, or <see langword="null"/>.</returns>
    public Task<LedgerUserState?> GetUserAsync(string auth0UserId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(auth0UserId);
        return ReadAsync(async tx =>
        {
            string? kindeUserId, createdBy;
            SqliteCommand user = Command(LedgerSql.SelectUser, tx);
            user.Parameters.AddWithValue("$auth0", auth0UserId);
            SqliteDataReader reader = await user.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return (LedgerUserState?)null;
                }

                kindeUserId = reader.IsDBNull(0) ? null : reader.GetString(0);
                createdBy = reader.IsDBNull(1) ? null : reader.GetString(1);
            }

            var steps = new Dictionary<LedgerStep, LedgerStepState>();
            SqliteCommand stepsCommand = Command(LedgerSql.SelectSteps, tx);
            stepsCommand.Parameters.AddWithValue("$auth0", auth0UserId);
            reader = await stepsCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    LedgerStep step = LedgerSql.ParseStep(reader.GetString(0));
                    steps[step] = new LedgerStepState(
                        step,
                        LedgerSql.ParseStatus(reader.GetString(1)),
                        reader.GetString(2),
                        reader.GetInt32(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5),
                        Parse(reader.GetString(6)));
                }
            }

            return new LedgerUserState(auth0UserId, kindeUserId, createdBy, steps);
        }, cancellationToken);
    }

    /// <summary>Streams the id map: every user with a Kinde id, ordered by Auth0 user id (ordinal, UTF-8 bytes).</summary>
    /// <remarks>Read page by page; writes made while enumerating may or may not be seen.</remarks>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The pairs.</returns>
    public async IAsyncEnumerable<(string Auth0UserId, string KindeUserId)> GetIdMapAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string after = string.Empty;
        while (true)
        {
            List<(string, string)> page = await ReadAsync(async tx =>
            {
                var rows = new List<(string, string)>(LedgerSql.PageSize);
                SqliteCommand command = Command(LedgerSql.SelectIdMapPage, tx);
                command.Parameters.AddWithValue("$after", after);
                command.Parameters.AddWithValue("$limit", LedgerSql.PageSize);
                SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        rows.Add((reader.GetString(0), reader.GetString(1)));
                    }
                }

                return rows;
            }, cancellationToken).ConfigureAwait(false);

            foreach ((string auth0UserId, string kindeUserId) in page)
            {
                yield return (auth0UserId, kindeUserId);
            }

            if (page.Count < LedgerSql.PageSize)
            {
                yield break;
            }

            after = page[^1].Item1;
        }
    }

    /// <summary>Writes the id map to <paramref name="path"/> (replacing it) as CSV: header
    /// <c>auth0_user_id,kinde_user_id</c>, UTF-8 without a byte order mark, <c>\n</c> line endings, RFC 4180 quoting
    /// of values containing a comma, a quote or a line break. On Unix the file is readable by its owner only.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task completed once the file is written.</returns>
    public async Task WriteIdMapCsvAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        await PairCsvFile.WriteAsync(path, ("auth0_user_id", "kinde_user_id"), GetIdMapAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams the Kinde ids of the users <paramref name="runId"/> created (not those it found existing) and
    /// that are not yet marked deleted, ordered and distinct. This is what undo of the run deletes, and nothing else.</summary>
    /// <remarks>Read page by page, so <see cref="MarkDeletedAsync"/> may be called while enumerating.</remarks>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The Kinde user ids.</returns>
    public async IAsyncEnumerable<string> GetUsersCreatedByRunAsync(
        string runId,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        string after = string.Empty;
        while (true)
        {
            List<string> page = await ReadAsync(async tx =>
            {
                var rows = new List<string>(LedgerSql.PageSize);
                SqliteCommand command = Command(LedgerSql.SelectCreatedByRunPage, tx);
                command.Parameters.AddWithValue("$run", runId);
                command.Parameters.AddWithValue("$after", after);
                command.Parameters.AddWithValue("$limit", LedgerSql.PageSize);
                SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        rows.Add(reader.GetString(0));
                    }
                }

                return rows;
            }, cancellationToken).ConfigureAwait(false);

            foreach (string kindeUserId in page)
            {
                yield return kindeUserId;
            }

            if (page.Count < LedgerSql.PageSize)
            {
                yield break;
            }

            after = page[^1];
        }
    }

    /// <summary>Counts the users whose <paramref name="step"/> has <paramref name="status"/> as last recorded by
    /// <paramref name="runId"/> — for example the creates a run left pending (outcome unknown).</summary>
    /// <param name="runId">The run.</param>
    /// <param name="step">The step.</param>
    /// <param name="status">The status.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many users.</returns>
    public Task<long> CountStepsAsync(string runId, LedgerStep step, LedgerStepStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        string stepName = LedgerSql.StepName(step);
        string statusName = LedgerSql.StatusName(status);
        return ReadAsync(async tx =>
        {
            SqliteCommand command = Command(LedgerSql.CountSteps, tx);
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$step", stepName);
            command.Parameters.AddWithValue("$status", statusName);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
        }, cancellationToken);
    }

    /// <summary>Records that the Kinde user <paramref name="kindeUserId"/>, created by <paramref name="runId"/>, was
    /// deleted (undo). Every Auth0 user mapped to it loses its Kinde id and step records, so a later run imports it
    /// afresh; the deletion itself is kept. Recording the same deletion again does nothing.</summary>
    /// <param name="runId">The run that <em>created</em> the user (the run being undone).</param>
    /// <param name="kindeUserId">The Kinde user id, from <see cref="GetUsersCreatedByRunAsync"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task completed once the record is committed.</returns>
    /// <exception cref="InvalidOperationException">The ledger does not record that <paramref name="runId"/> created
    /// the user.</exception>
    public Task MarkDeletedAsync(string runId, string kindeUserId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(kindeUserId);
        return WriteAsync(async tx =>
        {
            var mapped = new List<string>();
            bool createdByRun = false;
            SqliteCommand select = Command(LedgerSql.SelectUsersByKindeId, tx);
            select.Parameters.AddWithValue("$kinde", kindeUserId);
            SqliteDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    mapped.Add(reader.GetString(0));
                    createdByRun |= !reader.IsDBNull(1) && string.Equals(reader.GetString(1), runId, StringComparison.Ordinal);
                }
            }

            if (!createdByRun)
            {
                SqliteCommand count = Command(LedgerSql.CountDeletions, tx);
                count.Parameters.AddWithValue("$kinde", kindeUserId);
                count.Parameters.AddWithValue("$run", runId);
                long already = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
                return already > 0
                    ? true
                    : throw new InvalidOperationException(
                        $"The ledger does not record that run '{runId}' created Kinde user '{kindeUserId}'; only users a run created can be marked deleted.");
            }

            string now = Format(_time.GetUtcNow());
            foreach (string auth0UserId in mapped)
            {
                SqliteCommand deletion = Command(LedgerSql.InsertDeletion, tx);
                deletion.Parameters.AddWithValue("$kinde", kindeUserId);
                deletion.Parameters.AddWithValue("$auth0", auth0UserId);
                deletion.Parameters.AddWithValue("$run", runId);
                deletion.Parameters.AddWithValue("$now", now);
                await deletion.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

                SqliteCommand steps = Command(LedgerSql.DeleteSteps, tx);
                steps.Parameters.AddWithValue("$auth0", auth0UserId);
                await steps.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

                SqliteCommand user = Command(LedgerSql.DeleteUser, tx);
                user.Parameters.AddWithValue("$auth0", auth0UserId);
                await user.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> as one transaction: the ledger calls it makes (on its async flow) are
    /// committed together when it completes, or all rolled back if it throws. Much faster for many writes. Other
    /// callers wait until the batch ends; nested calls join the outer batch.</summary>
    /// <remarks>A <see cref="LedgerStepStatus.Pending"/> record made in a batch is only durable once the batch commits:
    /// do not send the request a pending step guards from inside a batch if an interruption must be detectable.</remarks>
    /// <param name="work">The work; receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task completed once the batch is committed.</returns>
    public async Task ExecuteInTransactionAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (CurrentBatch is not null)
        {
            await work(cancellationToken).ConfigureAwait(false);
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            SqliteTransaction transaction = _connection.BeginTransaction();
            await using (transaction.ConfigureAwait(false)) // Disposing rolls back if not committed.
            {
                try
                {
                    _batch.Value = transaction;
                    _activeBatch = transaction;
                    await work(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // Under the statement gate: a call still running in the batch (started by work, not awaited) ends first.
                    await _statementGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    _activeBatch = null;
                    _statementGate.Release();
                    _batch.Value = null;
                }

                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the ledger file.</summary>
    /// <returns>A task completed once the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        if (CurrentBatch is not null)
        {
            throw new InvalidOperationException("The ledger cannot be disposed inside its own ExecuteInTransactionAsync.");
        }

        await _gate.WaitAsync().ConfigureAwait(false); // Lets the operation in progress finish.
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (SqliteCommand command in _commands.Values)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }

            _commands.Clear();
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release(); // Later callers get an ObjectDisposedException.
        }
    }

    internal static string? Truncate(string? error)
    {
        if (error is null || error.Length <= MaxErrorLength)
        {
            return error;
        }

        int length = char.IsHighSurrogate(error[MaxErrorLength - 1]) ? MaxErrorLength - 1 : MaxErrorLength;
        return error[..length];
    }

    private static void CreateOwnerOnlyIfMissing(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        try
        {
            OwnerOnlyFile.Create(path, FileMode.CreateNew).Dispose();
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created by someone else in the meantime: SQLite opens it as it is.
        }
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static async Task ExecuteAsync(SqliteCommand command, string runId, CancellationToken cancellationToken)
    {
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == 787) // SQLITE_CONSTRAINT_FOREIGNKEY
        {
            throw new ArgumentException($"Run '{runId}' is not in the ledger; start runs with StartRunAsync.", nameof(runId), ex);
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        SqliteCommand pragmas = Command(LedgerSql.Pragmas, null);
        await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await WriteAsync(async tx =>
        {
            SqliteCommand schema = Command(LedgerSql.Schema, tx);
            schema.Parameters.AddWithValue("$now", Format(_time.GetUtcNow()));
            await schema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            SqliteCommand version = Command(LedgerSql.MaxSchemaVersion, tx);
            long found = (long)(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
            return found > LedgerSql.SchemaVersion
                ? throw new NotSupportedException(
                    $"The ledger has schema version {found}; this version of Kinde.Migration reads up to {LedgerSql.SchemaVersion}.")
                : true;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureUserAsync(SqliteTransaction? tx, string auth0UserId, string now, CancellationToken cancellationToken)
    {
        SqliteCommand command = Command(LedgerSql.EnsureUser, tx);
        command.Parameters.AddWithValue("$auth0", auth0UserId);
        command.Parameters.AddWithValue("$now", now);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SetKindeIdCoreAsync(
        SqliteTransaction? tx, string runId, string auth0UserId, string kindeUserId, bool createdByRun, string now, CancellationToken cancellationToken)
    {
        SqliteCommand select = Command(LedgerSql.SelectKindeId, tx);
        select.Parameters.AddWithValue("$auth0", auth0UserId);
        object? existing = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (existing is string current && !string.Equals(current, kindeUserId, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The ledger already maps this Auth0 user to Kinde user '{current}', not '{kindeUserId}'.");
        }

        SqliteCommand command = Command(LedgerSql.SetKindeId, tx);
        command.Parameters.AddWithValue("$auth0", auth0UserId);
        command.Parameters.AddWithValue("$kinde", kindeUserId);
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$created_by", createdByRun ? runId : DBNull.Value);
        command.Parameters.AddWithValue("$now", now);
        await ExecuteAsync(command, runId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The batch of the current async flow, if it is still in progress.</summary>
    private SqliteTransaction? CurrentBatch =>
        _batch.Value is { } batch && ReferenceEquals(batch, Volatile.Read(ref _activeBatch)) ? batch : null;

    /// <summary>A cached command for <paramref name="sql"/> (SQLite keeps it prepared), its parameters cleared.</summary>
    private SqliteCommand Command(string sql, SqliteTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out SqliteCommand? command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Runs <paramref name="work"/> in its own transaction, or in the current batch.</summary>
    private Task<T> WriteAsync<T>(Func<SqliteTransaction?, Task<T>> work, CancellationToken cancellationToken) =>
        UseConnectionAsync(work, transactional: true, cancellationToken);

    /// <summary>Runs <paramref name="work"/> outside a transaction, or in the current batch.</summary>
    private Task<T> ReadAsync<T>(Func<SqliteTransaction?, Task<T>> work, CancellationToken cancellationToken) =>
        UseConnectionAsync(work, transactional: false, cancellationToken);

    private async Task<T> UseConnectionAsync<T>(Func<SqliteTransaction?, Task<T>> work, bool transactional, CancellationToken cancellationToken)
    {
        if (CurrentBatch is { } batch)
        {
            await _statementGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (!ReferenceEquals(_activeBatch, batch))
                {
                    throw new InvalidOperationException("A ledger call outlived the ExecuteInTransactionAsync batch it was started in.");
                }

                if (!transactional)
                {
                    return await work(batch).ConfigureAwait(false);
                }

                // A savepoint makes each call atomic inside the batch: a call that throws leaves nothing behind.
                await Command(LedgerSql.Savepoint, batch).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                T result;
                try
                {
                    result = await work(batch).ConfigureAwait(false);
                }
                catch
                {
                    await Command(LedgerSql.RollbackToSavepoint, batch).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    throw;
                }

                await Command(LedgerSql.ReleaseSavepoint, batch).ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                return result;
            }
            finally
            {
                _statementGate.Release();
            }
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!transactional)
            {
                return await work(null).ConfigureAwait(false);
            }

            SqliteTransaction transaction = _connection.BeginTransaction();
            await using (transaction.ConfigureAwait(false))
            {
                T result = await work(transaction).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return result;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
