using System.CommandLine;
using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Cli.Commands;

/// <summary><c>kinde-migrate emulator</c>: a local Kinde Management API emulator on 127.0.0.1, to rehearse a migration.</summary>
internal static class EmulatorCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var port = new Option<int>("--port") { Description = "The port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 0 };
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > 65535)
            {
                result.AddError("--port must be between 0 and 65535.");
            }
        });
        var rate = new Option<int?>("--requests-per-second") { Description = "Answer 429 with RateLimit-Reset above this rate (default: unlimited)." };
        var command = new Command("emulator", "Run a local Kinde Management API emulator on 127.0.0.1 until Ctrl+C (test data only).")
        {
            port, rate,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new KindeEmulatorOptions { Port = parse.GetValue(port) is > 0 and var p ? p : null, RequestsPerSecond = parse.GetValue(rate) };
            KindeEmulator emulator;
            try
            {
                emulator = await KindeEmulator.StartAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await stderr.WriteLineAsync("error: the emulator could not start: " + ex.Message).ConfigureAwait(false);
                return Program.Failure;
            }

            await using (emulator.ConfigureAwait(false))
            {
                // The client id is printed; the secret is the emulator's documented default (see README), never echoed.
                await stdout.WriteLineAsync($"Kinde emulator listening on {emulator.BaseAddress}").ConfigureAwait(false);
                await stdout.WriteLineAsync($"token endpoint {emulator.TokenEndpoint}, audience {emulator.Audience}, client id {options.ClientId}").ConfigureAwait(false);
                await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await stdout.WriteLineAsync("emulator stopped").ConfigureAwait(false);
                }
            }

            return Program.Success;
        });
        return command;
    }
}
