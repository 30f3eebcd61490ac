namespace Kinde.Migration.Pipeline;

/// <summary>What to do with several Auth0 users that share an email (e.g. an unlinked database and Google account).</summary>
public enum DuplicateEmailPolicy
{
    /// <summary>Make one Kinde user with all their identities (Kinde allows several identities and never duplicates an email).</summary>
    Merge,

    /// <summary>Keep the first user in file order and reject the others.</summary>
    Reject,
}
