using Microsoft.Extensions.Logging;

namespace Kinde.Migration.Pipeline;

/// <summary>Log messages of the pipeline. None carries an email, a hash or a secret.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Migration started: mode {Mode}, output {OutputDirectory}")]
    public static partial void RunStarted(ILogger logger, string mode, string outputDirectory);

    [LoggerMessage(2, LogLevel.Information, "Password hashes indexed: {Read} read, {Rejected} rejected, spilled to disk: {Spilled}")]
    public static partial void HashesIndexed(ILogger logger, long read, long rejected, bool spilled);

    [LoggerMessage(3, LogLevel.Information, "Migration finished: {Read} read, {Accepted} accepted, {Rejected} rejected, {Merged} merged, {Joined} hashes joined")]
    public static partial void RunFinished(ILogger logger, long read, long accepted, long rejected, long merged, long joined);

    [LoggerMessage(4, LogLevel.Information, "{Count} users are converted again: a later user shares their email or claims their password hash")]
    public static partial void UsersRedone(ILogger logger, int count);
}
