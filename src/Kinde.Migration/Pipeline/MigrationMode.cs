namespace Kinde.Migration.Pipeline;

/// <summary>The four ways Kinde's migration guide describes to leave Auth0 (plus the passwords pass of the second).</summary>
public enum MigrationMode
{
    /// <summary>Users with their password hashes, in one go.</summary>
    WithPasswords,

    /// <summary>Users first, without passwords; a later <see cref="PasswordsOnly"/> pass adds them.</summary>
    UsersOnly,

    /// <summary>Only passwords, for users already imported. For files: a cleaned hash file covering only accepted users,
    /// in the Auth0 shape Kinde's "Import passwords only" reads.</summary>
    PasswordsOnly,

    /// <summary>Users without passwords; they set a new one at next sign-in.</summary>
    NoPasswords,

    /// <summary>Users without passwords, moving to another sign-in method (e.g. passwordless email code).</summary>
    Passwordless,
}
