using System.Collections.Concurrent;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Ledger;
using Kinde.Migration.Ledger.Internal;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Microsoft.Extensions.Logging;

namespace Kinde.Migration.Importing;

/// <summary>One import run of <see cref="KindeApiImporter"/>: the per-user steps, recorded in the ledger, and the
/// counters. Batches run concurrently; one batch's users are processed one after another.</summary>
internal sealed class ImportRun(
    IKindeApi api,
    MigrationLedger ledger,
    string runId,
    PreflightResult preflight,
    KindeApiImportOptions options,
    MigrationMode mode,
    ILogger logger,
    IProgress<MigrationProgress>? progress)
{
    private static readonly TimeSpan StepBackoffBase = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, long> _warnings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _failures = new(StringComparer.Ordinal);
    private long _imported;
    private long _skippedExisting;
    private long _filledExisting;
    private long _updatedExisting;
    private long _failed;
    private long _passwordsSet;
    private long _processed;

    private bool SetsPasswords => mode is MigrationMode.WithPasswords or MigrationMode.PasswordsOnly;

    public async ValueTask ProcessBatchAsync(IReadOnlyList<KindeUser> batch, CancellationToken ct)
    {
        using var activity = KindeMigrationMetrics.ActivitySource.StartActivity("kinde_migration.import_batch");
        activity?.SetTag("kinde_migration.users", batch.Count);
        var work = new List<UserWork>(batch.Count);
        foreach (var user in batch)
        {
            string key = user.SourceUserIds.FirstOrDefault() ?? user.Id ?? throw new InvalidOperationException("A user reached the importer without an id.");
            work.Add(new UserWork(user, key, await ledger.GetUserAsync(key, ct).ConfigureAwait(false)));
        }

        var found = await LookUpAsync(work.Where(w => w.State?.KindeUserId is null), ct).ConfigureAwait(false);
        foreach (var w in work)
        {
            if (found is null && w.State?.KindeUserId is null)
            {
                w.Fail(LedgerStep.Create, "looking the batch up in Kinde failed; re-run to retry");
                continue;
            }

            try
            {
                await ProcessUserAsync(w, found, ct).ConfigureAwait(false);
            }
            catch (KindeApiException ex)
            {
                // One user's trouble (say a lookup that kept failing) is that user's failure, never the run's.
                w.Fail(w.FailedStep ?? LedgerStep.Create, ex.Message);
            }
        }

        await AddMembershipsAsync([.. work.Where(w => w.NeedsMemberships)], ct).ConfigureAwait(false);

        // Outcomes are recorded together, in one transaction: only a create's start must be durable before its request
        // (see CreateAsync); a lost outcome just means the step is done again (the others are idempotent) or settled by
        // a lookup (create).
        await ledger.ExecuteInTransactionAsync(
            async token =>
            {
                foreach (var w in work)
                {
                    await w.RecordAsync(ledger, runId, token).ConfigureAwait(false);
                }
            },
            ct).ConfigureAwait(false);
        foreach (var w in work)
        {
            Count(w);
        }

        activity?.SetTag("kinde_migration.failed", work.Count(w => w.FailReason is not null));
        long processed = Interlocked.Add(ref _processed, work.Count);
        progress?.Report(new MigrationProgress("importing", processed, Interlocked.Read(ref _imported), Interlocked.Read(ref _failed)));
    }

    public void CopyTo(KindeImportResult result)
    {
        result.Counters["imported"] = Interlocked.Read(ref _imported);
        result.Counters["skipped_existing"] = Interlocked.Read(ref _skippedExisting);
        result.Counters["filled_existing"] = Interlocked.Read(ref _filledExisting);
        result.Counters["updated_existing"] = Interlocked.Read(ref _updatedExisting);
        result.Counters["failed"] = Interlocked.Read(ref _failed);
        result.Counters["passwords_set"] = Interlocked.Read(ref _passwordsSet);
        foreach (var (code, count) in _warnings)
        {
            result.Warnings[code] = count;
        }

        foreach (var (id, reason) in _failures)
        {
            result.FailedUsers[id] = reason;
        }
    }

    /// <summary>One lookup for the batch; <see langword="null"/> when it failed (those users fail, a re-run retries).</summary>
    private async Task<Dictionary<string, string>?> LookUpAsync(IEnumerable<UserWork> users, CancellationToken ct)
    {
        var list = users.Select(w => w.User).ToList();
        try
        {
            return list.Count == 0 ? [] : await UserLookup.FindAllAsync(api, list, ct).ConfigureAwait(false);
        }
        catch (KindeApiException ex)
        {
            ImportLog.LookupFailed(logger, list.Count, ex.Message);
            return null;
        }
    }

    private async Task ProcessUserAsync(UserWork w, Dictionary<string, string>? found, CancellationToken ct)
    {
        if (w.State?.KindeUserId is { } known)
        {
            // Pre-existing means a users pass found it in Kinde (create skipped); a passwords pass that found it by
            // lookup records only its id.
            w.KindeId = known;
            w.Existing = w.State.StatusOf(LedgerStep.Create) == LedgerStepStatus.Skipped;
        }
        else if (UserLookup.Key(w.User) is { } lookupKey && found!.TryGetValue(lookupKey, out string? foundId))
        {
            w.KindeId = foundId;
            if (mode == MigrationMode.PasswordsOnly)
            {
                // The passwords-later pass finds its users by lookup when the ledger does not know them.
                w.RecordKindeId(w.Key);
            }
            else
            {
                // A create begun earlier and never answered is how a user we created can be found without our knowing it.
                bool ours = w.State?.StatusOf(LedgerStep.Create) == LedgerStepStatus.Pending;
                w.Record(LedgerStep.Create, ours ? LedgerStepStatus.Done : LedgerStepStatus.Skipped, foundId);
                w.Existing = !ours;
            }
        }
        else if (mode == MigrationMode.PasswordsOnly)
        {
            w.Fail(LedgerStep.SetPassword, "the user is not in Kinde (import the users first)");
            return;
        }
        else if (!await CreateAsync(w, ct).ConfigureAwait(false))
        {
            return;
        }

        foreach (string other in w.User.SourceUserIds.Skip(1))
        {
            // A merged user has several Auth0 ids: each maps to the one Kinde user in the id map.
            w.RecordKindeId(other);
        }

        if (w.Existing && options.ExistingUsers == ExistingUserPolicy.Skip)
        {
            return;
        }

        if (mode != MigrationMode.PasswordsOnly)
        {
            await AddIdentitiesAsync(w, ct).ConfigureAwait(false);
        }

        if (w.Existing && options.ExistingUsers == ExistingUserPolicy.Update && mode != MigrationMode.PasswordsOnly
            && (w.User.FirstName is not null || w.User.LastName is not null))
        {
            await StepAsync(w, LedgerStep.UpdateProfile, retry: true, token => api.UpdateProfileAsync(w.KindeId!, w.User.FirstName, w.User.LastName, token), ct).ConfigureAwait(false);
        }

        if (SetsPasswords && w.User.Password is { } password)
        {
            var request = new KindePasswordRequest(password.HashedPassword, password.HashingMethod, password.Salt, password.SaltPosition, password.Iterations, password.Variant);
            w.PasswordSet = await StepAsync(w, LedgerStep.SetPassword, retry: false, token => api.SetPasswordAsync(w.KindeId!, request, token), ct).ConfigureAwait(false);
        }

        if (mode == MigrationMode.PasswordsOnly)
        {
            return;
        }

        if (w.User.Suspended)
        {
            await StepAsync(w, LedgerStep.Suspend, retry: true, token => api.UpdateUserAsync(w.KindeId!, isSuspended: true, token), ct).ConfigureAwait(false);
        }

        if (w.User.Properties.Count > 0)
        {
            var properties = new Dictionary<string, string>(w.User.Properties, StringComparer.Ordinal);
            await StepAsync(w, LedgerStep.SetProperties, retry: true, token => api.SetPropertiesAsync(w.KindeId!, properties, token), ct).ConfigureAwait(false);
        }

        w.NeedsMemberships = w.User.Organizations.Any(m => !ReferenceEquals(m, w.JoinedOnCreate))
            && w.State?.StatusOf(LedgerStep.AddToOrganizations) != LedgerStepStatus.Done;
    }

    /// <summary>Creates the user. After an attempt without a clear answer the user is looked up again, and only created
    /// again if Kinde does not have it.</summary>
    private async Task<bool> CreateAsync(UserWork w, CancellationToken ct)
    {
        // A membership without roles or permissions rides on the create request: one request less per user.
        var joinOnCreate = w.User.Organizations.FirstOrDefault(m => m.Roles.Count == 0 && m.Permissions.Count == 0);
        var request = NewUser(w.User, joinOnCreate is null ? null : preflight.OrganizationCodes[joinOnCreate.ExternalId]);
        bool mayExistFromUs = w.State?.StatusOf(LedgerStep.Create) == LedgerStepStatus.Pending;
        bool canLookUp = UserLookup.Key(w.User) is not null;
        string? lastError = null;
        for (int attempt = 1; attempt <= options.MaxCreateAttempts; attempt++)
        {
            if (mayExistFromUs && !canLookUp)
            {
                // No email, phone or username to look it up by: a create that may have been carried out is never sent
                // again. It stays pending for a person to check.
                w.Fail(LedgerStep.Create, "creating the user may have succeeded without an answer, and a user without email, phone or username cannot be looked up: check Kinde for provided_id " + w.User.Id);
                return false;
            }

            if (attempt > 1)
            {
                await Task.Delay(Backoff(attempt), ct).ConfigureAwait(false);
                if (await UserLookup.FindAsync(api, w.User, ct).ConfigureAwait(false) is { } createdBefore)
                {
                    Created(createdBefore, ours: true);
                    return true;
                }
            }

            // Durable before the request: a create interrupted from here on is settled by a lookup, never repeated blindly.
            await ledger.BeginStepAsync(runId, w.Key, LedgerStep.Create, ct).ConfigureAwait(false);
            try
            {
                var created = await api.CreateUserAsync(request, ct).ConfigureAwait(false);
                Created(created.Id, created.Created || mayExistFromUs);
                return true;
            }
            catch (KindeApiException ex) when (IsAmbiguous(ex))
            {
                // Outcome unknown: the step stays pending in the ledger until the next lookup settles it.
                mayExistFromUs = true;
                lastError = ex.Message;
            }
            catch (KindeApiException ex)
            {
                // A 400 or 409 may mean the email (or another identity) is taken: by us after an unanswered attempt,
                // or by a user that was there before.
                string? existing = ex.StatusCode is 400 or 409 ? await UserLookup.FindAsync(api, w.User, ct).ConfigureAwait(false) : null;
                if (existing is null)
                {
                    w.Record(LedgerStep.Create, LedgerStepStatus.Failed, error: ex.Message);
                    w.Fail(LedgerStep.Create, ex.Message);
                    return false;
                }

                Created(existing, mayExistFromUs);
                return true;
            }
        }

        // Still unknown after every attempt: left pending, so the next run looks the user up before anything else.
        w.Fail(LedgerStep.Create, $"creating the user did not get a clear answer after {options.MaxCreateAttempts} attempts (last: {lastError}); re-run to resolve");
        return false;

        void Created(string kindeId, bool ours)
        {
            w.Record(LedgerStep.Create, ours ? LedgerStepStatus.Done : LedgerStepStatus.Skipped, kindeId);
            w.KindeId = kindeId;
            w.Existing = !ours;
            if (ours && joinOnCreate is not null)
            {
                w.JoinedOnCreate = joinOnCreate;
                if (w.User.Organizations.Count == 1)
                {
                    w.Record(LedgerStep.AddToOrganizations, LedgerStepStatus.Done);
                }
            }
        }
    }

    /// <summary>Identities the create call cannot carry: further emails, phones and usernames. Social identities are not
    /// created (they need Kinde connection ids and provider ids Kinde does not document for this call); Kinde links the
    /// provider by verified email at the user's first social sign-in, once the connection is enabled.</summary>
    private async Task AddIdentitiesAsync(UserWork w, CancellationToken ct)
    {
        var extra = new List<KindeNewIdentity>();
        foreach (var identity in w.User.Identities)
        {
            if (KindeIdentityTypes.IsSocial(identity.Type))
            {
                Warn("identity_not_created:" + identity.Type);
            }
            else if (identity.Type == KindeIdentityTypes.Phone && !ReferenceEquals(identity, FirstOf(w.User, identity.Type)))
            {
                // Kinde needs a country for an added phone identity, and an E.164 number alone does not always name one.
                Warn("identity_not_created:phone");
            }
            else if (!ReferenceEquals(identity, FirstOf(w.User, identity.Type)))
            {
                extra.Add(new KindeNewIdentity(identity.Type, identity.Value));
            }
        }

        if (extra.Count > 0 && w.State?.StatusOf(LedgerStep.AddIdentities) is not (LedgerStepStatus.Done or LedgerStepStatus.Skipped))
        {
            // Not idempotent (a second add is refused), so begun durably: a refusal after an interrupted or unanswered
            // add means Kinde has the identity already.
            await ledger.BeginStepAsync(runId, w.Key, LedgerStep.AddIdentities, ct).ConfigureAwait(false);
            int sends = 0;
            await StepAsync(w, LedgerStep.AddIdentities, retry: true, async token =>
            {
                // Only an add that may have been carried out (an unanswered send now, or one begun and never recorded
                // before) turns a refusal into "Kinde has it"; a refusal recorded earlier stays a failure.
                bool resent = sends++ > 0 || w.State?.StatusOf(LedgerStep.AddIdentities) == LedgerStepStatus.Pending;
                foreach (var identity in extra)
                {
                    try
                    {
                        await api.AddIdentityAsync(w.KindeId!, identity, token).ConfigureAwait(false);
                    }
                    catch (KindeApiException ex) when (ex.StatusCode is 400 or 409 && resent)
                    {
                        // Sent before without an answer: Kinde has it already.
                    }
                }
            }, ct).ConfigureAwait(false);
        }
    }

    private async Task AddMembershipsAsync(IReadOnlyList<UserWork> users, CancellationToken ct)
    {
        if (users.Count == 0)
        {
            return;
        }

        var byOrganization = users
            .SelectMany(w => w.User.Organizations.Where(m => !ReferenceEquals(m, w.JoinedOnCreate)).Select(m => (User: w, Membership: m)))
            .GroupBy(x => preflight.OrganizationCodes[x.Membership.ExternalId], StringComparer.Ordinal);
        var failed = new HashSet<UserWork>();
        foreach (var group in byOrganization)
        {
            var members = group.ToList();
            string? error = await AddAsync(group.Key, members, ct).ConfigureAwait(false);
            if (error is not null && members.Count > 1)
            {
                // One bad member (say a user deleted in Kinde since) fails the whole request: each member alone then,
                // so only the bad ones fail.
                foreach (var member in members)
                {
                    if (await AddAsync(group.Key, [member], ct).ConfigureAwait(false) is { } own)
                    {
                        member.User.Fail(LedgerStep.AddToOrganizations, own);
                        failed.Add(member.User);
                    }
                }
            }
            else if (error is not null)
            {
                members[0].User.Fail(LedgerStep.AddToOrganizations, error);
                failed.Add(members[0].User);
            }
        }

        foreach (var w in users)
        {
            bool ok = !failed.Contains(w);
            w.Record(LedgerStep.AddToOrganizations, ok ? LedgerStepStatus.Done : LedgerStepStatus.Failed, error: ok ? null : "adding to an organization failed");
        }
    }

    private Task<string?> AddAsync(string organizationCode, IReadOnlyList<(UserWork User, KindeOrganizationMembership Membership)> members, CancellationToken ct)
    {
        var request = members.Select(x => new KindeOrganizationUserRequest(x.User.KindeId!, [.. x.Membership.Roles], [.. x.Membership.Permissions])).ToList();
        return SendWithRetriesAsync(token => api.AddOrganizationUsersAsync(organizationCode, request, token), retry: true, ct);
    }

    /// <summary>Runs an idempotent step unless the ledger has it done; its outcome is recorded with the batch (a step
    /// interrupted before that is simply done again).</summary>
    private async Task<bool> StepAsync(UserWork w, LedgerStep step, bool retry, Func<CancellationToken, Task> call, CancellationToken ct)
    {
        if (w.State?.StatusOf(step) is LedgerStepStatus.Done or LedgerStepStatus.Skipped)
        {
            return true;
        }

        string? error = await SendWithRetriesAsync(call, retry, ct).ConfigureAwait(false);
        w.Record(step, error is null ? LedgerStepStatus.Done : LedgerStepStatus.Failed, error: error);
        if (error is not null)
        {
            w.Fail(step, error);
        }

        return error is null;
    }

    /// <summary>Sends; resends (with backoff) a call whose effect is idempotent when it failed without a clear answer.
    /// Returns the error text of the last failure, or <see langword="null"/> on success.</summary>
    private async Task<string?> SendWithRetriesAsync(Func<CancellationToken, Task> call, bool retry, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await call(ct).ConfigureAwait(false);
                return null;
            }
            catch (KindeApiException ex) when (retry && IsAmbiguous(ex) && attempt < options.MaxStepAttempts)
            {
                await Task.Delay(Backoff(attempt + 1), ct).ConfigureAwait(false);
            }
            catch (KindeApiException ex)
            {
                return ex.Message;
            }
        }
    }

    private void Count(UserWork w)
    {
        if (w.IdMapConflicts > 0)
        {
            _warnings.AddOrUpdate("idmap_conflict", w.IdMapConflicts, (_, n) => n + w.IdMapConflicts);
        }

        if (w.PasswordSet || (w.FailReason is null && w.State?.StatusOf(LedgerStep.SetPassword) == LedgerStepStatus.Done))
        {
            Interlocked.Increment(ref _passwordsSet);
            api.Metrics.UserProcessed(KindeApiMetrics.PasswordsSet);
        }

        if (w.FailReason is { } reason)
        {
            Interlocked.Increment(ref _failed);
            api.Metrics.UserProcessed(KindeApiMetrics.Failed);
            foreach (string id in w.User.SourceUserIds.DefaultIfEmpty(w.Key))
            {
                _failures[id] = $"{(w.FailedStep is { } step ? LedgerSql.StepName(step) : "import")}: {reason}";
            }
        }
        else if (!w.Existing)
        {
            if (mode != MigrationMode.PasswordsOnly)
            {
                Interlocked.Increment(ref _imported);
                api.Metrics.UserProcessed(KindeApiMetrics.Imported);
            }
        }
        else if (options.ExistingUsers == ExistingUserPolicy.Skip)
        {
            Interlocked.Increment(ref _skippedExisting);
            api.Metrics.UserProcessed(KindeApiMetrics.SkippedExisting);
        }
        else if (options.ExistingUsers == ExistingUserPolicy.Update)
        {
            Interlocked.Increment(ref _updatedExisting);
        }
        else
        {
            Interlocked.Increment(ref _filledExisting);
        }
    }

    private void Warn(string code) => _warnings.AddOrUpdate(code, 1, (_, n) => n + 1);

    /// <summary>No answer, a timeout, 408 or 5xx: the request may or may not have been carried out.</summary>
    private static bool IsAmbiguous(KindeApiException ex) => ex.StatusCode is null or 408 or >= 500;

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 or more) of a create or an idempotent step.</summary>
    private static TimeSpan Backoff(int attempt) => KindeApiConnection.Backoff(StepBackoffBase, attempt - 1, Random.Shared.NextDouble());

    private static KindeIdentity? FirstOf(KindeUser user, string type) => user.Identities.FirstOrDefault(i => i.Type == type);

    private static KindeNewUser NewUser(KindeUser user, string? organizationCode)
    {
        var email = FirstOf(user, KindeIdentityTypes.Email);
        var phone = FirstOf(user, KindeIdentityTypes.Phone);
        return new KindeNewUser(
            GivenName: user.FirstName,
            FamilyName: user.LastName,
            Email: email?.Value,
            EmailVerified: email?.IsVerified ?? false,
            Phone: phone?.Value,
            PhoneVerified: phone?.IsVerified ?? false,
            Username: FirstOf(user, KindeIdentityTypes.Username)?.Value,
            ProvidedId: user.Id,
            OrganizationCode: organizationCode);
    }

    private sealed class UserWork(KindeUser user, string key, LedgerUserState? state)
    {
        public KindeUser User { get; } = user;

        public string Key { get; } = key;

        public LedgerUserState? State { get; } = state;

        public string? KindeId { get; set; }

        public bool Existing { get; set; }

        public bool PasswordSet { get; set; }

        public bool NeedsMemberships { get; set; }

        public int IdMapConflicts { get; private set; }

        /// <summary>The membership sent with the create request, if any.</summary>
        public KindeOrganizationMembership? JoinedOnCreate { get; set; }

        private List<(LedgerStep Step, LedgerStepStatus Status, string? KindeId, string? Error)> Outcomes { get; } = [];

        private List<string> OtherSourceIds { get; } = [];

        public string? FailReason { get; private set; }

        public LedgerStep? FailedStep { get; private set; }

        public void Record(LedgerStep step, LedgerStepStatus status, string? kindeId = null, string? error = null) =>
            Outcomes.Add((step, status, kindeId, error));

        public void RecordKindeId(string otherSourceId) => OtherSourceIds.Add(otherSourceId);

        public async Task RecordAsync(MigrationLedger ledger, string runId, CancellationToken ct)
        {
            foreach (var (step, status, kindeId, error) in Outcomes)
            {
                await ledger.CompleteStepAsync(runId, Key, step, status, kindeId, error, ct).ConfigureAwait(false);
            }

            foreach (string other in OtherSourceIds)
            {
                try
                {
                    await ledger.SetKindeIdAsync(runId, other, KindeId!, createdByRun: false, ct).ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    // That Auth0 id maps to another Kinde user from an earlier run (its merge group changed): the first
                    // mapping stays, and the conflict is reported instead of ending the run.
                    IdMapConflicts++;
                }
            }
        }

        public void Fail(LedgerStep step, string reason)
        {
            FailedStep ??= step;
            FailReason ??= reason;
        }
    }
}
