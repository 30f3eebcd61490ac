using System.Runtime.InteropServices;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Joining;
using Kinde.Migration.Mapping;
using Kinde.Migration.Target;
using Kinde.Migration.Validation;

namespace Kinde.Migration.Pipeline;

/// <content>The conversion itself: read, join, map, validate and write, with the counting the report needs.</content>
public partial class MigrationRunner
{
    /// <summary>Converts users: one instance per run.</summary>
    private sealed class Run(
        MigrationRunner runner,
        MigrationReport report,
        PasswordHashIndex? index,
        RejectedRecordsWriter rejected,
        IProgress<MigrationProgress>? progress)
    {
        private readonly KindeUserValidator _validator = new(runner._options.Validation);
        private Action<string>? _warn;
        private Action<string, MetadataKeyFate>? _recordFate;
        // Keyed by the email itself, not its hash: two emails whose hashes collide must never be merged (their shared
        // count is then too high, so each group just waits to the end of the pass).
        private readonly Dictionary<string, EmailGroup> _groups = new(StringComparer.OrdinalIgnoreCase);

        // Counted here, per user, and added to the report's sorted dictionaries once at the end: a sorted lookup
        // per metadata key of every user cost more than the mapping of the key.
        private readonly Dictionary<string, long> _warnings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long[]> _fates = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _withoutHashByProvider = new(StringComparer.Ordinal);
        private readonly long[] _joinedBy = new long[3];
        private static readonly int FateCount = Enum.GetValues<MetadataKeyFate>().Length;

        /// <summary>Gets or sets the phase progress reports name.</summary>
        public string Phase { get; set; } = "converting";

        /// <summary>Gets or sets the emails several users share (by <see cref="KeyHash.OfEmail"/>), with how many share each.</summary>
        public Dictionary<ulong, int> SharedEmails { get; set; } = [];

        /// <summary>Gets or sets where the single pass records what counting each user did; <see langword="null"/> when
        /// nothing may be withdrawn.</summary>
        public UserEffectsLog? Effects { get; set; }

        /// <summary>The second pass of the two-pass join, into the run's importer.</summary>
        public async Task ConvertAsync(string usersPath, string output, IDictionary<string, string> failed, CancellationToken cancellationToken)
        {
            Task<KindeImportResult>? import = null;
            await PumpAsync(
                usersPath,
                (user, position, _) => user is not null && index is not null ? index.Resolve(user, position) : default,
                users => import = runner._importer.ImportAsync(users, new KindeImportContext(runner._options.Mode, output) { Progress = progress }, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            AddCountsToReport();
            AddImportResult(await import!.ConfigureAwait(false), failed);
        }

        /// <summary>Gets or sets where the map stage writes accepted users itself (the single pass's files), instead of
        /// handing them to a stage of their own: one thread less to hand work between, on two cores.</summary>
        public Func<KindeUser, CancellationToken, ValueTask>? WriteDirectly { get; set; }

        /// <summary>Reads the users, joins, maps, validates and hands the accepted ones to <paramref name="sink"/> (or
        /// <see cref="WriteDirectly"/>), over bounded channels.</summary>
        /// <param name="usersPath">The user export.</param>
        /// <param name="join">A record's join result, by its user (<see langword="null"/> if unreadable), place in the
        /// export (0 for the first record) and <paramref name="lookUp"/>'s answer; called in the export's order.</param>
        /// <param name="sink">Consumes the accepted users; <see langword="null"/> with <see cref="WriteDirectly"/>.</param>
        /// <param name="cancellationToken">Stops the run.</param>
        /// <param name="only">The places of the only records to convert; every record when <see langword="null"/>.</param>
        /// <param name="onlyUpTo">With <paramref name="only"/>, the last of those places: the read can stop there.</param>
        /// <param name="lookUp">What can be found out about a user's hash before it claims (the single pass), on the
        /// reader's thread: parsing alone keeps that thread less busy than the map stage's.</param>
        public async Task PumpAsync(string usersPath, Func<Auth0User?, long, PasswordHashIndex.Lookup, PasswordJoinResult> join, Func<IAsyncEnumerable<KindeUser>, Task>? sink, CancellationToken cancellationToken, Func<long, bool>? only = null, long onlyUpTo = long.MaxValue, Func<Auth0User?, PasswordHashIndex.Lookup>? lookUp = null)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var records = new BatchChannel<(ExportRecord<Auth0User> Record, string Source, long Position, PasswordHashIndex.Lookup Lookup)>(runner._options.ChannelCapacity);
            var accepted = new BatchChannel<KindeUser>(runner._options.ChannelCapacity);

            Task read = Task.Run(() => ReadAsync(usersPath, only, onlyUpTo, lookUp, records, cts.Token), cts.Token);
            Task map = Task.Run(() => MapAsync(records, join, accepted, cts.Token), cts.Token);
            Task import = sink?.Invoke(accepted.ReadAllAsync(cts.Token)) ?? Task.CompletedTask;
            try
            {
                await Task.WhenAll(read, map, import).ConfigureAwait(false);
            }
            catch
            {
                await cts.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>Adds what was counted per user to the report's sorted dictionaries, once at the end.</summary>
        public void AddCountsToReport()
        {
            foreach (var (code, count) in _warnings)
            {
                if (count != 0)
                {
                    MigrationReport.Increment(report.Warnings, code, count);
                }
            }

            string[] joinedBy = ["id", "linked_identity", "email"];
            for (int i = 0; i < joinedBy.Length; i++)
            {
                if (_joinedBy[i] > 0)
                {
                    MigrationReport.Increment(report.HashesJoinedBy, joinedBy[i], _joinedBy[i]);
                }
            }

            foreach (var (provider, count) in _withoutHashByProvider)
            {
                if (count != 0)
                {
                    MigrationReport.Increment(report.UsersWithoutHashByProvider, provider, count);
                }
            }

            foreach (var (key, counts) in _fates)
            {
                for (int fate = 0; fate < counts.Length; fate++)
                {
                    if (counts[fate] > 0)
                    {
                        AddFate(key, (MetadataKeyFate)fate, counts[fate]);
                    }
                }
            }
        }

        public void AddImportResult(KindeImportResult result, IDictionary<string, string> failed)
        {
            foreach (string file in result.Files)
            {
                report.Files.Add(file);
            }

            foreach (var (name, value) in result.Counters)
            {
                MigrationReport.Increment(report.ImporterCounters, name, value);
            }

            foreach (var (code, count) in result.Warnings)
            {
                MigrationReport.Increment(report.Warnings, code, count);
            }

            foreach (var (id, reason) in result.FailedUsers)
            {
                failed[id] = reason;
            }
        }

        /// <summary>Takes back everything counted for the user at <paramref name="position"/> (single pass): the
        /// caller takes its line out of the files or <c>rejected.ndjson</c>.</summary>
        public void Withdraw(long position)
        {
            if (Effects!.Read(position) is not { } effects)
            {
                return;
            }

            report.UsersRead--;
            switch (effects.Stage)
            {
                case UserEffectsLog.UserStage.None:
                    break;
                case UserEffectsLog.UserStage.Accepted:
                    report.UsersAccepted--;
                    foreach (ulong username in effects.Usernames)
                    {
                        _validator.ForgetUsername(username);
                    }

                    break;
                case UserEffectsLog.UserStage.RejectedByMapper:
                    Reject("map", -1);
                    break;
                case UserEffectsLog.UserStage.RejectedByValidation:
                    Reject("validate", -1);
                    break;
            }

            if (effects.Join is { } join)
            {
                CountJoin(join, effects.ProviderWithoutHash, -1);
            }

            foreach (string code in effects.Warnings)
            {
                Warn(code, -1);
            }

            foreach (var (key, fate) in effects.Fates)
            {
                if ((uint)fate >= FateCount)
                {
                    AddFate(key, fate, -1);
                }
                else
                {
                    _fates[key][(int)fate]--;
                }
            }
        }

        private async Task ReadAsync(string usersPath, Func<long, bool>? only, long onlyUpTo, Func<Auth0User?, PasswordHashIndex.Lookup>? lookUp, BatchChannel<(ExportRecord<Auth0User>, string, long, PasswordHashIndex.Lookup)> writer, CancellationToken cancellationToken)
        {
            try
            {
                await using var source = await ExportSource.OpenAsync(usersPath, cancellationToken).ConfigureAwait(false);
                if (only is not null && runner._userReader is Auth0UserReader builtIn)
                {
                    // The built-in reader leaves the other records unparsed.
                    await foreach (var (position, record) in builtIn.ReadOnlyAsync(source, only, onlyUpTo, cancellationToken).ConfigureAwait(false))
                    {
                        await writer.WriteAsync((record, source.Name, position, lookUp?.Invoke(record.Value) ?? default), cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    long position = 0;
                    await foreach (var record in runner._userReader.ReadAsync(source, cancellationToken).ConfigureAwait(false))
                    {
                        if (only?.Invoke(position) != false)
                        {
                            await writer.WriteAsync((record, source.Name, position, lookUp?.Invoke(record.Value) ?? default), cancellationToken).ConfigureAwait(false);
                        }

                        position++;
                    }
                }

                await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                writer.Fail(ex);
                throw;
            }
        }

        // The join's claims are made here, in the export's order; the lookups they need were made on the reader's thread.
        private async Task MapAsync(BatchChannel<(ExportRecord<Auth0User> Record, string Source, long Position, PasswordHashIndex.Lookup Lookup)> reader, Func<Auth0User?, long, PasswordHashIndex.Lookup, PasswordJoinResult> joinOf, BatchChannel<KindeUser> writer, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var (record, source, position, lookup) in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    PasswordJoinResult join = joinOf(record.Value, position, lookup);
                    report.UsersRead++;
                    if (report.UsersRead % ProgressEvery == 0)
                    {
                        progress?.Report(new MigrationProgress(Phase, report.UsersRead, report.UsersAccepted, report.UsersRejected));
                    }

                    if (record.Value is not { } user)
                    {
                        Reject("read", 1);
                        rejected.WriteReadError(record.Error!);
                        continue;
                    }

                    Effects?.Begin(position);
                    await MapUserAsync(new SourceUser(user, source, record.Position, position), join, writer, cancellationToken).ConfigureAwait(false);
                }

                // Groups still open had members that never arrived (cannot happen with an unchanged file); flush them.
                foreach (var group in _groups.Values.Where(g => g.Members.Count > 0).ToList())
                {
                    await FlushGroupAsync(group, writer, cancellationToken).ConfigureAwait(false);
                }

                await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                writer.Fail(ex);
                throw;
            }
        }

        private async Task MapUserAsync(SourceUser source, PasswordJoinResult join, BatchChannel<KindeUser> writer, CancellationToken cancellationToken)
        {
            CountJoin(source.User, join);
            var context = new MappingContext(runner._options.Mode, join, _warn ??= Warn, _recordFate ??= RecordFate);
            MappingResult result = await runner._mapper.MapAsync(source.User, context, cancellationToken).ConfigureAwait(false);

            EmailGroup? group = null;
            if (SharedEmails.Count > 0 && !string.IsNullOrWhiteSpace(source.User.Email))
            {
                string email = source.User.Email.Trim();
                if (SharedEmails.TryGetValue(KeyHash.OfEmail(email), out int expected))
                {
                    if (!_groups.TryGetValue(email, out group))
                    {
                        _groups[email] = group = new EmailGroup(expected);
                    }

                    group.Seen++;
                }
            }

            if (result.User is not { } mapped)
            {
                Reject("map", 1);
                Effects?.Stage(UserEffectsLog.UserStage.RejectedByMapper);
                WriteRejected(source, "map", result.RejectionReasons);
            }
            else if (group is null)
            {
                await ValidateAndEmitAsync(source, mapped, writer, cancellationToken).ConfigureAwait(false);
            }
            else if (runner._options.DuplicateEmails == DuplicateEmailPolicy.Reject)
            {
                if (group.Emitted)
                {
                    Reject("duplicate", 1);
                    WriteRejected(source, "duplicate", ["another user with the same email was already accepted (duplicate email policy: reject)"]);
                }
                else
                {
                    group.Emitted = await ValidateAndEmitAsync(source, mapped, writer, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                group.Members.Add((source, mapped));
            }

            if (group is not null && group.Seen == group.Expected)
            {
                // The group is complete: emit it and forget it, so memory holds only groups still waiting for members.
                _groups.Remove(source.User.Email!.Trim());
                if (group.Members.Count > 0)
                {
                    await FlushGroupAsync(group, writer, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task FlushGroupAsync(EmailGroup group, BatchChannel<KindeUser> writer, CancellationToken cancellationToken)
        {
            var members = group.Members.ToList();
            group.Members.Clear();
            KindeUser merged = members.Count == 1 ? members[0].Mapped : KindeUserMerger.Merge([.. members.Select(m => m.Mapped)], Warn);
            if (await ValidateAndEmitAsync([.. members.Select(m => m.Source)], merged, writer, cancellationToken).ConfigureAwait(false))
            {
                report.UsersMerged += members.Count - 1;
            }
        }

        /// <summary>The one-user case without an array for the sources, and without a state machine unless the
        /// channel makes it wait.</summary>
        private ValueTask<bool> ValidateAndEmitAsync(SourceUser source, KindeUser user, BatchChannel<KindeUser> writer, CancellationToken cancellationToken)
        {
            IReadOnlyList<string> problems = _validator.Validate(user);
            if (Effects is { } effects)
            {
                // The usernames it took (accepted), or wanted (rejected: perhaps only because a user that is withdrawn
                // later had taken one, and then it is converted again).
                effects.Stage(problems.Count > 0 ? UserEffectsLog.UserStage.RejectedByValidation : UserEffectsLog.UserStage.Accepted);
                foreach (KindeIdentity identity in user.Identities)
                {
                    if (identity.Type == KindeIdentityTypes.Username)
                    {
                        effects.Username(KindeUserValidator.UsernameKey(identity.Value));
                    }
                }
            }

            if (problems.Count > 0)
            {
                Reject("validate", 1);
                WriteRejected(source, "validate", problems);
                return new ValueTask<bool>(false);
            }

            return EmitAsync(user, writer, cancellationToken);
        }

        private ValueTask<bool> ValidateAndEmitAsync(IReadOnlyList<SourceUser> sources, KindeUser user, BatchChannel<KindeUser> writer, CancellationToken cancellationToken)
        {
            IReadOnlyList<string> problems = _validator.Validate(user);
            if (problems.Count > 0)
            {
                Reject("validate", sources.Count);
                foreach (var source in sources)
                {
                    WriteRejected(source, "validate", problems);
                }

                return new ValueTask<bool>(false);
            }

            return EmitAsync(user, writer, cancellationToken);
        }

        private ValueTask<bool> EmitAsync(KindeUser user, BatchChannel<KindeUser> writer, CancellationToken cancellationToken)
        {
            report.UsersAccepted++;
            ValueTask write = WriteDirectly is { } direct ? direct(user, cancellationToken) : writer.WriteAsync(user, cancellationToken);
            return write.IsCompletedSuccessfully ? new ValueTask<bool>(true) : AwaitWriteAsync(write);

            static async ValueTask<bool> AwaitWriteAsync(ValueTask write)
            {
                await write.ConfigureAwait(false);
                return true;
            }
        }

        private void WriteRejected(SourceUser source, string stage, IEnumerable<string> reasons) =>
            rejected.WriteUser(source.User, source.Source, source.Line, stage, reasons, source.Position);

        private void CountJoin(Auth0User user, PasswordJoinResult join)
        {
            if (index is null)
            {
                return;
            }

            string? provider = join.Outcome is PasswordJoinOutcome.NotFound ? user.Provider ?? "(none)" : null;
            CountJoin(join.Outcome, provider, 1);
            if (Effects is { } effects)
            {
                effects.Join(join.Outcome);
                if (provider is not null)
                {
                    effects.Provider(provider);
                }
            }
        }

        /// <summary>Counts a join outcome <paramref name="by"/> times (-1 takes it back).</summary>
        private void CountJoin(PasswordJoinOutcome outcome, string? providerWithoutHash, int by)
        {
            switch (outcome)
            {
                case PasswordJoinOutcome.ById:
                case PasswordJoinOutcome.ByLinkedIdentity:
                case PasswordJoinOutcome.ByEmail:
                    // Counted here and added to the report's sorted dictionaries at the end, like the warnings.
                    report.HashesJoined += by;
                    _joinedBy[outcome switch
                    {
                        PasswordJoinOutcome.ById => 0,
                        PasswordJoinOutcome.ByLinkedIdentity => 1,
                        _ => 2,
                    }] += by;
                    break;
                case PasswordJoinOutcome.Ambiguous:
                    report.HashesAmbiguous += by;
                    break;
                default:
                    report.UsersWithoutHash += by;
                    CollectionsMarshal.GetValueRefOrAddDefault(_withoutHashByProvider, providerWithoutHash ?? "(none)", out _) += by;
                    break;
            }
        }

        private void Reject(string stage, long count)
        {
            report.UsersRejected += count;
            MigrationReport.Increment(report.RejectedByStage, stage, count);
        }

        private void Warn(string code)
        {
            Warn(code, 1);
            Effects?.Warning(code);
        }

        private void Warn(string code, long by)
        {
            MigrationReport.Increment(_warnings, code, by);
            if (code.StartsWith("password_unsupported:", StringComparison.Ordinal))
            {
                report.PasswordsUnsupported += by;
            }
        }

        private void RecordFate(string key, MetadataKeyFate fate)
        {
            Effects?.Fate(key, fate);
            if ((uint)fate >= FateCount)
            {
                // Not a defined fate (a custom mapper's cast): counted as it comes.
                AddFate(key, fate, 1);
                return;
            }

            if (!_fates.TryGetValue(key, out long[]? counts))
            {
                _fates[key] = counts = new long[FateCount];
            }

            counts[(int)fate]++;
        }

        private void AddFate(string key, MetadataKeyFate fate, long count)
        {
            if (!report.MetadataKeys.TryGetValue(key, out var fates))
            {
                report.MetadataKeys[key] = fates = new SortedDictionary<MetadataKeyFate, long>();
            }

            long total = fates.TryGetValue(fate, out long n) ? n + count : count;
            if (total == 0 && count < 0)
            {
                // A withdrawn user took back the only count.
                fates.Remove(fate);
                if (fates.Count == 0)
                {
                    report.MetadataKeys.Remove(key);
                }
            }
            else
            {
                fates[fate] = total;
            }
        }
    }

    // A struct: one per user read, and most are only passed along.
    // Line: the record's 1-based line or row; Position: its place in the export (0 for the first record).
    private readonly record struct SourceUser(Auth0User User, string Source, long Line, long Position);

    private sealed class EmailGroup(int expected)
    {
        public int Expected { get; } = expected;

        public int Seen { get; set; }

        public bool Emitted { get; set; }

        public List<(SourceUser Source, KindeUser Mapped)> Members { get; } = [];
    }
}
