using Kinde.Migration.Auth0;

namespace Kinde.Migration.Joining;

/// <summary>How a user's password hash was found, or why none was.</summary>
public enum PasswordJoinOutcome
{
    /// <summary>No hash record matches the user.</summary>
    NotFound,

    /// <summary>Matched <c>auth0|(alt_id ?? _id)</c> to the user's <c>user_id</c>.</summary>
    ById,

    /// <summary>Matched to an <c>auth0</c> entry of the user's <c>identities[]</c> (a linked database account).</summary>
    ByLinkedIdentity,

    /// <summary>Matched by email, because no id matched.</summary>
    ByEmail,

    /// <summary>Several candidates matched (several users claim the hash, or several hashes share the email): none is used.</summary>
    Ambiguous,
}

/// <summary>The result of looking up one user's password hash.</summary>
/// <param name="Outcome">How it was matched.</param>
/// <param name="Hash">The hash record, when one was matched.</param>
public readonly record struct PasswordJoinResult(PasswordJoinOutcome Outcome, Auth0PasswordHash? Hash)
{
    /// <inheritdoc />
    public override string ToString() => Outcome.ToString();
}
