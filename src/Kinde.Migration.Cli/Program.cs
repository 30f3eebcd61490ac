using System.CommandLine;
using Kinde.Migration.Cli.Commands;

namespace Kinde.Migration.Cli;

/// <summary>The <c>kinde-migrate</c> entry point.</summary>
public static class Program
{
    /// <summary>Exit code when the command completed (rejected records are reported, not failures).</summary>
    public const int Success = 0;

    /// <summary>Exit code when the command could not run (missing or unreadable input).</summary>
    public const int Failure = 1;

    /// <summary>Exit code for usage errors.</summary>
    public const int UsageError = 2;

    /// <summary>Runs the tool.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>The process exit code.</returns>
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>Runs the tool with the given output writers (tests call this in-process).</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where messages go.</param>
    /// <returns>The process exit code.</returns>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) => RunAsync(args, stdout, stderr, CancellationToken.None);

    /// <summary>Runs the tool until it finishes or <paramref name="cancellationToken"/> is cancelled (Ctrl+C does the same).</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where messages go.</param>
    /// <param name="cancellationToken">Stops the command.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var root = new RootCommand("kinde-migrate: move users from Auth0 to Kinde.")
        {
            InspectCommand.Create(stdout, stderr),
            ConvertCommand.Create(stdout, stderr),
            MigrateCommand.CreateMigrate(stdout, stderr),
            MigrateCommand.CreatePlan(stdout, stderr),
            MigrateCommand.CreatePasswords(stdout, stderr),
            UndoCommand.Create(stdout, stderr),
            EmulatorCommand.Create(stdout, stderr),
        };

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("Run 'kinde-migrate --help' for usage.").ConfigureAwait(false);
            return UsageError;
        }

        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr };
        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
