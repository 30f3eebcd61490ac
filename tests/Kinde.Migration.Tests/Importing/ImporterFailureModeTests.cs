using System.Net;
using Kinde.Migration.Importing;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Ledger;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Kinde.Migration.Testing.Emulator;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Importing;

/// <summary>How the API importer behaves when things go wrong: lookups failing, unanswered creates, refused identities,
/// stale ids, conflicting id maps. Each test once failed on a bug found in review.</summary>
[TestFixture]
public sealed class ImporterFailureModeTests
{
    private const string Bcrypt = "$2a$10$abcdefghijklmnopqrstuuJ7vWXGZkzvz6Ffv1lWS9l9lpFLhxYp6";

    /// <summary>A create that got no answer is followed by a lookup; when that lookup fails too, the exception escapes
    /// CreateAsync, aborts Parallel.ForEachAsync and the whole import: the batch's other users are never processed and
    /// the outcomes already obtained are never recorded. Expected: the user is recorded as failed and the run goes on.</summary>
    [Test]
    public async Task LookupFailingAfterAnUnansweredCreate_DoesNotAbortTheRun()
    {
        using var dir = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        bool dropped = false;
        var faults = new ScriptedFaults
        {
            DropAfterCommit = (request, body) => !dropped && request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/api/v1/user"
                && body.Contains("u1@example.com", StringComparison.Ordinal) && (dropped = true),
            Fail503 = (request, _) => dropped && request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath == "/api/v1/users"
                && request.RequestUri.Query.Contains("u1%40example.com", StringComparison.Ordinal),
        };
        var users = Enumerable.Range(0, 3).Select(i => User($"auth0|u{i}", $"u{i}@example.com")).ToList();

        KindeImportResult? result = null;
        Assert.DoesNotThrowAsync(async () => result = await ImportAsync(emulator, dir, users, faults: faults, configureApi: o => o.MaxAttempts = 2));

        Assert.That(emulator.State.FindUserByEmail("u2@example.com"), Is.Not.Null, "the user after the failing one is still imported");
        Assert.That(result!.Counters["imported"], Is.EqualTo(2));
        Assert.That(result.Counters["failed"], Is.EqualTo(1));
    }

