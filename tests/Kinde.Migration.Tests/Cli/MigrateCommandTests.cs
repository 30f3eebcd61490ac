using System.Text.RegularExpressions;
using Kinde.Migration.Cli;
using Kinde.Migration.Testing.Emulator;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Cli;

public partial class MigrateCommandTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public async Task MigrateTheSample_ResumeIt_PlanIt_ThenUndoIt()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        string config = Credentials(emulator);

        var (exit, stdout, stderr) = await RunAsync(Args("migrate", emulator, config, "--out", _dir.File("out")));

        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("users: 8 read, 7 accepted, 1 rejected, 0 merged"));
        Assert.That(stdout, Does.Contain("imported 7").And.Contain("passwords_set 3").And.Contain("failed 0"));
        Assert.That(stdout + stderr, Does.Not.Contain("$2b$").And.Not.Contain("$2a$").And.Not.Contain(emulator.Options.ClientSecret));
        Assert.That(emulator.State.Users, Has.Count.EqualTo(7));
        Assert.That(File.Exists(_dir.File("out/idmap.csv")), Is.True);
        string runId = RunIdPattern().Match(stdout).Groups[1].Value;

        // The same command again resumes the same run: nothing is created twice.
        var again = await RunAsync(Args("migrate", emulator, config, "--out", _dir.File("out")));
        Assert.That(again.Exit, Is.Zero, again.Stderr);
        Assert.That(again.Stdout, Does.Contain($"run: {runId}"));
        Assert.That(emulator.State.Users, Has.Count.EqualTo(7));

        var plan = await RunAsync(Args("plan", emulator, config, "--out", _dir.File("plan")));
        Assert.That(plan.Exit, Is.Zero, plan.Stderr);
        Assert.That(plan.Stdout, Does.Contain("existing 7").And.Contain("would_create 0"));

        // With the migration's ledger, the plan knows these users are the run's own: a re-run would resume them.
        var planWithLedger = await RunAsync(Args("plan", emulator, config, "--out", _dir.File("plan"), "--ledger", _dir.File("out/ledger.sqlite")));
        Assert.That(planWithLedger.Exit, Is.Zero, planWithLedger.Stderr);
        Assert.That(planWithLedger.Stdout, Does.Contain("would_resume 7").And.Contain("existing 0"));
        Assert.That(File.ReadAllLines(_dir.File("plan/plan.ndjson")), Has.All.Contain("\"action\":\"resume\""));

        var undo = await RunAsync("undo", "--run", runId, "--ledger", _dir.File("out/ledger.sqlite"), "--kinde-domain", emulator.BaseAddress.ToString(), "--config", config);
        Assert.That(undo.Exit, Is.Zero, undo.Stderr);
        Assert.That(undo.Stdout, Does.Contain("undo: 7 users deleted"));
        Assert.That(emulator.State.Users, Is.Empty);
    }

    [Test]
    public async Task UsersFirst_ThenThePasswordsCommand_SetsThePasswords()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        string config = Credentials(emulator);

        var users = await RunAsync(Args("migrate", emulator, config, "--out", _dir.File("out"), "--mode", "users-only"));
        Assert.That(users.Exit, Is.Zero, users.Stderr);
        Assert.That(emulator.State.Users.Count(u => u.Password is not null), Is.Zero);

        var passwords = await RunAsync(Args("passwords", emulator, config, "--out", _dir.File("out")));

        Assert.That(passwords.Exit, Is.Zero, passwords.Stderr);
        Assert.That(passwords.Stdout, Does.Contain("passwords_set 3"));
        Assert.That(emulator.State.Users.Count(u => u.Password is not null), Is.EqualTo(3));
    }

    [Test]
    public async Task WithoutCredentials_ExitsOne_AndSaysWhereToPutThem()
    {
        if (Environment.GetEnvironmentVariable("KINDE_CLIENT_ID") is not null || Environment.GetEnvironmentVariable("KINDE_CLIENT_SECRET") is not null)
        {
            Assert.Ignore("KINDE_CLIENT_ID/KINDE_CLIENT_SECRET are set in this environment.");
        }

        await using var emulator = await KindeEmulator.StartAsync();

        var (exit, _, stderr) = await RunAsync(Args("migrate", emulator, config: null, "--out", _dir.File("out")));

        Assert.That(exit, Is.EqualTo(Program.Failure));
        Assert.That(stderr, Does.Contain("KINDE_CLIENT_ID").And.Contain("KINDE_CLIENT_SECRET"));
        Assert.That(emulator.State.TokensIssued, Is.Zero);
    }

    [Test]
    public async Task SecretsAreNotAcceptedOnTheCommandLine()
    {
        var (exit, _, stderr) = await RunAsync("migrate", "--users", "u.ndjson", "--client-secret", "s3cret");

        Assert.That(exit, Is.EqualTo(Program.UsageError));
        Assert.That(stderr, Does.Contain("--client-secret"));
    }

    [Test]
    public async Task PlainHttpToANonLoopbackHost_IsRefused()
    {
        string config = _dir.Write("settings.json", """{ "KindeMigration": { "Kinde": { "ClientId": "id", "ClientSecret": "secret" } } }""");

        var (exit, _, stderr) = await RunAsync(
            "migrate", "--users", TestData.SampleUsers, "--kinde-domain", "http://example.kinde.com", "--config", config, "--out", _dir.File("out"));

        Assert.That(exit, Is.EqualTo(Program.Failure));
        Assert.That(stderr, Does.Contain("HTTPS"));
        Assert.That(stderr, Does.Not.Contain("secret\""));
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await Program.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string[] Args(string command, KindeEmulator emulator, string? config, params string[] extra)
    {
        var args = new List<string> { command, "--users", TestData.SampleUsers, "--passwords", TestData.SamplePasswords, "--kinde-domain", emulator.BaseAddress.ToString() };
        if (config is not null)
        {
            args.AddRange(["--config", config]);
        }

        args.AddRange(extra);
        return [.. args];
    }

    private string Credentials(KindeEmulator emulator) => _dir.Write("settings.json", $$"""
        { "KindeMigration": { "Kinde": { "ClientId": "{{emulator.Options.ClientId}}", "ClientSecret": "{{emulator.Options.ClientSecret}}" } } }
        """);

    [GeneratedRegex(@"run: (run_\S+)")]
    private static partial Regex RunIdPattern();
}
