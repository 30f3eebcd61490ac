using System.Diagnostics;
using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Tests.Importing;

/// <summary>The migration process is killed (a real child process, SIGKILL) at several points and run again each time:
/// the final state must be exactly the expected one — nothing missing, nothing twice.</summary>
[TestFixture]
public sealed class CrashResumeTests
{
    [Test]
    public async Task KilledAtSeveralPoints_AndRunAgain_EndsWithTheExactState()
    {
        using var scenario = await ImportScenario.CreateAsync(600, seed: 21);
        await using var emulator = await KindeEmulator.StartAsync(new() { Latency = TimeSpan.FromMilliseconds(3), CommitThenDropRate = 0.02 });
        string config = scenario.Directory.Write("settings.json", """
            { "KindeMigration": { "Mapping": { "RolesPath": "app_metadata.roles", "OrganizationsPath": "app_metadata.org.id" } } }
            """);

        int kills = 0;
        foreach (int killAt in new[] { 1, 120, 330 })
        {
            using var child = StartMigration(scenario, emulator, config);
            while (emulator.State.Users.Count < killAt && !child.HasExited)
            {
                await Task.Delay(2);
            }

            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
                kills++;
            }

            await child.WaitForExitAsync();
        }

        Assert.That(kills, Is.GreaterThanOrEqualTo(2), "the process was killed mid-run");
        using (var last = StartMigration(scenario, emulator, config))
        {
            string stdout = await last.StandardOutput.ReadToEndAsync();
            string stderr = await last.StandardError.ReadToEndAsync();
            await last.WaitForExitAsync();
            Assert.That(last.ExitCode, Is.Zero, stdout + stderr);
            Assert.That(stdout, Does.Contain("failed 0"));
        }

        KindeStateAssert.HoldsExactly(emulator, scenario.Expected, withPasswords: true);
    }

    private static Process StartMigration(ImportScenario scenario, KindeEmulator emulator, string config)
    {
        string cli = typeof(Kinde.Migration.Cli.Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "exec", cli, "migrate", "--users", scenario.UsersPath, "--passwords", scenario.PasswordsPath,
            "--kinde-domain", emulator.BaseAddress.ToString(), "--out", scenario.Output, "--ledger", scenario.LedgerPath,
            "--config", config, "--requests-per-second", "0",
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["KINDE_CLIENT_ID"] = emulator.Options.ClientId;
        start.Environment["KINDE_CLIENT_SECRET"] = emulator.Options.ClientSecret;
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the CLI");
    }
}