    /// <summary>An identity add that Kinde refused (409: another user has this email) is recorded as failed; the next
    /// run sees a prior state, takes the refusal for "sent before, Kinde has it" and records the step done: the user is
    /// counted imported although the identity is missing.</summary>
    [Test]
    public async Task IdentityRefusedInAnEarlierRun_IsNotRecordedDoneOnTheNextRun()
    {
        using var dir = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        await CreateUserAsync(emulator, "taken@example.com");
        var user = User("auth0|two-emails", "first@example.com");
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "taken@example.com", true));

        var first = await ImportAsync(emulator, dir, [user]);
        Assert.That(first.Counters["failed"], Is.EqualTo(1), "precondition: Kinde refused the second email");

        var second = await ImportAsync(emulator, dir, [user]);

        var kindeUser = emulator.State.FindUserByEmail("first@example.com")!;
        Assert.That(kindeUser.Identities.Select(i => i.Value), Does.Not.Contain("taken@example.com"), "precondition: the identity was never added");
        Assert.That(second.Counters["failed"], Is.EqualTo(1), "the identity is still missing, so the user has not been fully imported");
    }

    /// <summary>A second phone identity was added without phone_country_id, which Kinde requires for phone identities:
    /// every such user failed. An E.164 number alone does not always name a country, so a second phone is not added:
    /// the user is imported with its first phone and the skipped one is counted as a warning.</summary>
    [Test]
    public async Task SecondPhoneIdentity_IsCountedNotFailed()
    {
        using var dir = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        var user = User("auth0|two-phones", "phones@example.com");
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Phone, "+61426148233", true));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Phone, "+61426148234", true));

        var result = await ImportAsync(emulator, dir, [user]);

        Assert.That(result.FailedUsers, Is.Empty);
        Assert.That(emulator.State.FindUserByEmail("phones@example.com")!.Identities.Where(i => i.Type == "phone").Select(i => i.Value), Is.EqualTo(new[] { "+61426148233" }));
        Assert.That(result.Warnings["identity_not_created:phone"], Is.EqualTo(1));
    }

    /// <summary>A user without email or phone (allowed with RequireEmailOrPhone = false) cannot be looked up, so after a
    /// create without an answer the create is simply sent again: the user is created twice.</summary>
    [Test]
    public async Task UnansweredCreateOfAUserWithoutEmailOrPhone_IsNotRepeatedBlindly()
    {
        using var dir = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        bool dropped = false;
        var faults = new ScriptedFaults
        {
            DropAfterCommit = (request, _) => !dropped && request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/api/v1/user" && (dropped = true),
        };
        var user = new KindeUser { Id = "github|12345", FirstName = "Social" };
        user.Identities.Add(new KindeIdentity("oauth2:github", "12345") { Provider = "github" });
        user.SourceUserIds.Add("github|12345");

        await ImportAsync(emulator, dir, [user], faults: faults);

        Assert.That(emulator.State.Users.Count(u => u.ProvidedId == "github|12345"), Is.LessThanOrEqualTo(1), "created twice");
    }

    /// <summary>The passwords-later pass is to find Kinde ids "from the ledger or by email". A user found by email (the
    /// ledger does not know it, e.g. a fresh ledger or one lost) is treated as pre-existing and, with the default
    /// policy, skipped: no password is set.</summary>
    [Test]
    public async Task PasswordsLater_FindsUsersByEmail_AndSetsTheirPasswords()
    {
        using var dir = new TempDirectory();
        using var dir2 = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        var users = Enumerable.Range(0, 3).Select(i => User($"auth0|p{i}", $"p{i}@example.com")).ToList();
        await ImportAsync(emulator, dir, users, MigrationMode.UsersOnly);
        Assert.That(emulator.State.Users.Where(u => u.Password is not null), Is.Empty);

        var passwords = await ImportAsync(emulator, dir2, users, MigrationMode.PasswordsOnly);

        Assert.That(passwords.Counters["passwords_set"], Is.EqualTo(3));
        Assert.That(emulator.State.Users.Where(u => u.Password is not null).Count(), Is.EqualTo(3));
    }

    /// <summary>A create left unanswered (the run ended with the user "re-run to resolve") did create the user; undo of
    /// that run could not name it and left it in Kinde silently. Now undo reports it, and after the migration is run
    /// again (it finds the user and records it as the run's), undo deletes it.</summary>
    [Test]
    public async Task Undo_ReportsAUserWhoseCreateWasLeftUnanswered_AndDeletesItOnceSettled()
    {
        using var dir = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        var faults = new ScriptedFaults
        {
            DropAfterCommit = (request, body) => request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/api/v1/user"
                && body.Contains("z1@example.com", StringComparison.Ordinal),
        };
        var users = Enumerable.Range(0, 2).Select(i => User($"auth0|z{i}", $"z{i}@example.com")).ToList();
        var options = new KindeApiImportOptions { LedgerPath = dir.File("ledger.sqlite"), MaxCreateAttempts = 1 };
        var client = KindeApiClient.Create(ImportScenario.ApiOptions(emulator), TimeProvider.System, faults);
        string runId;
        using (var importer = new KindeApiImporter(client, options, ownsApi: true))
        {
            var result = await importer.ImportAsync(ToAsync(users), new KindeImportContext(MigrationMode.WithPasswords, dir.File("out")));
            Assert.That(result.Counters["failed"], Is.EqualTo(1), "precondition: the create got no answer");
            runId = importer.RunId!;
        }

        Assert.That(emulator.State.Users, Has.Count.EqualTo(2), "precondition: both users were created by the run");
        using var undo = KindeApiUndo.Create(ImportScenario.ApiOptions(emulator));
        await using (var ledger = await MigrationLedger.OpenAsync(options.LedgerPath))
        {
            var first = await undo.UndoRunAsync(ledger, runId);
            Assert.That((first.Deleted, first.UnresolvedCreates), Is.EqualTo((1L, 1L)), "undo says a create is unresolved");
        }

        using (var importer = new KindeApiImporter(KindeApiClient.Create(ImportScenario.ApiOptions(emulator), TimeProvider.System), options, ownsApi: true))
        {
            var settle = await importer.ImportAsync(ToAsync(users.Skip(1)), new KindeImportContext(MigrationMode.WithPasswords, dir.File("out")));
            Assert.That(settle.Counters["imported"], Is.EqualTo(1));
            Assert.That(importer.RunId, Is.EqualTo(runId));
        }

        await using (var ledger = await MigrationLedger.OpenAsync(options.LedgerPath))
        {
            var second = await undo.UndoRunAsync(ledger, runId);
            Assert.That((second.Deleted, second.UnresolvedCreates), Is.EqualTo((1L, 0L)));
        }

        Assert.That(emulator.State.Users, Is.Empty, "undo leaves a user the run created");
    }

    /// <summary>Kinde finds a user by any of its email identities but lists only its first email; the lookup keys the
    /// answer by that first email, so a user already in Kinde with our email as a second identity is not recognised:
    /// the create is refused (409), the re-check misses it again, and the user fails on every run instead of being
    /// counted skipped_existing.</summary>
    [Test]
    public async Task ExistingUserHoldingTheEmailAsASecondIdentity_IsRecognisedAsExisting()
    {
        using var dir = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        string existingId = await CreateUserAsync(emulator, "primary@example.com");
        using (var client = KindeApiClient.Create(ImportScenario.ApiOptions(emulator), TimeProvider.System))
        {
            await client.AddIdentityAsync(existingId, new KindeNewIdentity(KindeIdentityTypes.Email, "second@example.com"));
        }

        var result = await ImportAsync(emulator, dir, [User("auth0|second", "second@example.com")]);

        Assert.That(result.FailedUsers, Is.Empty);
        Assert.That(result.Counters["skipped_existing"], Is.EqualTo(1));
    }

    /// <summary>A user deleted in Kinde since an earlier run (its id still in the ledger) made the organization request
    /// of its whole batch fail; now the members are retried one by one and only that user fails.</summary>
    [Test]
    public async Task OneStaleMember_FailsOnlyItself_NotTheWholeOrganizationRequest()
    {
        using var dir = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        var users = Enumerable.Range(0, 3).Select(i => User($"auth0|m{i}", $"m{i}@example.com")).ToList();
        foreach (var user in users)
        {
            user.Organizations.Add(new KindeOrganizationMembership("org_team") { Roles = ["admin"] });
        }

        var faults = new ScriptedFaults
        {
            Fail503 = (request, _) => request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/users", StringComparison.Ordinal),
        };
        var first = await ImportAsync(emulator, dir, users, faults: faults, configure: o => o.MaxStepAttempts = 1);
        Assert.That(first.Counters["failed"], Is.EqualTo(3), "precondition: no membership was added");
        using (var client = KindeApiClient.Create(ImportScenario.ApiOptions(emulator), TimeProvider.System))
        {
            await client.DeleteUserAsync(emulator.State.FindUserByEmail("m0@example.com")!.Id);
        }

        var second = await ImportAsync(emulator, dir, users);

        Assert.That(second.Counters["failed"], Is.EqualTo(1));
        Assert.That(second.FailedUsers.Keys, Is.EqualTo(new[] { "auth0|m0" }));
        var org = emulator.State.Organizations.Single(o => o.ExternalId == "org_team");
        Assert.That(org.Members, Has.Count.EqualTo(2));
    }

    /// <summary>A merged user's second Auth0 id already mapped to another Kinde user by an earlier run made the ledger
    /// throw inside the batch transaction and ended the run; now the first mapping stays and the conflict is counted.</summary>
    [Test]
    public async Task MergedUserWhoseOtherIdIsMappedElsewhere_IsReportedNotFatal()
    {
        using var dir = new TempDirectory();
        await using var emulator = await KindeEmulator.StartAsync();
        await ImportAsync(emulator, dir, [User("auth0|b", "b@example.com")], configure: o => o.RunDescription = "first");
        var merged = User("auth0|a", "a@example.com");
        merged.SourceUserIds.Add("auth0|b");

        var result = await ImportAsync(emulator, dir, [merged, User("auth0|c", "c@example.com")], configure: o => o.RunDescription = "second");

        Assert.That(result.Counters["imported"], Is.EqualTo(2));
        Assert.That(result.Warnings["idmap_conflict"], Is.EqualTo(1));
        await using var ledger = await MigrationLedger.OpenAsync(dir.File("ledger.sqlite"));
        Assert.That((await ledger.GetUserAsync("auth0|b"))!.KindeUserId, Is.EqualTo(emulator.State.FindUserByEmail("b@example.com")!.Id));
        Assert.That((await ledger.GetUserAsync("auth0|c"))!.KindeUserId, Is.Not.Null, "the rest of the batch was recorded");
    }

    private static KindeUser User(string id, string email)
    {
        var user = new KindeUser { Id = id, FirstName = "F", LastName = "L", Password = new KindePassword { HashedPassword = Bcrypt, HashingMethod = "bcrypt" } };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, email, true));
        user.SourceUserIds.Add(id);
        return user;
    }

    private static async Task<KindeImportResult> ImportAsync(
        KindeEmulator emulator, TempDirectory dir, IReadOnlyList<KindeUser> users, MigrationMode mode = MigrationMode.WithPasswords,
        ScriptedFaults? faults = null, Action<KindeApiImportOptions>? configure = null, Action<KindeApiOptions>? configureApi = null)
    {
        var options = new KindeApiImportOptions { LedgerPath = dir.File("ledger.sqlite"), RunDescription = "failure modes " + mode };
        configure?.Invoke(options);
        var client = KindeApiClient.Create(ImportScenario.ApiOptions(emulator, configureApi), TimeProvider.System, faults);
        using var importer = new KindeApiImporter(client, options, ownsApi: true);
        return await importer.ImportAsync(ToAsync(users), new KindeImportContext(mode, dir.File("out")));
    }

    private static async IAsyncEnumerable<KindeUser> ToAsync(IEnumerable<KindeUser> users)
    {
        foreach (var user in users)
        {
            await Task.Yield();
            yield return user;
        }
    }

    private static async Task<string> CreateUserAsync(KindeEmulator emulator, string email)
    {
        using var client = KindeApiClient.Create(ImportScenario.ApiOptions(emulator), TimeProvider.System);
        return (await client.CreateUserAsync(new KindeNewUser(Email: email))).Id;
    }

    /// <summary>The primary handler, with scripted faults: a 503 instead of sending, or a connection dropped after Kinde
    /// carried the request out.</summary>
    private sealed class ScriptedFaults() : DelegatingHandler(new SocketsHttpHandler())
    {
        public Func<HttpRequestMessage, string, bool>? DropAfterCommit { get; init; }

        public Func<HttpRequestMessage, string, bool>? Fail503 { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            bool isApi = request.RequestUri!.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal);
            lock (this)
            {
                if (isApi && Fail503?.Invoke(request, body) == true)
                {
                    return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("") };
                }
            }

            var response = await base.SendAsync(request, cancellationToken);
            lock (this)
            {
                if (isApi && DropAfterCommit?.Invoke(request, body) == true)
                {
                    response.Dispose();
                    throw new HttpRequestException("The connection was reset (injected).");
                }
            }

            return response;
        }
    }
}
