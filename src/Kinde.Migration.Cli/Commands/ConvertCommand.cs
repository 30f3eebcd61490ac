using System.CommandLine;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kinde.Migration.Cli.Commands;

/// <summary><c>kinde-migrate convert</c>: Auth0 exports → Kinde dashboard import files, offline.</summary>
internal static class ConvertCommand
{
    private static readonly string[] Modes = ["with-passwords", "users-only", "passwords-only", "no-passwords", "passwordless"];

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var users = new Option<string>("--users") { Description = "The Auth0 user export (NDJSON, JSON, CSV; gzip or plain).", Required = true };
        var passwords = new Option<string?>("--passwords") { Description = "The password-hash export from Auth0 support (decrypted)." };
        var output = new Option<string>("--out") { Description = "The directory for the Kinde import files, rejected.ndjson and report.json.", Required = true };
        var mode = new Option<string>("--mode") { Description = "The migration approach.", DefaultValueFactory = _ => "with-passwords" };
        mode.AcceptOnlyFromAmong(Modes);
        var format = new Option<string>("--format") { Description = "Kinde import file format.", DefaultValueFactory = _ => "ndjson" };
        format.AcceptOnlyFromAmong("ndjson", "csv");
        var maxFileMb = new Option<int>("--max-file-mb") { Description = "Largest import file, in MiB (Kinde accepts up to 49 MB).", DefaultValueFactory = _ => 20 };
        maxFileMb.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1024)
            {
                result.AddError("--max-file-mb must be between 1 and 1024.");
            }
        });
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the files an earlier convert wrote in --out (only those: users-*, passwords-*, organizations.csv, rejected.ndjson, report.json)." };
        var config = new Option<string?>("--config") { Description = "A JSON settings file; its KindeMigration section holds the options (mapping, metadata, validation)." };

        var command = new Command("convert", "Convert Auth0 exports into Kinde import files (Users › Import users › Custom NDJSON / Custom CSV). Offline.")
        {
            users, passwords, output, mode, format, maxFileMb, overwrite, config,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            MigrationRunner runner;
            try
            {
                runner = BuildRunner(parse.GetValue(config), parse.GetValue(output)!, ParseMode(parse.GetValue(mode)!),
                    parse.GetValue(format) == "csv" ? KindeImportFileFormat.Csv : KindeImportFileFormat.NdJson, parse.GetValue(maxFileMb));
            }
            catch (Exception ex) when (ex is OptionsValidationException or FileNotFoundException or InvalidDataException or FormatException or InvalidOperationException)
            {
                await stderr.WriteLineAsync("error: invalid settings: " + ex.Message).ConfigureAwait(false);
                return Program.Failure;
            }

            if (parse.GetValue(overwrite))
            {
                RemoveEarlierOutput(parse.GetValue(output)!);
            }

            using var bar = new ProgressPrinter(stderr);
            try
            {
                var report = await runner.RunAsync(parse.GetValue(users)!, parse.GetValue(passwords), bar, cancellationToken).ConfigureAwait(false);
                bar.Finish();
                await WriteSummaryAsync(stdout, report).ConfigureAwait(false);
                return Program.Success;
            }
            catch (Exception ex) when (RunErrors.IsInputOrOutputError(ex))
            {
                bar.Finish();
                string hint = ex.Message.Contains("already exists", StringComparison.Ordinal) ? " (--overwrite replaces an earlier convert's files)" : "";
                await RunErrors.WriteAsync(ex, stderr, hint).ConfigureAwait(false);
            }

            return Program.Failure;
        });
        return command;
    }

    private static MigrationRunner BuildRunner(string? configPath, string output, MigrationMode mode, KindeImportFileFormat format, int maxFileMb)
    {
        var configuration = new ConfigurationBuilder();
        if (configPath is not null)
        {
            configuration.AddJsonFile(Path.GetFullPath(configPath), optional: false);
        }

        var services = new ServiceCollection();
        services.AddKindeMigration(configuration.Build().GetSection(MigrationOptions.SectionName))
            .UseImportFiles(format, maxFileMb * 1024L * 1024L);
        services.PostConfigure<MigrationOptions>(o =>
        {
            o.Mode = mode;
            o.OutputDirectory = output;
        });
        var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<MigrationRunner>();
    }

    /// <summary>Deletes what an earlier run wrote, and nothing else: the output directory may hold the user's own files.</summary>
    private static void RemoveEarlierOutput(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        string[] patterns = ["users-????.ndjson", "users-????.csv", "passwords-????.json", "organizations.csv", "rejected.ndjson", "report.json"];
        foreach (string file in patterns.SelectMany(p => Directory.EnumerateFiles(directory, p)))
        {
            File.Delete(file);
        }
    }

    private static MigrationMode ParseMode(string mode) => mode switch
    {
        "users-only" => MigrationMode.UsersOnly,
        "passwords-only" => MigrationMode.PasswordsOnly,
        "no-passwords" => MigrationMode.NoPasswords,
        "passwordless" => MigrationMode.Passwordless,
        _ => MigrationMode.WithPasswords,
    };

    internal static async Task WriteSummaryAsync(TextWriter stdout, MigrationReport report)
    {
        await stdout.WriteLineAsync($"mode: {MigrationReport.ModeName(report.Mode)}").ConfigureAwait(false);
        await stdout.WriteLineAsync($"users: {report.UsersRead} read, {report.UsersAccepted} accepted, {report.UsersRejected} rejected, {report.UsersMerged} merged").ConfigureAwait(false);
        if (report.HashesRead > 0)
        {
            await stdout.WriteLineAsync(
                $"password hashes: {report.HashesRead} read, {report.HashesJoined} joined, {report.HashesOrphaned} without a user, " +
                $"{report.HashesAmbiguous} ambiguous, {report.PasswordsUnsupported} unsupported; {report.UsersWithoutHash} users without a hash").ConfigureAwait(false);
        }

        if (report.ImporterCounters.Count > 0)
        {
            await stdout.WriteLineAsync("kinde: " + string.Join(", ", report.ImporterCounters.Select(c => $"{c.Key} {c.Value}"))).ConfigureAwait(false);
        }

        foreach (var (code, count) in report.Warnings.OrderByDescending(w => w.Value).Take(10))
        {
            await stdout.WriteLineAsync($"warning: {code} ×{count}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("files:").ConfigureAwait(false);
        foreach (string file in report.Files)
        {
            await stdout.WriteLineAsync("  " + file).ConfigureAwait(false);
        }
    }
}
