using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using Kinde.Migration.Importing;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kinde.Migration.Cli.Commands;

/// <summary><c>kinde-migrate migrate</c>, <c>plan</c> and <c>passwords</c>: Auth0 exports → Kinde through the Management
/// API (resumable, rate-limited), a read-only dry run of it, and the passwords-later pass.</summary>
/// <remarks>Credentials come from <c>KINDE_CLIENT_ID</c>/<c>KINDE_CLIENT_SECRET</c> or the configuration file's
/// <c>KindeMigration:Kinde</c> section, never from the command line (it shows in process lists and shell history).</remarks>
internal static class MigrateCommand
{
    /// <summary>The configuration section of the Kinde connection and import options.</summary>
    public const string KindeSection = MigrationOptions.SectionName + ":Kinde";

    private static readonly string[] Modes = ["with-passwords", "users-only", "no-passwords", "passwordless"];

    private enum Kind
    {
        Migrate,
        Plan,
        Passwords,
    }

    public static Command CreateMigrate(TextWriter stdout, TextWriter stderr) => Create(Kind.Migrate, stdout, stderr);

    public static Command CreatePlan(TextWriter stdout, TextWriter stderr) => Create(Kind.Plan, stdout, stderr);

    public static Command CreatePasswords(TextWriter stdout, TextWriter stderr) => Create(Kind.Passwords, stdout, stderr);

