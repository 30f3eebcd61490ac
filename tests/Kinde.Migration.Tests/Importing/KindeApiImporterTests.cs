using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Kinde.Migration.Importing;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Ledger;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Testing.Emulator;
using Kinde.Migration.Tests.Contract;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Importing;

[TestFixture]
public sealed class KindeApiImporterTests
{
    [Test]
    public async Task Migrate_PutsExactlyTheAcceptedUsersIntoKinde_AndReportsIt()
    {
        using var scenario = await ImportScenario.CreateAsync(300);
        await using var emulator = await KindeEmulator.StartAsync();

        var (report, runId) = await scenario.MigrateAsync(emulator);

        KindeStateAssert.HoldsExactly(emulator, scenario.Expected, withPasswords: true);
        Assert.That(report.ImporterCounters["imported"], Is.EqualTo(scenario.Expected.Count));
        Assert.That(report.ImporterCounters["failed"], Is.Zero);
        Assert.That(report.ImporterCounters["skipped_existing"], Is.Zero);
        Assert.That(report.ImporterCounters["passwords_set"], Is.EqualTo(scenario.Expected.Count(u => u.Password is not null)));
        Assert.That(report.ImporterCounters["requests"], Is.GreaterThan(scenario.Expected.Count));
        Assert.That(runId, Does.StartWith("run_"));

        string[] idMap = await File.ReadAllLinesAsync(Path.Combine(scenario.Output, "idmap.csv"));
        int sourceIds = scenario.Expected.Sum(u => u.SourceUserIds.Count);
        Assert.That(idMap[0], Is.EqualTo("auth0_user_id,kinde_user_id"));
        Assert.That(idMap, Has.Length.EqualTo(sourceIds + 1));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(scenario.Output, "report.json")));
        foreach (string key in new[] { "imported", "skipped_existing", "failed", "passwords_set", "requests", "throttled_429", "retries", "users_read" })
        {
            Assert.That(json.RootElement.TryGetProperty(key, out _), Is.True, key);
        }
    }

    [Test]
    public async Task Migrate_CountsUsersAndRequestsOnTheMeter()
    {
        using var scenario = await ImportScenario.CreateAsync(40);
        await using var emulator = await KindeEmulator.StartAsync();
        long imported = 0, requests = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KindeMigrationMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "kinde_migration.requests")
            {
                Interlocked.Add(ref requests, value);
            }
            else if (instrument.Name == "kinde_migration.users" && tags.ToArray().Any(t => t.Key == "outcome" && (string?)t.Value == "imported"))
            {
                Interlocked.Add(ref imported, value);
            }
        });
        listener.Start();

        var (report, _) = await scenario.MigrateAsync(emulator);

        Assert.That(imported, Is.EqualTo(report.ImporterCounters["imported"]).And.GreaterThan(0));
        Assert.That(requests, Is.EqualTo(report.ImporterCounters["requests"]));
    }

    [Test]
    public async Task Migrate_TracesTheRunPreflightAndBatches_WithHttpCallsInsideThem()
    {
        using var scenario = await ImportScenario.CreateAsync(120);
        await using var emulator = await KindeEmulator.StartAsync();
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is KindeMigrationMetrics.ActivitySourceName or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await scenario.MigrateAsync(emulator);

        var ours = stopped.Where(a => a.Source.Name == KindeMigrationMetrics.ActivitySourceName).ToList();
        var run = ours.Single(a => a.OperationName == "kinde_migration.run");
        Assert.That(ours.Count(a => a.OperationName == "kinde_migration.preflight"), Is.EqualTo(1));
        var batches = ours.Where(a => a.OperationName == "kinde_migration.import_batch").ToList();
        Assert.That(batches.Sum(b => (int)b.GetTagItem("kinde_migration.users")!), Is.EqualTo(scenario.Expected.Count));
        Assert.That(batches, Has.All.Matches<Activity>(b => b.TraceId == run.TraceId));
        Assert.That(stopped.Where(a => a.Source.Name == "System.Net.Http"), Has.Some.Matches<Activity>(h => batches.Any(b => b.SpanId == h.ParentSpanId)), "HTTP calls nest inside batches");
    }

    [Test]
    public async Task Migrate_UnderFaultsAndARateLimit_EndsWithTheExactState()
    {
        using var scenario = await ImportScenario.CreateAsync(10_000, seed: 11);
        await using var emulator = await KindeEmulator.StartAsync(new()
        {
            FailureRate = 0.10,
            CommitThenDropRate = 0.02,
            RequestsPerSecond = 4_000,
            Seed = 5,
        });

        var (report, _) = await scenario.MigrateAsync(
            emulator, configure: o => (o.MaxCreateAttempts, o.MaxStepAttempts) = (10, 10), configureApi: o => o.MaxAttempts = 10);

        Assert.That(report.ImporterCounters["failed"], Is.Zero);
        Assert.That(report.ImporterCounters["retries"], Is.GreaterThan(0), "faults were injected, so requests were resent");
        KindeStateAssert.HoldsExactly(emulator, scenario.Expected, withPasswords: true);
    }

    [Test]
    public async Task Migrate_WithShortLivedTokens_RenewsThem_AndReportsProgress()
    {
        using var scenario = await ImportScenario.CreateAsync(300);
        await using var emulator = await KindeEmulator.StartAsync(new() { TokenLifetime = TimeSpan.FromMilliseconds(400), Latency = TimeSpan.FromMilliseconds(3) });
        var phases = new List<MigrationProgress>();
        var progress = new SynchronousProgress<MigrationProgress>(p =>
        {
            lock (phases)
            {
                phases.Add(p);
            }
        });

        var (report, _) = await scenario.MigrateAsync(emulator, progress: progress);

        Assert.That(report.ImporterCounters["failed"], Is.Zero);
        Assert.That(emulator.State.TokensIssued, Is.GreaterThan(1), "the run outlived its first token");
        KindeStateAssert.HoldsExactly(emulator, scenario.Expected, withPasswords: true);
        var importing = phases.Where(p => p.Phase == "importing").ToList();
        Assert.That(importing, Is.Not.Empty);
        Assert.That(importing.Max(p => p.RecordsRead), Is.EqualTo(scenario.Expected.Count));
    }

    [Test]
    public async Task Migrate_InterruptedAndRunAgain_ResumesWithoutDuplicates()
    {
        using var scenario = await ImportScenario.CreateAsync(400, seed: 3);
        await using var emulator = await KindeEmulator.StartAsync(new() { CommitThenDropRate = 0.05, Latency = TimeSpan.FromMilliseconds(2) });

        foreach (int stopAt in new[] { 40, 150, 300 })
        {
            using var cts = new CancellationTokenSource();
            var run = scenario.MigrateAsync(emulator, cancellationToken: cts.Token);
            while (emulator.State.Users.Count < stopAt && !run.IsCompleted)
            {
                await Task.Delay(5);
            }

            await cts.CancelAsync();
            Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        }

        var (report, _) = await scenario.MigrateAsync(emulator);

        Assert.That(report.ImporterCounters["failed"], Is.Zero);
        Assert.That(report.ImporterCounters["imported"], Is.EqualTo(scenario.Expected.Count));
        KindeStateAssert.HoldsExactly(emulator, scenario.Expected, withPasswords: true);
        await using var ledger = await MigrationLedger.OpenAsync(scenario.LedgerPath);
        Assert.That(await ledger.GetRunsAsync(), Has.Count.EqualTo(1), "the same command continues the same run");
    }

    [Test]
    public async Task ExistingUser_IsLeftUntouchedByDefault_AndFilledInOnRequest()
    {
        using var scenario = await ImportScenario.CreateAsync(60);
        await using var emulator = await KindeEmulator.StartAsync();
        var target = scenario.Expected.First(u => u.Email is not null && u.Password is not null && u.Identities.Count == 1 && u.FirstName is not null);
        string existingId = await CreateUserAsync(emulator, target.Email!);

        var (report, _) = await scenario.MigrateAsync(emulator);

        Assert.That(report.ImporterCounters["skipped_existing"], Is.EqualTo(1));
        Assert.That(report.ImporterCounters["imported"], Is.EqualTo(scenario.Expected.Count - 1));
        var existing = emulator.State.FindUser(existingId)!;
        Assert.That(existing.Password, Is.Null, "an existing user's password is never overwritten by default");
        Assert.That(existing.ProvidedId, Is.Null);
        Assert.That(emulator.State.Users, Has.Count.EqualTo(scenario.Expected.Count), "no duplicate was created");

        var (filled, _) = await scenario.MigrateAsync(emulator, configure: o => (o.ExistingUsers, o.RunDescription) = (ExistingUserPolicy.FillMissing, "fill"));

        Assert.That(filled.ImporterCounters["filled_existing"], Is.EqualTo(1));
        Assert.That(emulator.State.FindUser(existingId)!.Password?.HashFingerprint, Is.EqualTo(EmulatedPassword.Fingerprint(target.Password!.HashedPassword)));
        Assert.That(emulator.State.FindUser(existingId)!.FirstName, Is.Null, "fill-missing keeps the profile");

        var (updated, _) = await scenario.MigrateAsync(emulator, configure: o => (o.ExistingUsers, o.RunDescription) = (ExistingUserPolicy.Update, "update"));

        Assert.That(updated.ImporterCounters["updated_existing"], Is.EqualTo(1));
        Assert.That(emulator.State.FindUser(existingId)!.FirstName, Is.EqualTo(target.FirstName));
        Assert.That(emulator.State.FindUser(existingId)!.LastName, Is.EqualTo(target.LastName));
        Assert.That(emulator.State.Users, Has.Count.EqualTo(scenario.Expected.Count));
    }

    [Test]
    public async Task Preflight_WhenNotAllowedToCreate_StopsBeforeAnyUserAndListsWhatIsMissing()
    {
        using var scenario = await ImportScenario.CreateAsync(100);
        await using var emulator = await KindeEmulator.StartAsync();

        var ex = Assert.ThrowsAsync<KindePreflightException>(() => scenario.MigrateAsync(emulator, configure: o => o.CreateMissingDefinitions = false));

        Assert.That(ex!.Missing.Organizations, Is.Not.Empty);
        Assert.That(ex.Missing.Roles, Is.Not.Empty);
        Assert.That(ex.Message, Does.Contain(ex.Missing.Organizations[0]));
        Assert.That(emulator.State.Users, Is.Empty);
        Assert.That(emulator.State.Organizations, Has.Count.EqualTo(1), "only the default organization");
    }

    [Test]
    public async Task Preflight_CreatesWhatIsMissing_Once()
    {
        using var scenario = await ImportScenario.CreateAsync(100);
        await using var emulator = await KindeEmulator.StartAsync();
        var orgs = scenario.Expected.SelectMany(u => u.Organizations).Select(m => m.ExternalId).Where(e => e.Length > 0).Distinct().ToList();

        await scenario.MigrateAsync(emulator);
        await scenario.MigrateAsync(emulator);

        Assert.That(emulator.State.Organizations.Where(o => !o.IsDefault).Select(o => o.ExternalId), Is.EquivalentTo(orgs));
        var roles = scenario.Expected.SelectMany(u => u.Organizations).SelectMany(m => m.Roles).Distinct();
        Assert.That(emulator.State.Roles.Select(r => r.Key), Is.EquivalentTo(roles));
        var properties = scenario.Expected.SelectMany(u => u.Properties.Keys).Distinct();
        Assert.That(emulator.State.Properties.Select(p => p.Key), Is.EquivalentTo(properties));
    }

    [Test]
    public async Task Plan_ReadsOnly_AndSaysWhatEachUserWouldGet()
    {
        using var scenario = await ImportScenario.CreateAsync(80);
        await using var emulator = await KindeEmulator.StartAsync();
        var target = scenario.Expected.First(u => u.Email is not null);
        await CreateUserAsync(emulator, target.Email!);
        int usersBefore = emulator.State.Users.Count;

        var (report, _) = await scenario.MigrateAsync(emulator, dryRun: true);

        Assert.That(emulator.State.Users, Has.Count.EqualTo(usersBefore));
        Assert.That(emulator.State.Organizations, Has.Count.EqualTo(1));
        Assert.That(emulator.State.Roles, Is.Empty);
        Assert.That(File.Exists(scenario.LedgerPath), Is.False, "a plan writes no ledger");
        Assert.That(report.ImporterCounters["would_create"], Is.EqualTo(scenario.Expected.Count - 1));
        Assert.That(report.ImporterCounters["existing"], Is.EqualTo(1));

        var lines = await File.ReadAllLinesAsync(Path.Combine(scenario.Output, "plan.ndjson"));
        Assert.That(lines, Has.Length.EqualTo(scenario.Expected.Count));
        Assert.That(lines.Count(l => l.Contains("\"action\":\"skip_existing\"", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(lines.Any(l => l.Contains('@', StringComparison.Ordinal)), Is.False, "no email in the plan");
        using var preflight = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(scenario.Output, "preflight.json")));
        Assert.That(preflight.RootElement.GetProperty("organizations").GetArrayLength(), Is.GreaterThan(0));
    }

    [Test]
    public async Task Undo_DeletesTheUsersTheRunCreated_AndNothingElse()
    {
        using var scenario = await ImportScenario.CreateAsync(120);
        await using var emulator = await KindeEmulator.StartAsync();
        var target = scenario.Expected.First(u => u.Email is not null);
        string existingId = await CreateUserAsync(emulator, target.Email!);

        var (_, runId) = await scenario.MigrateAsync(emulator);
        Assert.That(emulator.State.Users, Has.Count.EqualTo(scenario.Expected.Count));

        using var undo = KindeApiUndo.Create(ImportScenario.ApiOptions(emulator));
        await using (var ledger = await MigrationLedger.OpenAsync(scenario.LedgerPath))
        {
            var result = await undo.UndoRunAsync(ledger, runId!);
            Assert.That(result.Deleted, Is.EqualTo(scenario.Expected.Count - 1));
            Assert.That(result.Failures, Is.Empty);

            var again = await undo.UndoRunAsync(ledger, runId!);
            Assert.That(again.Deleted + again.AlreadyGone, Is.Zero, "an undo run twice deletes nothing more");
        }

        Assert.That(emulator.State.Users.Select(u => u.Id), Is.EqualTo(new[] { existingId }));
    }

    [Test]
    public async Task PasswordsLater_SetsOnlyPasswords_OnTheUsersTheFirstPassCreated()
    {
        using var scenario = await ImportScenario.CreateAsync(150);
        await using var emulator = await KindeEmulator.StartAsync();

        var (first, _) = await scenario.MigrateAsync(emulator, MigrationMode.UsersOnly);
        Assert.That(first.ImporterCounters["passwords_set"], Is.Zero);
        Assert.That(emulator.State.Users.Where(u => u.Password is not null), Is.Empty);

        var (second, _) = await scenario.MigrateAsync(emulator, MigrationMode.PasswordsOnly);

        Assert.That(second.ImporterCounters["passwords_set"], Is.EqualTo(scenario.Expected.Count(u => u.Password is not null)));
        Assert.That(second.ImporterCounters["failed"], Is.Zero);
        KindeStateAssert.HoldsExactly(emulator, scenario.Expected, withPasswords: true);
    }

    [Test]
    public async Task MissingScope_FailsTheStep_AndWritesTheSourceRecordsToFailedNdjson()
    {
        using var scenario = await ImportScenario.CreateAsync(50);
        await using var emulator = await KindeEmulator.StartAsync(new()
        {
            Scopes = [.. KindeEmulatorOptions.DefaultScopes.Where(s => s != "update:user_passwords")],
        });

        var (report, _) = await scenario.MigrateAsync(emulator);

        int withPassword = scenario.Expected.Count(u => u.Password is not null);
        Assert.That(report.ImporterCounters["failed"], Is.EqualTo(withPassword));
        Assert.That(report.ImporterCounters["imported"], Is.EqualTo(scenario.Expected.Count - withPassword));
        string failed = Path.Combine(scenario.Output, "failed.ndjson");
        Assert.That(report.Files, Does.Contain(failed));
        var lines = await File.ReadAllLinesAsync(failed);
        Assert.That(lines, Has.Length.EqualTo(scenario.Expected.Where(u => u.Password is not null).Sum(u => u.SourceUserIds.Count)));
        using var first = JsonDocument.Parse(lines[0]);
        Assert.That(first.RootElement.GetProperty("user_id").GetString(), Is.Not.Empty);
        Assert.That(first.RootElement.GetProperty("_rejection").GetProperty("reasons")[0].GetString(), Does.Contain("403"));
    }

    [Test]
    public async Task EveryRequestOfMigratePlanPasswordsAndUndo_ConformsToTheSpec()
    {
        using var scenario = await ImportScenario.CreateAsync(120);
        await using var emulator = await KindeEmulator.StartAsync(new() { RecordRequests = true, CommitThenDropRate = 0.05 });

        await scenario.MigrateAsync(emulator, dryRun: true);
        await scenario.MigrateAsync(emulator, MigrationMode.UsersOnly);
        var (_, runId) = await scenario.MigrateAsync(emulator, MigrationMode.PasswordsOnly);
        using var undo = KindeApiUndo.Create(ImportScenario.ApiOptions(emulator));
        await using (var ledger = await MigrationLedger.OpenAsync(scenario.LedgerPath))
        {
            await undo.UndoRunAsync(ledger, (await ledger.GetRunsAsync())[0].RunId);
        }

        Assert.That(runId, Is.Not.Null);
        var sent = emulator.RecordedRequests.Select(r => r.Method + " " + string.Join('/', r.Path.Split('/').Select(p => p.StartsWith("kp_", StringComparison.Ordinal) || p.StartsWith("org_", StringComparison.Ordinal) ? "{id}" : p))).ToHashSet();
        string[] expected =
        [
            "GET /api/v1/users", "POST /api/v1/user", "PUT /api/v1/users/{id}/password", "PATCH /api/v1/users/{id}/properties", "PATCH /api/v1/user",
            "DELETE /api/v1/user", "GET /api/v1/organizations", "POST /api/v1/organization", "POST /api/v1/organizations/{id}/users", "GET /api/v1/roles",
            "POST /api/v1/roles", "GET /api/v1/properties", "POST /api/v1/properties", "GET /api/v1/property_categories",
            "POST /api/v1/property_categories",
        ];
        Assert.That(sent, Is.SupersetOf(expected), "the runs exercised the API surface the importer uses");
        ContractAssert.AllConform(emulator);
    }

    private static async Task<string> CreateUserAsync(KindeEmulator emulator, string email)
    {
        using var client = KindeApiClient.Create(ImportScenario.ApiOptions(emulator), TimeProvider.System);
        return (await client.CreateUserAsync(new KindeNewUser(Email: email))).Id;
    }
}
