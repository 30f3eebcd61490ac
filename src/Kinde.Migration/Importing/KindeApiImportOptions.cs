using System.ComponentModel.DataAnnotations;

namespace Kinde.Migration.Importing;

/// <summary>Options of the Kinde Management API importer; bind them from configuration (section
/// <c>KindeMigration:Kinde</c>, beside <see cref="KindeApi.KindeApiOptions"/>).</summary>
public sealed class KindeApiImportOptions
{
    /// <summary>Gets or sets the ledger file (SQLite) that makes a run resumable and undoable.</summary>
    /// <value>The default value is <see langword="null"/>: <c>ledger.sqlite</c> in the run's output directory.</value>
    public string? LedgerPath { get; set; }

    /// <summary>Gets or sets what a run is called in the ledger (never put a secret in it). A run whose description
    /// matches the ledger's latest run continues that run: same run id, so undo covers both.</summary>
    /// <value>The default value is <c>migrate</c>.</value>
    [Required]
    public string RunDescription { get; set; } = "migrate";

    /// <summary>Gets or sets what happens to users already in Kinde before the migration.</summary>
    /// <value>The default value is <see cref="ExistingUserPolicy.Skip"/>.</value>
    public ExistingUserPolicy ExistingUsers { get; set; } = ExistingUserPolicy.Skip;

    /// <summary>Gets or sets whether preflight creates the organizations, roles, permissions and property definitions
    /// the users need and Kinde lacks. When <see langword="false"/>, a run that needs any stops before touching a user
    /// and lists them.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool CreateMissingDefinitions { get; set; } = true;

    /// <summary>Gets or sets the user property category that preflight files new property definitions under (created
    /// when missing).</summary>
    /// <value>The default value is <c>Migrated from Auth0</c>.</value>
    [Required]
    public string PropertyCategoryName { get; set; } = "Migrated from Auth0";

    /// <summary>Gets or sets how many users are looked up by email in one request (and processed as one batch).</summary>
    /// <value>The default value is 50.</value>
    [Range(1, 100)]
    public int BatchSize { get; set; } = 50;

    /// <summary>Gets or sets how many batches are processed at once. The HTTP layer's adaptive concurrency
    /// (<see cref="KindeApi.KindeApiOptions"/>) still bounds the requests in flight.</summary>
    /// <value>The default value is 8.</value>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 8;

    /// <summary>Gets or sets how many times a user's creation is attempted in one run when attempts fail without a
    /// clear answer (timeout, dropped connection, 5xx). Before every new attempt the user is looked up again: a create
    /// is never blindly repeated.</summary>
    /// <value>The default value is 5.</value>
    [Range(1, 20)]
    public int MaxCreateAttempts { get; set; } = 5;

    /// <summary>Gets or sets how many times a step whose effect is idempotent (password, suspension, properties,
    /// memberships, identities) is sent in one run when it fails without a clear answer (timeout, dropped connection,
    /// 5xx); a 429 is always waited out by the HTTP layer and does not count here.</summary>
    /// <value>The default value is 5.</value>
    [Range(1, 20)]
    public int MaxStepAttempts { get; set; } = 5;
}
