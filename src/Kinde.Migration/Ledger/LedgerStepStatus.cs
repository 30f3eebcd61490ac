namespace Kinde.Migration.Ledger;

/// <summary>The status of one <see cref="LedgerStep"/> of one user.</summary>
public enum LedgerStepStatus
{
    /// <summary>Begun: recorded before the request was sent. A step still pending after a run ended was interrupted
    /// and its outcome is unknown (for <see cref="LedgerStep.Create"/>: look the user up by email, never create blindly).</summary>
    Pending,

    /// <summary>Done: Kinde confirmed it.</summary>
    Done,

    /// <summary>Failed definitively (Kinde rejected it); the stored error says why.</summary>
    Failed,

    /// <summary>Nothing to do (for example no password to set, or the user already existed).</summary>
    Skipped,
}
