using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Joining;
using Kinde.Migration.Mapping;
using Kinde.Migration.Target.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kinde.Migration.Pipeline;

/// <summary>
/// Runs a migration: password join → mapper chain → Kinde validation → importer, over bounded channels, and returns a
/// <see cref="MigrationReport"/> (also written as <c>report.json</c>, beside <c>rejected.ndjson</c>).
/// </summary>
/// <remarks>
/// <para>A hash claimed by several users, or an email shared by several hashes or users, is ambiguous and not used;
/// users sharing an email are merged (or the later ones rejected, per <see cref="MigrationOptions.DuplicateEmails"/>).
/// Both need every user's keys, which the runner gets in one of two ways.</para>
/// <para><b>Import files</b> (<see cref="KindeImportFilesImporter"/>, every mode but
/// <see cref="MigrationMode.PasswordsOnly"/>): the user export is read once. The hash export is indexed first; then
/// each user is joined with the claims of the users read before it, converted and written at once, and what counting
/// it did is noted (a few bytes a user). At the end, the users a later user changed — another claim on their hash, or
/// their email shared — are taken out of the files, <c>rejected.ndjson</c> and the counts, read again (only when
/// there are any) and converted with every claim and email known, exactly as the two-pass way would convert them;
/// they are written at the end of the files. A custom mapper is called twice for such a user. One result can differ
/// from two passes: when two users want the same username, the first to be validated takes it, and the order differs
/// for users converted again.</para>
/// <para><b>Any other importer</b> (the Management API, a host's own) gets each user once, so the user export is
/// read twice: the first pass, run while the hash export is being indexed, only notes per user which hash it would
/// take and how many users share each email; the second converts. A merge group is held until its last member has
/// been read, so memory grows only with the number of users who share an email.</para>
/// <para>Every user read is accounted for: <c>users_read = users_accepted + users_rejected + users_merged</c>.</para>
/// </remarks>
public partial class MigrationRunner
{
    private const int ProgressEvery = 10_000;

