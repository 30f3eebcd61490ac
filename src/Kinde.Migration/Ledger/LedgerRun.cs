namespace Kinde.Migration.Ledger;

/// <summary>A run recorded in the <see cref="MigrationLedger"/>.</summary>
/// <param name="RunId">The run id, for example <c>run_20261126T153000Z_ab12</c>.</param>
/// <param name="Description">What the run was (for example the command); never holds secrets.</param>
/// <param name="StartedAt">When the run started (UTC).</param>
public sealed record LedgerRun(string RunId, string Description, DateTimeOffset StartedAt);
