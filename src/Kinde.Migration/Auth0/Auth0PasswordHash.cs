using System.Diagnostics;

namespace Kinde.Migration.Auth0;

/// <summary>One record of the password-hash export Auth0 support sends (NDJSON with MongoDB-style keys).</summary>
/// <remarks>
/// <see cref="ToString"/> and the debugger display never show <see cref="PasswordHash"/>; keep it that way in
/// anything that logs or reports a record.
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class Auth0PasswordHash
{
    /// <summary>Gets or sets <c>_id</c> (from <c>{"$oid": …}</c> or a plain string).</summary>
    public string Id { get; set; } = "";

    /// <summary>Gets or sets <c>alt_id</c>, the custom user id of custom-DB or API-created users.</summary>
    public string? AltId { get; set; }

    /// <summary>Gets or sets the root <c>email</c>.</summary>
    public string? Email { get; set; }

    /// <summary>Gets or sets the root <c>email_verified</c>.</summary>
    public bool? EmailVerified { get; set; }

    /// <summary>Gets or sets <c>username</c>.</summary>
    public string? Username { get; set; }

    /// <summary>Gets or sets the password hash (bcrypt for Auth0 database users). Sensitive: never log it.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>Gets or sets <c>password_set_date</c>.</summary>
    public DateTimeOffset? PasswordSetDate { get; set; }

    /// <summary>Gets or sets <c>last_password_reset</c>.</summary>
    public DateTimeOffset? LastPasswordReset { get; set; }

    /// <summary>Gets or sets the Auth0 tenant name.</summary>
    public string? Tenant { get; set; }

    /// <summary>Gets or sets the database connection name.</summary>
    public string? Connection { get; set; }

    /// <summary>Gets or sets the export's <c>version</c>, e.g. <c>1.1</c>.</summary>
    public string? Version { get; set; }

    /// <summary>Gets or sets Auth0's internal <c>_tmp_is_unique</c> flag.</summary>
    public bool? TmpIsUnique { get; set; }

    /// <summary>Gets the <c>identifiers[]</c> entries (email, username, …).</summary>
    public IList<Auth0Identifier> Identifiers { get; } = new List<Auth0Identifier>();

    /// <summary>Gets the Auth0 <c>user_id</c> this hash belongs to: <c>auth0|</c> + (<c>alt_id</c> ?? <c>_id</c>).</summary>
    public string Auth0UserId => "auth0|" + (AltId ?? Id);

    /// <summary>Gets the email: the root <c>email</c>, else the first <c>identifiers[]</c> entry of type email.</summary>
    public string? EffectiveEmail => Email ?? Identifiers.FirstOrDefault(i => string.Equals(i.Type, "email", StringComparison.OrdinalIgnoreCase))?.Value;

    /// <inheritdoc />
    public override string ToString() => Auth0UserId + " (password hash hidden)";
}
