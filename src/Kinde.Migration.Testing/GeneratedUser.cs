namespace Kinde.Migration.Testing;

/// <summary>One synthetic Auth0 user, with the exact export lines <see cref="Auth0ExportGenerator"/> writes for it.</summary>
public sealed record GeneratedUser
{
    /// <summary>Gets the 0-based position of the user in the generated sequence.</summary>
    public required int Index { get; init; }

    /// <summary>Gets the root Auth0 <c>user_id</c>, e.g. <c>auth0|65a1…</c> or <c>samlp|acme-saml|E0000123</c>.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the root <c>email</c>, or <see langword="null"/> when the record has none (SMS, SAML, some GitHub).</summary>
    public string? Email { get; init; }

    /// <summary>Gets the user's family, one of the <see cref="GeneratedUserFamily"/> constants.</summary>
    public required string Family { get; init; }

    /// <summary>Gets a value indicating whether the user is blocked (<c>"blocked":true</c>).</summary>
    public bool Blocked { get; init; }

    /// <summary>Gets the user's NDJSON line (raw Auth0 attribute names), without the trailing newline.</summary>
    public required string NdjsonLine { get; init; }

    /// <summary>Gets the user's password-hash export line, without the trailing newline, or <see langword="null"/>
    /// when the user has no hash record.</summary>
    public string? PasswordHashLine { get; init; }

    /// <summary>Gets the root <c>user_id</c> of the user the hash record belongs to (this user's
    /// <see cref="UserId"/>, also for linked users whose hash is keyed by their secondary identity), or
    /// <see langword="null"/> when the user has no hash record.</summary>
    public string? HashOwnerUserId { get; init; }

    /// <summary>Gets the id the hash record resolves to by Auth0's rule <c>auth0|</c> + (<c>alt_id</c> ?? <c>_id</c>):
    /// <see cref="UserId"/> for database users, <c>auth0|&lt;secondary identity user_id&gt;</c> for linked users;
    /// <see langword="null"/> when the user has no hash record.</summary>
    public string? HashAuth0UserId { get; init; }
}
