using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using Kinde.Migration.Importing;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kinde.Migration.Cli.Commands;

/// <summary><c>kinde-migrate undo --run ID</c>: deletes from Kinde the users that run created, and nothing else.</summary>
internal static class UndoCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var run = new Option<string>("--run") { Description = "The run to undo (printed by migrate; the ledger lists them).", Required = true };
        var ledger = new Option<string>("--ledger") { Description = "The ledger the run wrote.", DefaultValueFactory = _ => Path.Combine("kinde-migration", "ledger.sqlite") };
        var domain = new Option<string?>("--kinde-domain") { Description = "The Kinde business (or Domain in the configuration)." };
        var config = new Option<string?>("--config") { Description = "A JSON settings file with a KindeMigration:Kinde section." };
        var command = new Command("undo", "Delete the users a migrate run created (from the ledger), and nothing else.") { run, ledger, domain, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string ledgerPath = parse.GetValue(ledger)!;
            if (!File.Exists(ledgerPath))
            {
                await stderr.WriteLineAsync($"error: ledger not found: {ledgerPath}").ConfigureAwait(false);
                return Program.Failure;
            }

            ServiceProvider provider;
            KindeApiUndo undo;
            try
            {
                var configuration = MigrateCommand.LoadConfiguration(parse.GetValue(config), parse.GetValue(domain));
                var services = new ServiceCollection();
                services.AddKindeMigration().UseKindeApi(configuration.GetSection(MigrateCommand.KindeSection));
                provider = services.BuildServiceProvider();
                _ = provider.GetRequiredService<IOptions<KindeApiOptions>>().Value;
                undo = provider.GetRequiredService<KindeApiUndo>();
            }
            catch (Exception ex) when (ex is OptionsValidationException or ValidationException or FileNotFoundException or InvalidDataException or FormatException)
            {
                await MigrateCommand.ReportSettingsErrorAsync(ex, stderr).ConfigureAwait(false);
                return Program.Failure;
            }

            await using (provider.ConfigureAwait(false))
            {
                await using var open = await MigrationLedger.OpenAsync(ledgerPath, cancellationToken: cancellationToken).ConfigureAwait(false);
                try
                {
                    var result = await undo.UndoRunAsync(open, parse.GetValue(run)!, cancellationToken).ConfigureAwait(false);
                    await stdout.WriteLineAsync($"undo: {result.Deleted} users deleted, {result.AlreadyGone} already gone, {result.Failures.Count} failed").ConfigureAwait(false);
                    foreach (string failure in result.Failures.Take(20))
                    {
                        await stderr.WriteLineAsync("  not deleted: " + failure).ConfigureAwait(false);
                    }

                    if (result.UnresolvedCreates > 0)
                    {
                        await stderr.WriteLineAsync(
                            $"warning: {result.UnresolvedCreates} users of this run were sent for creation without an answer and may be in Kinde: run the same migrate command again (it finds them), then undo again.").ConfigureAwait(false);
                    }

                    return result.Failures.Count == 0 && result.UnresolvedCreates == 0 ? Program.Success : Program.Failure;
                }
                catch (ArgumentException ex)
                {
                    await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                }
                catch (KindeApiException ex)
                {
                    await stderr.WriteLineAsync("error: Kinde: " + ex.Message).ConfigureAwait(false);
                }
            }

            return Program.Failure;
        });
        return command;
    }
}
