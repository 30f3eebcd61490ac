using Microsoft.Extensions.Logging;

namespace Kinde.Migration.Importing;

/// <summary>Log messages of the Kinde API importer. None carries an email, a hash, a token or a secret.</summary>
internal static partial class ImportLog
{
    [LoggerMessage(20, LogLevel.Information, "Kinde import {RunId} started: {Users} users, ledger {LedgerPath}")]
    public static partial void ImportStarted(ILogger logger, string runId, long users, string ledgerPath);

    [LoggerMessage(21, LogLevel.Information, "Preflight created {Organizations} organizations, {Roles} roles, {Permissions} permissions, {Properties} property definitions")]
    public static partial void PreflightCreated(ILogger logger, int organizations, int roles, int permissions, int properties);

    [LoggerMessage(22, LogLevel.Warning, "Looking up {Count} users by email failed: {Error}")]
    public static partial void LookupFailed(ILogger logger, int count, string error);

    [LoggerMessage(24, LogLevel.Warning, "Preflight round {Round}: {Unanswered} creates got no clear answer; listing again before creating what is still missing")]
    public static partial void PreflightRetry(ILogger logger, int round, int unanswered);

    [LoggerMessage(23, LogLevel.Information, "Undo of {RunId}: {Deleted} users deleted, {Missing} already gone, {Failed} failed")]
    public static partial void UndoFinished(ILogger logger, string runId, long deleted, long missing, long failed);
}
