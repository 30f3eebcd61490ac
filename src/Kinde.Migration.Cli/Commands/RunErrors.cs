using Kinde.Migration.Auth0.Reading;

namespace Kinde.Migration.Cli.Commands;

/// <summary>The errors that make a run exit with "could not run" (1), and the one line each prints.</summary>
internal static class RunErrors
{
    public static bool IsInputOrOutputError(Exception ex) => ex is IOException or ExportFormatException or UnauthorizedAccessException;

    public static Task WriteAsync(Exception ex, TextWriter stderr, string hint = "") => stderr.WriteLineAsync("error: " + ex switch
    {
        FileNotFoundException missing => $"input file not found: {missing.FileName ?? missing.Message}",
        DirectoryNotFoundException => $"input file not found: {ex.Message}",
        ExportFormatException => "an input cannot be read: " + ex.Message,
        UnauthorizedAccessException => "permission denied: " + ex.Message,
        _ => ex.Message,
    } + hint);
}
