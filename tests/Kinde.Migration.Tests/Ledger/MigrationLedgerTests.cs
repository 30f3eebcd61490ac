using System.Reflection;
using System.Text.RegularExpressions;
using Kinde.Migration.Ledger;
using Microsoft.Data.Sqlite;

namespace Kinde.Migration.Tests.Ledger;

/// <summary>The migration ledger against a real SQLite file in a temporary directory.</summary>
public class MigrationLedgerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 15, 30, 0, TimeSpan.Zero);

    private string _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "kinde-ledger-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _path = Path.Combine(_directory, "ledger.db");
    }

    [TearDown]
    public void TearDown()
    {
        // Every ledger is disposed by its test; pooled connections (from the tests' own inspection) are closed here.
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private Task<MigrationLedger> OpenAsync(TimeProvider? time = null) => MigrationLedger.OpenAsync(_path, time ?? new FixedTime(Start));

    private async Task<List<string>> QueryAsync(string sql)
    {
        var rows = new List<string>();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetValue(i).ToString())));
            }
        }

        return rows;
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (T item in items)
        {
            list.Add(item);
        }

        return list;
    }

    [Test]
    public async Task Open_Twice_KeepsContentAndSchemaOnce()
    {
        string runId;
        await using (MigrationLedger ledger = await OpenAsync())
        {
            runId = await ledger.StartRunAsync("first", CancellationToken.None);
            await ledger.SetKindeIdAsync(runId, "auth0|1", "kp_1", createdByRun: true, CancellationToken.None);
        }

        await using (MigrationLedger ledger = await OpenAsync())
        {
            IReadOnlyList<LedgerRun> runs = await ledger.GetRunsAsync(CancellationToken.None);
            Assert.That(runs.Select(r => r.RunId), Is.EqualTo(new[] { runId }));
            LedgerUserState? user = await ledger.GetUserAsync("auth0|1", CancellationToken.None);
            Assert.That(user?.KindeUserId, Is.EqualTo("kp_1"));
        }

        Assert.That(await QueryAsync("SELECT version FROM schema_version"), Is.EqualTo(new[] { "1" }));
        Assert.That(
            await QueryAsync("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
            Is.EqualTo(new[] { "deletions", "runs", "schema_version", "steps", "users" }));
    }

    [Test]
    public async Task Open_UsesWriteAheadLogging()
    {
        await using MigrationLedger ledger = await OpenAsync();
        Assert.That(await QueryAsync("PRAGMA journal_mode"), Is.EqualTo(new[] { "wal" }));
    }

    [Test]
    public async Task Open_CreatesTheFileOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes only.");
            return;
        }

        await using (MigrationLedger ledger = await OpenAsync())
        {
            Assert.That(ledger.Path, Is.EqualTo(Path.GetFullPath(_path)));
            Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            await ledger.StartRunAsync("run", CancellationToken.None);
            string wal = _path + "-wal";
            Assert.That(File.Exists(wal) ? File.GetUnixFileMode(wal) : UnixFileMode.UserRead | UnixFileMode.UserWrite,
                Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "SQLite gives the WAL the database file's mode");
        }
    }

    [Test]
    public async Task StartRun_IdFromTheTimeProvider_AndListed()
    {
        await using MigrationLedger ledger = await OpenAsync();
        string first = await ledger.StartRunAsync("kinde-migrate import users.json", CancellationToken.None);
        string second = await ledger.StartRunAsync("again", CancellationToken.None);

        Assert.That(first, Does.Match("^run_20261126T153000Z_[0-9a-f]{4}$"));
        Assert.That(second, Is.Not.EqualTo(first));
        IReadOnlyList<LedgerRun> runs = await ledger.GetRunsAsync(CancellationToken.None);
        Assert.That(runs, Has.Count.EqualTo(2));
        LedgerRun run = runs.Single(r => r.RunId == first);
        Assert.That(run.Description, Is.EqualTo("kinde-migrate import users.json"));
        Assert.That(run.StartedAt, Is.EqualTo(Start));
    }

    [Test]
    public async Task PendingStep_SurvivesACrash_ThenCompletes()
    {
        string runId;
        await using (MigrationLedger ledger = await OpenAsync())
        {
            runId = await ledger.StartRunAsync("import", CancellationToken.None);
            await ledger.BeginStepAsync(runId, "auth0|ada", LedgerStep.Create, CancellationToken.None);
            // The process "dies" here: the request was sent, its answer never recorded.
        }

        await using (MigrationLedger ledger = await OpenAsync())
        {
            LedgerUserState? user = await ledger.GetUserAsync("auth0|ada", CancellationToken.None);
            Assert.That(user, Is.Not.Null);
            Assert.That(user!.StatusOf(LedgerStep.Create), Is.EqualTo(LedgerStepStatus.Pending));
            Assert.That(user.StatusOf(LedgerStep.SetPassword), Is.Null);
            Assert.That(user.KindeUserId, Is.Null);
            Assert.That(user.Steps[LedgerStep.Create].Attempts, Is.EqualTo(1));

            // The resuming run found the user by email: it existed (we do not know we created it).
            string resume = await ledger.StartRunAsync("import (resumed)", CancellationToken.None);
            await ledger.CompleteStepAsync(resume, "auth0|ada", LedgerStep.Create, LedgerStepStatus.Skipped, "kp_ada", cancellationToken: CancellationToken.None);
            await ledger.BeginStepAsync(resume, "auth0|ada", LedgerStep.SetPassword, CancellationToken.None);
            await ledger.CompleteStepAsync(resume, "auth0|ada", LedgerStep.SetPassword, LedgerStepStatus.Done, cancellationToken: CancellationToken.None);
        }

        await using (MigrationLedger ledger = await OpenAsync())
        {
            LedgerUserState user = (await ledger.GetUserAsync("auth0|ada", CancellationToken.None))!;
            Assert.That(user.StatusOf(LedgerStep.Create), Is.EqualTo(LedgerStepStatus.Skipped));
            Assert.That(user.StatusOf(LedgerStep.SetPassword), Is.EqualTo(LedgerStepStatus.Done));
            Assert.That(user.KindeUserId, Is.EqualTo("kp_ada"));
            Assert.That(user.CreatedByUs, Is.False);
            Assert.That(user.Steps[LedgerStep.Create].KindeUserId, Is.EqualTo("kp_ada"));
            Assert.That(user.Steps[LedgerStep.Create].RunId, Is.Not.EqualTo(runId));
        }
    }

    [Test]
    public async Task GetUser_Unknown_IsNull()
    {
        await using MigrationLedger ledger = await OpenAsync();
        Assert.That(await ledger.GetUserAsync("auth0|nobody", CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task FailedStep_StoresTheErrorTruncated()
    {
        await using MigrationLedger ledger = await OpenAsync();
        string runId = await ledger.StartRunAsync("import", CancellationToken.None);
        await ledger.BeginStepAsync(runId, "auth0|1", LedgerStep.SetProperties, CancellationToken.None);
        await ledger.CompleteStepAsync(runId, "auth0|1", LedgerStep.SetProperties, LedgerStepStatus.Failed, error: new string('x', 5000), cancellationToken: CancellationToken.None);

        LedgerStepState state = (await ledger.GetUserAsync("auth0|1", CancellationToken.None))!.Steps[LedgerStep.SetProperties];
        Assert.That(state.Status, Is.EqualTo(LedgerStepStatus.Failed));
        Assert.That(state.Error, Is.EqualTo(new string('x', MigrationLedger.MaxErrorLength)));

        // Begun again: pending, error cleared, attempts counted.
        await ledger.BeginStepAsync(runId, "auth0|1", LedgerStep.SetProperties, CancellationToken.None);
        state = (await ledger.GetUserAsync("auth0|1", CancellationToken.None))!.Steps[LedgerStep.SetProperties];
        Assert.That(state.Status, Is.EqualTo(LedgerStepStatus.Pending));
        Assert.That(state.Error, Is.Null);
        Assert.That(state.Attempts, Is.EqualTo(2));
    }

    [Test]
    public void Truncate_DoesNotSplitASurrogatePair()
    {
        string error = new string('x', MigrationLedger.MaxErrorLength - 1) + "😀tail";
        Assert.That(MigrationLedger.Truncate(error), Is.EqualTo(new string('x', MigrationLedger.MaxErrorLength - 1)));
        Assert.That(MigrationLedger.Truncate("short"), Is.EqualTo("short"));
        Assert.That(MigrationLedger.Truncate(null), Is.Null);
    }

    [Test]
    public async Task Writes_RejectUnknownRunsPendingCompletionsAndConflictingIds()
    {
        await using MigrationLedger ledger = await OpenAsync();
        string runId = await ledger.StartRunAsync("import", CancellationToken.None);

        Assert.That(
            () => ledger.BeginStepAsync("run_unknown", "auth0|1", LedgerStep.Create, CancellationToken.None),
            Throws.ArgumentException.With.Message.Contains("run_unknown"));
        Assert.That(
            () => ledger.CompleteStepAsync(runId, "auth0|1", LedgerStep.Create, LedgerStepStatus.Pending, cancellationToken: CancellationToken.None),
            Throws.ArgumentException);

        await ledger.SetKindeIdAsync(runId, "auth0|1", "kp_1", createdByRun: true, CancellationToken.None);
        await ledger.SetKindeIdAsync(runId, "auth0|1", "kp_1", createdByRun: true, CancellationToken.None); // Same id: fine.
        Assert.That(
            () => ledger.SetKindeIdAsync(runId, "auth0|1", "kp_other", createdByRun: false, CancellationToken.None),
            Throws.InvalidOperationException);
        Assert.That(
            () => ledger.CompleteStepAsync(runId, "auth0|1", LedgerStep.Create, LedgerStepStatus.Done, "kp_other", cancellationToken: CancellationToken.None),
            Throws.InvalidOperationException);

        LedgerUserState user = (await ledger.GetUserAsync("auth0|1", CancellationToken.None))!;
        Assert.That(user.KindeUserId, Is.EqualTo("kp_1"));
        Assert.That(user.Steps, Is.Empty, "the rejected completion left nothing behind");
    }

    [Test]
    public async Task IdMap_StreamsAndWritesCsvExactly()
    {
        await using MigrationLedger ledger = await OpenAsync();
        string runId = await ledger.StartRunAsync("import", CancellationToken.None);
        await ledger.CompleteStepAsync(runId, "samlp|acme|E1", LedgerStep.Create, LedgerStepStatus.Done, "kp_saml", cancellationToken: CancellationToken.None);
        await ledger.SetKindeIdAsync(runId, "auth0|1", "kp_a,b", createdByRun: true, CancellationToken.None);
        await ledger.SetKindeIdAsync(runId, "google-oauth2|\"q\"", "kp_q", createdByRun: false, CancellationToken.None);
        await ledger.BeginStepAsync(runId, "auth0|no-id-yet", LedgerStep.Create, CancellationToken.None);

        List<(string Auth0UserId, string KindeUserId)> map = await ToListAsync(ledger.GetIdMapAsync(CancellationToken.None));
        Assert.That(map, Is.EqualTo(new[]
        {
            ("auth0|1", "kp_a,b"),
            ("google-oauth2|\"q\"", "kp_q"),
            ("samlp|acme|E1", "kp_saml"),
        }));

        string csvPath = Path.Combine(_directory, "idmap.csv");
        await ledger.WriteIdMapCsvAsync(csvPath, CancellationToken.None);
        Assert.That(
            await File.ReadAllTextAsync(csvPath),
            Is.EqualTo("auth0_user_id,kinde_user_id\nauth0|1,\"kp_a,b\"\n\"google-oauth2|\"\"q\"\"\",kp_q\nsamlp|acme|E1,kp_saml\n"));
    }

    [Test]
    public async Task UsersCreatedByRun_ListsOnlyThatRunsCreations_AndUndoIsRecorded()
    {
        await using MigrationLedger ledger = await OpenAsync();
        string runA = await ledger.StartRunAsync("A", CancellationToken.None);
        string runB = await ledger.StartRunAsync("B", CancellationToken.None);

        await ledger.CompleteStepAsync(runA, "auth0|a1", LedgerStep.Create, LedgerStepStatus.Done, "kp_a1", cancellationToken: CancellationToken.None);
        await ledger.SetKindeIdAsync(runA, "auth0|a2", "kp_a2", createdByRun: true, CancellationToken.None);
        await ledger.CompleteStepAsync(runB, "auth0|b1", LedgerStep.Create, LedgerStepStatus.Done, "kp_b1", cancellationToken: CancellationToken.None);
        await ledger.CompleteStepAsync(runA, "auth0|found", LedgerStep.Create, LedgerStepStatus.Skipped, "kp_found", cancellationToken: CancellationToken.None);
        await ledger.SetKindeIdAsync(runB, "auth0|found2", "kp_found2", createdByRun: false, CancellationToken.None);
        // A second Auth0 account found the Kinde user run A created (same email): A is still its only creator.
        await ledger.SetKindeIdAsync(runB, "email|a1-twin", "kp_a1", createdByRun: false, CancellationToken.None);

        Assert.That(await ToListAsync(ledger.GetUsersCreatedByRunAsync(runA, CancellationToken.None)), Is.EqualTo(new[] { "kp_a1", "kp_a2" }));
        Assert.That(await ToListAsync(ledger.GetUsersCreatedByRunAsync(runB, CancellationToken.None)), Is.EqualTo(new[] { "kp_b1" }));

        // Undo A, marking each deletion while enumerating.
        await foreach (string kindeUserId in ledger.GetUsersCreatedByRunAsync(runA, CancellationToken.None))
        {
            await ledger.MarkDeletedAsync(runA, kindeUserId, CancellationToken.None);
        }

        Assert.That(await ToListAsync(ledger.GetUsersCreatedByRunAsync(runA, CancellationToken.None)), Is.Empty);
        Assert.That(await ledger.GetUserAsync("auth0|a1", CancellationToken.None), Is.Null, "a re-run imports it afresh");
        Assert.That(await ledger.GetUserAsync("email|a1-twin", CancellationToken.None), Is.Null);
        Assert.That(
            (await ToListAsync(ledger.GetIdMapAsync(CancellationToken.None))).Select(p => p.KindeUserId),
            Is.EqualTo(new[] { "kp_b1", "kp_found", "kp_found2" }));

        await ledger.MarkDeletedAsync(runA, "kp_a1", CancellationToken.None); // Again: no-op.
        Assert.That(() => ledger.MarkDeletedAsync(runA, "kp_found", CancellationToken.None), Throws.InvalidOperationException);
        Assert.That(() => ledger.MarkDeletedAsync(runA, "kp_b1", CancellationToken.None), Throws.InvalidOperationException);
        Assert.That(await ToListAsync(ledger.GetUsersCreatedByRunAsync(runB, CancellationToken.None)), Is.EqualTo(new[] { "kp_b1" }));
        Assert.That(
            await QueryAsync("SELECT kinde_user_id, auth0_user_id FROM deletions ORDER BY auth0_user_id"),
            Is.EqualTo(new[] { "kp_a1|auth0|a1", "kp_a2|auth0|a2", "kp_a1|email|a1-twin" }));
    }

    [Test]
    public async Task TenThousandUsers_InBatches()
    {
        const int Users = 10_000;
        string runId;
        await using (MigrationLedger ledger = await OpenAsync())
        {
            runId = await ledger.StartRunAsync("bulk", CancellationToken.None);
            for (int batch = 0; batch < Users; batch += 1000)
            {
                await ledger.ExecuteInTransactionAsync(async ct =>
                {
                    for (int i = batch; i < batch + 1000; i++)
                    {
                        string auth0 = $"auth0|{i:D5}";
                        await ledger.BeginStepAsync(runId, auth0, LedgerStep.Create, ct);
                        await ledger.CompleteStepAsync(runId, auth0, LedgerStep.Create, LedgerStepStatus.Done, $"kp_{i:D5}", cancellationToken: ct);
                        await ledger.BeginStepAsync(runId, auth0, LedgerStep.SetPassword, ct);
                        await ledger.CompleteStepAsync(runId, auth0, LedgerStep.SetPassword, i % 2 == 0 ? LedgerStepStatus.Done : LedgerStepStatus.Skipped, cancellationToken: ct);
                    }
                }, CancellationToken.None);
            }
        }

        await using (MigrationLedger ledger = await OpenAsync())
        {
            Assert.That(await ToListAsync(ledger.GetIdMapAsync(CancellationToken.None)), Has.Count.EqualTo(Users));
            Assert.That(await ToListAsync(ledger.GetUsersCreatedByRunAsync(runId, CancellationToken.None)), Has.Count.EqualTo(Users));
            LedgerUserState user = (await ledger.GetUserAsync("auth0|09999", CancellationToken.None))!;
            Assert.That(user.KindeUserId, Is.EqualTo("kp_09999"));
            Assert.That(user.CreatedByRunId, Is.EqualTo(runId));
            Assert.That(user.StatusOf(LedgerStep.SetPassword), Is.EqualTo(LedgerStepStatus.Skipped));
        }

        Assert.That(await QueryAsync("SELECT COUNT(*) FROM steps WHERE status = 'done'"), Is.EqualTo(new[] { "15000" }));
    }

    [Test]
    public async Task Batch_RollsBackEntirelyWhenItThrows()
    {
        await using MigrationLedger ledger = await OpenAsync();
        string runId = await ledger.StartRunAsync("import", CancellationToken.None);

        Assert.That(
            () => ledger.ExecuteInTransactionAsync(async ct =>
            {
                await ledger.SetKindeIdAsync(runId, "auth0|1", "kp_1", createdByRun: true, ct);
                throw new InvalidOperationException("boom");
            }, CancellationToken.None),
            Throws.InvalidOperationException.With.Message.EqualTo("boom"));
        Assert.That(await ledger.GetUserAsync("auth0|1", CancellationToken.None), Is.Null);

        // A failing call inside a batch leaves nothing behind, and the rest of the batch commits.
        await ledger.ExecuteInTransactionAsync(async ct =>
        {
            await ledger.SetKindeIdAsync(runId, "auth0|2", "kp_2", createdByRun: true, ct);
            await ledger.CompleteStepAsync(runId, "auth0|3", LedgerStep.Create, LedgerStepStatus.Done, "kp_3", cancellationToken: ct);
            // Inserts the user row, then fails on the unknown run: the call's savepoint undoes the user row too.
            Assert.That(
                () => ledger.BeginStepAsync("run_unknown", "auth0|6", LedgerStep.SetPassword, ct),
                Throws.ArgumentException);
            await Task.WhenAll(
                ledger.BeginStepAsync(runId, "auth0|4", LedgerStep.Suspend, ct),
                ledger.BeginStepAsync(runId, "auth0|5", LedgerStep.Suspend, ct));
        }, CancellationToken.None);

        Assert.That(await ledger.GetUserAsync("auth0|2", CancellationToken.None), Is.Not.Null);
        Assert.That((await ledger.GetUserAsync("auth0|3", CancellationToken.None))?.StatusOf(LedgerStep.Create), Is.EqualTo(LedgerStepStatus.Done));
        Assert.That(await ledger.GetUserAsync("auth0|6", CancellationToken.None), Is.Null);
        Assert.That(await ledger.GetUserAsync("auth0|4", CancellationToken.None), Is.Not.Null);
        Assert.That(await ledger.GetUserAsync("auth0|5", CancellationToken.None), Is.Not.Null);
    }

    [Test]
    public async Task ConcurrentCalls_AreSerialized()
    {
        await using MigrationLedger ledger = await OpenAsync();
        string runId = await ledger.StartRunAsync("import", CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            string auth0 = $"auth0|{i:D3}";
            await ledger.BeginStepAsync(runId, auth0, LedgerStep.Create, CancellationToken.None);
            await ledger.CompleteStepAsync(runId, auth0, LedgerStep.Create, LedgerStepStatus.Done, $"kp_{i:D3}", cancellationToken: CancellationToken.None);
            _ = await ledger.GetUserAsync(auth0, CancellationToken.None);
        })));

        Assert.That(await ToListAsync(ledger.GetUsersCreatedByRunAsync(runId, CancellationToken.None)), Has.Count.EqualTo(200));
    }

    [Test]
    public async Task NoColumnOrParameterCanHoldASecret()
    {
        await using (MigrationLedger ledger = await OpenAsync())
        {
            await ledger.StartRunAsync("import", CancellationToken.None);
        }

        var forbidden = new Regex("pass|hash|salt|secret|token|credential", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        List<string> tables = await QueryAsync("SELECT name FROM sqlite_master WHERE type = 'table'");
        Assert.That(tables, Is.Not.Empty);
        var columns = new List<string>();
        foreach (string table in tables)
        {
            columns.AddRange((await QueryAsync($"SELECT name FROM pragma_table_info('{table}')")).Select(c => table + "." + c));
        }

        Assert.That(columns, Has.Count.GreaterThan(15));
        Assert.That(columns.Where(c => forbidden.IsMatch(c)), Is.Empty);

        IEnumerable<string> parameters = typeof(MigrationLedger)
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .SelectMany(m => m.GetParameters())
            .Where(p => p.ParameterType != typeof(CancellationToken))
            .Select(p => p.Name!);
        Assert.That(parameters.Where(p => forbidden.IsMatch(p)), Is.Empty);
    }

    [Test]
    public async Task Disposed_ThrowsObjectDisposed()
    {
        MigrationLedger ledger = await OpenAsync();
        await ledger.DisposeAsync();
        await ledger.DisposeAsync();
        Assert.That(() => ledger.StartRunAsync("late", CancellationToken.None), Throws.TypeOf<ObjectDisposedException>());
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