    private readonly MigrationOptions _options;
    private readonly IUserMapper _mapper;
    private readonly IKindeImporter _importer;
    private readonly IAuth0UserReader _userReader;
    private readonly IPasswordHashReader _hashReader;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="MigrationRunner"/> class.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="mapper">The outermost mapper of the chain.</param>
    /// <param name="importer">Where accepted users go.</param>
    /// <param name="userReader">The user export reader; the built-in one when <see langword="null"/>.</param>
    /// <param name="hashReader">The hash export reader; the built-in one when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for the report; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; none when <see langword="null"/>.</param>
    public MigrationRunner(
        MigrationOptions options,
        IUserMapper mapper,
        IKindeImporter importer,
        IAuth0UserReader? userReader = null,
        IPasswordHashReader? hashReader = null,
        TimeProvider? timeProvider = null,
        ILogger<MigrationRunner>? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        _importer = importer ?? throw new ArgumentNullException(nameof(importer));
        _userReader = userReader ?? new Auth0UserReader(options.Reader);
        _hashReader = hashReader ?? new PasswordHashReader(options.Reader);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>For mocking.</summary>
    protected MigrationRunner()
    {
        _options = new MigrationOptions();
        _mapper = null!;
        _importer = null!;
        _userReader = null!;
        _hashReader = null!;
        _time = TimeProvider.System;
        _logger = NullLogger.Instance;
    }

    /// <summary>Runs the migration.</summary>
    /// <param name="usersPath">The Auth0 user export (read once or twice; it must not change during the run).</param>
    /// <param name="passwordsPath">The Auth0 password-hash export, if any.</param>
    /// <param name="progress">Receives progress snapshots.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The report.</returns>
    /// <exception cref="FileNotFoundException">An input file does not exist.</exception>
    /// <exception cref="ExportFormatException">An input cannot be read at all (e.g. it is encrypted).</exception>
    /// <exception cref="IOException">The output directory holds an earlier run's files.</exception>
    public virtual async Task<MigrationReport> RunAsync(string usersPath, string? passwordsPath = null, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(usersPath);
        var report = new MigrationReport { Mode = _options.Mode, StartedAt = _time.GetUtcNow() };
        string output = Path.GetFullPath(_options.OutputDirectory);
        Directory.CreateDirectory(output);
        foreach (string ownFile in new[] { "rejected.ndjson", "report.json" }.Select(f => Path.Combine(output, f)).Where(File.Exists))
        {
            // Checked before anything is opened: a second run must not overwrite the first one's results.
            throw new IOException($"{ownFile} already exists: remove the earlier output or choose another output directory.");
        }

        using var activity = KindeMigrationMetrics.ActivitySource.StartActivity("kinde_migration.run");
        activity?.SetTag("kinde_migration.mode", MigrationReport.ModeName(_options.Mode));
        Log.RunStarted(_logger, MigrationReport.ModeName(_options.Mode), output);

        string rejectedPath = Path.Combine(output, "rejected.ndjson");
        var failed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        PasswordHashIndex? index = null;
        try
        {
            if (_importer is KindeImportFilesImporter files && _options.Mode != MigrationMode.PasswordsOnly)
            {
                index = passwordsPath is null ? null : await BuildIndexAsync(passwordsPath, report, progress, cancellationToken).ConfigureAwait(false);
                using var rejected = new RejectedRecordsWriter(rejectedPath);
                await ConvertOnceAsync(usersPath, output, files, index, report, rejected, failed, progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var firstPass = await FirstPassAsync(usersPath, passwordsPath, report, progress, cancellationToken).ConfigureAwait(false);
                index = firstPass.Index;
                using var rejected = new RejectedRecordsWriter(rejectedPath);
                var run = new Run(this, report, index, rejected, progress) { SharedEmails = firstPass.SharedEmails };
                await run.ConvertAsync(usersPath, output, failed, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            index?.Dispose();
            throw;
        }

        using var disposeIndex = index;

        if (await FailedRecordsPass.WriteAsync(_userReader, usersPath, failed, output, cancellationToken).ConfigureAwait(false) is { } failedPath)
        {
            report.Files.Add(failedPath);
        }

        report.HashesOrphaned = index?.CountUnused() ?? 0;
        report.Files.Add(rejectedPath);
        report.FinishedAt = _time.GetUtcNow();
        string reportPath = Path.Combine(output, "report.json");
        report.Files.Add(reportPath);
        await using (var file = File.Create(reportPath))
        {
            await report.WriteJsonAsync(file, cancellationToken).ConfigureAwait(false);
        }

        Log.RunFinished(_logger, report.UsersRead, report.UsersAccepted, report.UsersRejected, report.UsersMerged, report.HashesJoined);
        activity?.SetTag("kinde_migration.users_read", report.UsersRead);
        activity?.SetTag("kinde_migration.users_accepted", report.UsersAccepted);
        progress?.Report(new MigrationProgress("done", report.UsersRead, report.UsersAccepted, report.UsersRejected));
        return report;
    }

    /// <summary>Indexes the hashes and scans the users at the same time (each on its own thread), then makes the
    /// users' claims on the hashes and finds the emails several users share.</summary>
    private async Task<(PasswordHashIndex? Index, Dictionary<ulong, int> SharedEmails)> FirstPassAsync(string usersPath, string? passwordsPath, MigrationReport report, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        // Only the scan reports progress from here on: the two tasks run at once, and a caller's IProgress need not
        // be thread-safe.
        if (passwordsPath is not null)
        {
            progress?.Report(new MigrationProgress("indexing passwords", 0, 0, 0));
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<PasswordHashIndex>? indexing = passwordsPath is null ? null : Task.Run(() => BuildIndexAsync(passwordsPath, report, null, cts.Token), cts.Token);
        Task<UserKeyLog> scanning = Task.Run(() => ScanUsersAsync(usersPath, progress, cts.Token), cts.Token);
        try
        {
            await Task.WhenAll(indexing is null ? [scanning] : [indexing, scanning]).ConfigureAwait(false);
        }
        catch
        {
            // The first failure stops the other task; its index, if it got that far, is disposed.
            await cts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(indexing is null ? [scanning] : [indexing, scanning]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (indexing is { IsCompletedSuccessfully: true })
            {
                indexing.Result.Dispose();
            }

            throw;
        }

        PasswordHashIndex? index = indexing?.Result;
        UserKeyLog users = scanning.Result;

        // Both only read the log: the claims on one core, the shared emails on the other.
        Task<Dictionary<ulong, int>> sharedEmails = Task.Run(users.SharedEmails, cancellationToken);
        index?.ClaimAll(users);
        return (index, await sharedEmails.ConfigureAwait(false));
    }

    private async Task<PasswordHashIndex> BuildIndexAsync(string passwordsPath, MigrationReport report, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        progress?.Report(new MigrationProgress("indexing passwords", 0, 0, 0));
        var index = new PasswordHashIndex(_options.HashIndexMemoryBytes, _options.TempDirectory ?? Path.GetFullPath(_options.OutputDirectory));
        try
        {
            await using var source = await ExportSource.OpenAsync(passwordsPath, cancellationToken).ConfigureAwait(false);
            await (_hashReader is PasswordHashReader builtIn
                ? index.AddAllAsync(builtIn, source, cancellationToken)
                : index.AddAllAsync(_hashReader.ReadAsync(source, cancellationToken), cancellationToken)).ConfigureAwait(false);
        }
        catch
        {
            index.Dispose();
            throw;
        }

        report.HashesRead = index.HashesRead;
        report.HashesRejected = index.HashesRejected;
        report.HashesDuplicate = index.Duplicates;
        foreach (var rejection in index.Rejections)
        {
            report.HashRejections.Add(rejection);
        }

        Log.HashesIndexed(_logger, index.HashesRead, index.HashesRejected, index.SpilledToDisk);
        return index;
    }

    private async Task<UserKeyLog> ScanUsersAsync(string usersPath, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        var users = new UserKeyLog();
        await using var source = await ExportSource.OpenAsync(usersPath, cancellationToken).ConfigureAwait(false);
        Action<int>? reportProgress = progress is null ? null : scanned => progress.Report(new MigrationProgress("scanning users", scanned, 0, 0));
        // Every record is read in full, as the second pass will read it: a record the read rejects claims no hash, in
        // this way as in the single pass (a scan of the keys alone would let a record with a bad field claim one).
        await foreach (var record in _userReader.ReadAsync(source, cancellationToken).ConfigureAwait(false))
        {
            users.Add(record.Value is { } user ? UserKeys.Of(user) : null);
            if (users.Count % ProgressEvery == 0)
            {
                reportProgress?.Invoke(users.Count);
            }
        }

        return users;
    }

    /// <summary>
    /// The single pass, for the built-in import files: each user is joined with the claims of the users read before
    /// it, and converted and written at once. When every user has been read, the users whose outcome a later user
    /// changed (a hash another user also claims, or an email another user shares) are withdrawn from the files, the
    /// report and <c>rejected.ndjson</c>, and converted again from a second read of only them, as the two-pass join
    /// would have converted them; they end up at the end of the files.
    /// </summary>
    private async Task ConvertOnceAsync(string usersPath, string output, KindeImportFilesImporter importer, PasswordHashIndex? index, MigrationReport report, RejectedRecordsWriter rejected, IDictionary<string, string> failed, IProgress<MigrationProgress>? progress, CancellationToken cancellationToken)
    {
        await using var files = await importer.OpenUserFilesAsync(output, withdrawable: true, cancellationToken).ConfigureAwait(false);
        var effects = new UserEffectsLog();
        var emails = new EmailKeyLog();
        var run = new Run(this, report, index, rejected, progress) { Effects = effects, WriteDirectly = files.WriteAsync };
        rejected.TrackUsers();
        await run.PumpAsync(
            usersPath,
            (_, _, lookup) =>
            {
                emails.Add(lookup.Email);
                return index is null ? default : index.ClaimAndResolve(lookup);
            },
            sink: null,
            cancellationToken,
            lookUp: user => index is null ? PasswordHashIndex.Lookup.EmailOnly(user) : index.LookUp(user)).ConfigureAwait(false);

        Dictionary<ulong, int> shared = emails.SharedEmails();
        var affected = new bool[emails.Count];
        var withdrawnFromFiles = new List<long>();
        long written = 0;
        int count = 0;
        for (int position = 0; position < affected.Length; position++)
        {
            bool accepted = effects.StageOf(position) == UserEffectsLog.UserStage.Accepted;
            if ((emails[position] != 0 && shared.ContainsKey(emails[position])) || (index?.OutcomeChanged(position) ?? false))
            {
                affected[position] = true;
                count++;
                run.Withdraw(position);
                if (accepted)
                {
                    withdrawnFromFiles.Add(written);
                }
            }

            written += accepted ? 1 : 0;
        }

        count += WithdrawUsersRejectedForAFreedUsername(run, effects, affected);
        rejected.Withdraw(position => affected[position]);
        if (count > 0)
        {
            Log.UsersRedone(_logger, count);
            run.Phase = "converting again";
            progress?.Report(new MigrationProgress(run.Phase, report.UsersRead, report.UsersAccepted, report.UsersRejected));

            // The files are rewritten while the export is read again; the first user converted again waits for it.
            Task withdrawal = Task.Run(() => files.WithdrawAsync(withdrawnFromFiles), cancellationToken);
            run.Effects = null;
            run.SharedEmails = shared;
            run.WriteDirectly = async (user, token) =>
            {
                await withdrawal.ConfigureAwait(false);
                await files.WriteAsync(user, token).ConfigureAwait(false);
            };
            try
            {
                await run.PumpAsync(
                    usersPath,
                    (_, position, _) => index is null ? default : index.ResolveFinal((int)position),
                    sink: null,
                    cancellationToken,
                    only: position => affected[position],
                    onlyUpTo: Array.LastIndexOf(affected, true)).ConfigureAwait(false);
            }
            catch
            {
                // The files are not disposed while the rewrite still works on them.
                await withdrawal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw;
            }

            await withdrawal.ConfigureAwait(false);
        }

        index?.MarkTakenByFinalOutcomes();
        run.AddCountsToReport();
        run.AddImportResult(await files.CompleteAsync(cancellationToken).ConfigureAwait(false), failed);
    }

    /// <summary>A user rejected only because a withdrawn user had taken its username must be converted again too: the
    /// name is free now.</summary>
    private static int WithdrawUsersRejectedForAFreedUsername(Run run, UserEffectsLog effects, bool[] affected)
    {
        var freed = new HashSet<ulong>();
        for (int position = 0; position < affected.Length; position++)
        {
            if (affected[position] && effects.StageOf(position) == UserEffectsLog.UserStage.Accepted)
            {
                freed.UnionWith(effects.Read(position)!.Usernames);
            }
        }

        int count = 0;
        for (int position = 0; freed.Count > 0 && position < affected.Length; position++)
        {
            if (!affected[position] && effects.StageOf(position) == UserEffectsLog.UserStage.RejectedByValidation
                && effects.Read(position)!.Usernames.Exists(freed.Contains))
            {
                affected[position] = true;
                count++;
                run.Withdraw(position);
            }
        }

        return count;
    }
}