    /// <summary>Binds the Kinde options: configuration file, then environment credentials, then the command line.</summary>
    internal static IConfigurationRoot LoadConfiguration(string? configPath, string? domain)
    {
        var builder = new ConfigurationBuilder();
        if (configPath is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(configPath), optional: false);
        }

        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable("KINDE_CLIENT_ID") is { Length: > 0 } id)
        {
            overrides[KindeSection + ":ClientId"] = id;
        }

        if (Environment.GetEnvironmentVariable("KINDE_CLIENT_SECRET") is { Length: > 0 } secret)
        {
            overrides[KindeSection + ":ClientSecret"] = secret;
        }

        if (domain is not null)
        {
            overrides[KindeSection + ":Domain"] = domain;
        }

        return builder.AddInMemoryCollection(overrides).Build();
    }

    internal static async Task<bool> ReportSettingsErrorAsync(Exception ex, TextWriter stderr)
    {
        string message = ex switch
        {
            OptionsValidationException v => string.Join(" ", v.Failures),
            _ => ex.Message,
        };
        if (message.Contains("ClientId", StringComparison.Ordinal) || message.Contains("ClientSecret", StringComparison.Ordinal))
        {
            message += " Set KINDE_CLIENT_ID and KINDE_CLIENT_SECRET (or ClientId/ClientSecret in the KindeMigration:Kinde section of --config).";
        }

        await stderr.WriteLineAsync("error: invalid settings: " + message).ConfigureAwait(false);
        return false;
    }

    private static Command Create(Kind kind, TextWriter stdout, TextWriter stderr)
    {
        var users = new Option<string>("--users") { Description = "The Auth0 user export (NDJSON, JSON, CSV; gzip or plain).", Required = true };
        var passwords = new Option<string?>("--passwords") { Description = "The password-hash export from Auth0 support (decrypted).", Required = kind == Kind.Passwords };
        var domain = new Option<string?>("--kinde-domain") { Description = "The Kinde business, e.g. https://example.kinde.com (or Domain in the configuration). HTTPS unless loopback." };
        var output = new Option<string>("--out")
        {
            Description = "The directory for report.json, idmap.csv, rejected/failed records (and plan files), and by default the ledger.",
            DefaultValueFactory = _ => kind == Kind.Plan ? "kinde-plan" : "kinde-migration",
        };
        var ledger = new Option<string?>("--ledger") { Description = "The ledger file (default: ledger.sqlite in --out). Re-running with the same ledger resumes." };
        var mode = new Option<string>("--mode") { Description = "The migration approach.", DefaultValueFactory = _ => "with-passwords" };
        mode.AcceptOnlyFromAmong(Modes);
        var existing = new Option<string>("--existing-users")
        {
            Description = "Users already in Kinde: skip (untouched), fill-missing (password, properties, memberships) or update (fill-missing and the names).",
            DefaultValueFactory = _ => "skip",
        };
        existing.AcceptOnlyFromAmong("skip", "fill-missing", "update");
        var noCreate = new Option<bool>("--no-create-missing") { Description = "Stop (before touching any user) if Kinde lacks organizations, roles, permissions or properties, instead of creating them." };
        var rate = new Option<double?>("--requests-per-second") { Description = "Client-side request rate limit (0 = none)." };
        var config = new Option<string?>("--config") { Description = "A JSON settings file: KindeMigration (mapping, validation) and KindeMigration:Kinde (Domain, ClientId, ClientSecret, rate, policies)." };

        var (name, description) = kind switch
        {
            Kind.Plan => ("plan", "Dry run against the live Kinde business: reads only; reports which users exist, what preflight would create and what each user would get."),
            Kind.Passwords => ("passwords", "The passwords-later pass: sets the password hashes of users already imported (Kinde ids from the ledger or by email)."),
            _ => ("migrate", "Import Auth0 users into Kinde through the Management API: resumable (ledger), rate-limited, exactly once."),
        };
        var command = new Command(name, description) { users, passwords, domain, output, ledger, existing, noCreate, rate, config };
        if (kind != Kind.Passwords)
        {
            command.Options.Add(mode);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            string outputDirectory = parse.GetValue(output)!;
            MigrationMode migrationMode = kind == Kind.Passwords ? MigrationMode.PasswordsOnly : ParseMode(parse.GetValue(mode)!);
            string usersPath = parse.GetValue(users)!;
            string? passwordsPath = parse.GetValue(passwords);
            ServiceProvider provider;
            MigrationRunner runner;
            try
            {
                var configuration = LoadConfiguration(parse.GetValue(config), parse.GetValue(domain));
                var services = new ServiceCollection();
                services.AddKindeMigration(configuration.GetSection(MigrationOptions.SectionName))
                    .UseKindeApi(configuration.GetSection(KindeSection), dryRun: kind == Kind.Plan);
                services.PostConfigure<MigrationOptions>(o =>
                {
                    o.Mode = migrationMode;
                    o.OutputDirectory = outputDirectory;
                });
                services.PostConfigure<KindeApiOptions>(o =>
                {
                    if (parse.GetValue(rate) is { } perSecond)
                    {
                        o.RequestsPerSecond = perSecond <= 0 ? null : perSecond;
                    }
                });
                services.PostConfigure<KindeApiImportOptions>(o =>
                {
                    o.LedgerPath = parse.GetValue(ledger) ?? o.LedgerPath;
                    o.ExistingUsers = parse.GetValue(existing) switch
                    {
                        "fill-missing" => ExistingUserPolicy.FillMissing,
                        "update" => ExistingUserPolicy.Update,
                        _ => ExistingUserPolicy.Skip,
                    };
                    o.CreateMissingDefinitions &= !parse.GetValue(noCreate);

                    // Same command, same inputs → same run in the ledger (resume). Names only: no secret, no path.
                    o.RunDescription = $"{name} {MigrationReport.ModeName(migrationMode)} users={Path.GetFileName(usersPath)} passwords={Path.GetFileName(passwordsPath ?? "-")}";
                });
                provider = services.BuildServiceProvider();
                runner = provider.GetRequiredService<MigrationRunner>();
            }
            catch (Exception ex) when (ex is OptionsValidationException or ValidationException or FileNotFoundException or InvalidDataException or FormatException or InvalidOperationException)
            {
                await ReportSettingsErrorAsync(ex, stderr).ConfigureAwait(false);
                return Program.Failure;
            }

            await using (provider.ConfigureAwait(false))
            {
                // The ledger, not report.json, is the record of what happened: a re-run (resume) replaces the reports.
                RemoveEarlierReports(outputDirectory, kind == Kind.Plan);
                using var bar = new ProgressPrinter(stderr);
                try
                {
                    var report = await runner.RunAsync(usersPath, passwordsPath, bar, cancellationToken).ConfigureAwait(false);
                    bar.Finish();
                    var importer = (KindeApiImporter)provider.GetRequiredService<IKindeImporter>();
                    if (importer.RunId is { } runId)
                    {
                        await stdout.WriteLineAsync($"run: {runId} (undo with: kinde-migrate undo --run {runId})").ConfigureAwait(false);
                    }

                    await ConvertCommand.WriteSummaryAsync(stdout, report).ConfigureAwait(false);
                    return Program.Success;
                }
                catch (KindePreflightException ex)
                {
                    bar.Finish();
                    await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                }
                catch (KindeApiException ex)
                {
                    bar.Finish();
                    await stderr.WriteLineAsync("error: Kinde: " + ex.Message).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OptionsValidationException or ValidationException)
                {
                    bar.Finish();
                    await ReportSettingsErrorAsync(ex, stderr).ConfigureAwait(false);
                }
                catch (Exception ex) when (RunErrors.IsInputOrOutputError(ex))
                {
                    bar.Finish();
                    await RunErrors.WriteAsync(ex, stderr).ConfigureAwait(false);
                }
            }

            return Program.Failure;
        });
        return command;
    }

    /// <summary>Deletes the reports an earlier run of the same command wrote, and nothing else (never the ledger; a plan
    /// never the migration's id map or failures).</summary>
    private static void RemoveEarlierReports(string directory, bool plan)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        string[] files = plan
            ? ["report.json", "rejected.ndjson", "plan.ndjson", "preflight.json"]
            : ["report.json", "rejected.ndjson", "failed.ndjson", "idmap.csv"];
        foreach (string file in files)
        {
            File.Delete(Path.Combine(directory, file));
        }
    }

    private static MigrationMode ParseMode(string mode) => mode switch
    {
        "users-only" => MigrationMode.UsersOnly,
        "no-passwords" => MigrationMode.NoPasswords,
        "passwordless" => MigrationMode.Passwordless,
        _ => MigrationMode.WithPasswords,
    };
}
