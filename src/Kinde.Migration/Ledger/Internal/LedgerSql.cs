namespace Kinde.Migration.Ledger.Internal;

/// <summary>The ledger's SQL: schema and statements. Every value is a parameter; nothing is concatenated.</summary>
internal static class LedgerSql
{
    /// <summary>The schema version this code writes and reads.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Rows read per page by the streaming queries (the connection is released between pages).</summary>
    public const int PageSize = 512;

    public const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";

    /// <summary>Creates the schema; idempotent. No column holds a password, a hash or any other secret.</summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER NOT NULL PRIMARY KEY,
            applied_at TEXT    NOT NULL
        );
        CREATE TABLE IF NOT EXISTS runs (
            run_id      TEXT NOT NULL PRIMARY KEY,
            description TEXT NOT NULL,
            started_at  TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS users (
            auth0_user_id     TEXT NOT NULL PRIMARY KEY,
            kinde_user_id     TEXT,
            kinde_id_run_id   TEXT REFERENCES runs(run_id),
            created_by_run_id TEXT REFERENCES runs(run_id),
            updated_at        TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_users_created_by_run ON users(created_by_run_id, kinde_user_id)
            WHERE created_by_run_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS ix_users_kinde_user_id ON users(kinde_user_id) WHERE kinde_user_id IS NOT NULL;
        CREATE TABLE IF NOT EXISTS steps (
            auth0_user_id TEXT    NOT NULL REFERENCES users(auth0_user_id),
            step          TEXT    NOT NULL CHECK (step IN ('create', 'set_password', 'suspend', 'set_properties', 'add_to_organizations', 'add_identities', 'update_profile')),
            status        TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'skipped')),
            run_id        TEXT    NOT NULL REFERENCES runs(run_id),
            attempts      INTEGER NOT NULL,
            kinde_user_id TEXT,
            error         TEXT,
            updated_at    TEXT    NOT NULL,
            PRIMARY KEY (auth0_user_id, step)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS deletions (
            kinde_user_id     TEXT NOT NULL,
            auth0_user_id     TEXT NOT NULL,
            created_by_run_id TEXT NOT NULL REFERENCES runs(run_id),
            deleted_at        TEXT NOT NULL,
            PRIMARY KEY (kinde_user_id, auth0_user_id)
        );
        INSERT OR IGNORE INTO schema_version (version, applied_at) VALUES (1, $now);
        """;

    public const string Savepoint = "SAVEPOINT ledger_call;";

    public const string ReleaseSavepoint = "RELEASE ledger_call;";

    /// <summary>Undoes a call inside a batch and ends its savepoint.</summary>
    public const string RollbackToSavepoint = "ROLLBACK TO ledger_call; RELEASE ledger_call;";

    public const string MaxSchemaVersion = "SELECT MAX(version) FROM schema_version;";

    public const string InsertRun =
        "INSERT OR IGNORE INTO runs (run_id, description, started_at) VALUES ($run, $description, $now);";

    public const string SelectRuns = "SELECT run_id, description, started_at FROM runs ORDER BY started_at, run_id;";

    public const string EnsureUser =
        "INSERT INTO users (auth0_user_id, updated_at) VALUES ($auth0, $now) ON CONFLICT (auth0_user_id) DO NOTHING;";

    public const string BeginStep = """
        INSERT INTO steps (auth0_user_id, step, status, run_id, attempts, kinde_user_id, error, updated_at)
        VALUES ($auth0, $step, 'pending', $run, 1, NULL, NULL, $now)
        ON CONFLICT (auth0_user_id, step) DO UPDATE SET
            status = 'pending', run_id = excluded.run_id, attempts = steps.attempts + 1,
            error = NULL, updated_at = excluded.updated_at;
        """;

    public const string CompleteStep = """
        INSERT INTO steps (auth0_user_id, step, status, run_id, attempts, kinde_user_id, error, updated_at)
        VALUES ($auth0, $step, $status, $run, 0, $kinde, $error, $now)
        ON CONFLICT (auth0_user_id, step) DO UPDATE SET
            status = excluded.status, run_id = excluded.run_id,
            kinde_user_id = COALESCE(excluded.kinde_user_id, steps.kinde_user_id),
            error = excluded.error, updated_at = excluded.updated_at;
        """;

    public const string SelectKindeId = "SELECT kinde_user_id FROM users WHERE auth0_user_id = $auth0;";

    /// <summary>Records the Kinde id; the first run that recorded it and the run that created the user are kept.</summary>
    public const string SetKindeId = """
        INSERT INTO users (auth0_user_id, kinde_user_id, kinde_id_run_id, created_by_run_id, updated_at)
        VALUES ($auth0, $kinde, $run, $created_by, $now)
        ON CONFLICT (auth0_user_id) DO UPDATE SET
            kinde_user_id = excluded.kinde_user_id,
            kinde_id_run_id = COALESCE(users.kinde_id_run_id, excluded.kinde_id_run_id),
            created_by_run_id = COALESCE(users.created_by_run_id, excluded.created_by_run_id),
            updated_at = excluded.updated_at;
        """;

    public const string SelectUser =
        "SELECT kinde_user_id, created_by_run_id FROM users WHERE auth0_user_id = $auth0;";

    public const string SelectSteps =
        "SELECT step, status, run_id, attempts, kinde_user_id, error, updated_at FROM steps WHERE auth0_user_id = $auth0;";

    public const string SelectIdMapPage = """
        SELECT auth0_user_id, kinde_user_id FROM users
        WHERE kinde_user_id IS NOT NULL AND auth0_user_id > $after
        ORDER BY auth0_user_id LIMIT $limit;
        """;

    public const string SelectCreatedByRunPage = """
        SELECT DISTINCT kinde_user_id FROM users
        WHERE created_by_run_id = $run AND kinde_user_id IS NOT NULL AND kinde_user_id > $after
        ORDER BY kinde_user_id LIMIT $limit;
        """;

    public const string SelectUsersByKindeId =
        "SELECT auth0_user_id, created_by_run_id FROM users WHERE kinde_user_id = $kinde;";

    public const string InsertDeletion = """
        INSERT OR IGNORE INTO deletions (kinde_user_id, auth0_user_id, created_by_run_id, deleted_at)
        VALUES ($kinde, $auth0, $run, $now);
        """;

    public const string DeleteSteps = "DELETE FROM steps WHERE auth0_user_id = $auth0;";

    public const string DeleteUser = "DELETE FROM users WHERE auth0_user_id = $auth0;";

    public const string CountSteps =
        "SELECT COUNT(*) FROM steps WHERE run_id = $run AND step = $step AND status = $status;";

    public const string CountDeletions =
        "SELECT COUNT(*) FROM deletions WHERE kinde_user_id = $kinde AND created_by_run_id = $run;";

    public static string StepName(LedgerStep step) => step switch
    {
        LedgerStep.Create => "create",
        LedgerStep.SetPassword => "set_password",
        LedgerStep.Suspend => "suspend",
        LedgerStep.SetProperties => "set_properties",
        LedgerStep.AddToOrganizations => "add_to_organizations",
        LedgerStep.AddIdentities => "add_identities",
        LedgerStep.UpdateProfile => "update_profile",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "Unknown ledger step."),
    };

    public static LedgerStep ParseStep(string name) => name switch
    {
        "create" => LedgerStep.Create,
        "set_password" => LedgerStep.SetPassword,
        "suspend" => LedgerStep.Suspend,
        "set_properties" => LedgerStep.SetProperties,
        "add_to_organizations" => LedgerStep.AddToOrganizations,
        "add_identities" => LedgerStep.AddIdentities,
        "update_profile" => LedgerStep.UpdateProfile,
        _ => throw new InvalidDataException("The ledger holds an unknown step name."),
    };

    public static string StatusName(LedgerStepStatus status) => status switch
    {
        LedgerStepStatus.Pending => "pending",
        LedgerStepStatus.Done => "done",
        LedgerStepStatus.Failed => "failed",
        LedgerStepStatus.Skipped => "skipped",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown ledger step status."),
    };

    public static LedgerStepStatus ParseStatus(string name) => name switch
    {
        "pending" => LedgerStepStatus.Pending,
        "done" => LedgerStepStatus.Done,
        "failed" => LedgerStepStatus.Failed,
        "skipped" => LedgerStepStatus.Skipped,
        _ => throw new InvalidDataException("The ledger holds an unknown step status."),
    };
}
