using System.Diagnostics;
using Kinde.Migration.Pipeline;

namespace Kinde.Migration.Cli.Commands;

/// <summary>A progress bar redrawn in place on a terminal; plain lines, now and then, when stderr is redirected.</summary>
internal sealed class ProgressPrinter(TextWriter stderr) : IProgress<MigrationProgress>, IDisposable
{
    private readonly bool _interactive = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan? _lastPlain;
    private bool _drawn;

    public void Report(MigrationProgress value)
    {
        lock (_gate)
        {
            string text = $"{value.Phase}: {value.RecordsRead:N0} read, {value.UsersAccepted:N0} accepted, {value.UsersRejected:N0} rejected ({_clock.Elapsed:mm\\:ss})";
            if (_interactive)
            {
                stderr.Write("\r" + text.PadRight(Math.Max(Console.WindowWidth - 1, 20))[..Math.Max(Console.WindowWidth - 1, 20)]);
                _drawn = true;
            }
            else if (value.Phase == "done" || _lastPlain is null || _clock.Elapsed - _lastPlain >= TimeSpan.FromSeconds(5))
            {
                stderr.WriteLine(text);
                _lastPlain = _clock.Elapsed;
            }
        }
    }

    public void Finish()
    {
        lock (_gate)
        {
            if (_drawn)
            {
                stderr.WriteLine();
                _drawn = false;
            }
        }
    }

    public void Dispose() => Finish();
}
