namespace Kinde.Migration.Ledger;

/// <summary>The latest recorded state of one step of one user.</summary>
/// <param name="Step">The step.</param>
/// <param name="Status">Its latest status.</param>
/// <param name="RunId">The run that recorded that status.</param>
/// <param name="Attempts">How many times the step was begun (<see cref="MigrationLedger.BeginStepAsync"/>), over all runs.</param>
/// <param name="KindeUserId">The Kinde user id recorded with the step, if any.</param>
/// <param name="Error">The error recorded with the step (at most 1,000 characters), if any.</param>
/// <param name="UpdatedAt">When the status was recorded (UTC).</param>
public sealed record LedgerStepState(
    LedgerStep Step,
    LedgerStepStatus Status,
    string RunId,
    int Attempts,
    string? KindeUserId,
    string? Error,
    DateTimeOffset UpdatedAt);
