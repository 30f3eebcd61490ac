namespace Kinde.Migration.Ledger;

/// <summary>What the <see cref="MigrationLedger"/> knows about one Auth0 user.</summary>
/// <param name="Auth0UserId">The Auth0 <c>user_id</c>, for example <c>auth0|abc</c> or <c>samlp|acme|E1</c>.</param>
/// <param name="KindeUserId">The Kinde user id, once known.</param>
/// <param name="CreatedByRunId">The run that created the user in Kinde; <see langword="null"/> if no run of ours created
/// it (for example it was found existing by email) or its Kinde id is not known yet.</param>
/// <param name="Steps">The latest state of each step begun for the user; steps never begun are absent.</param>
public sealed record LedgerUserState(
    string Auth0UserId,
    string? KindeUserId,
    string? CreatedByRunId,
    IReadOnlyDictionary<LedgerStep, LedgerStepState> Steps)
{
    /// <summary>Whether the user was created in Kinde by one of our runs (rather than found existing).</summary>
    public bool CreatedByUs => CreatedByRunId is not null;

    /// <summary>The latest status of <paramref name="step"/>, or <see langword="null"/> if it was never begun.</summary>
    /// <param name="step">The step.</param>
    /// <returns>The status, or <see langword="null"/>.</returns>
    public LedgerStepStatus? StatusOf(LedgerStep step) => Steps.TryGetValue(step, out LedgerStepState? state) ? state.Status : null;
}
