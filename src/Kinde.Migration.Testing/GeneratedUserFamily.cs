namespace Kinde.Migration.Testing;

/// <summary>The kinds of Auth0 user <see cref="Auth0ExportGenerator"/> produces (<see cref="GeneratedUser.Family"/>).</summary>
/// <remarks>
/// Families cycle with a period of 20 users (8 database, 2 database with a custom id, 2 Google, and one of each
/// other family), so every run of 20 or more consecutive users contains every family.
/// </remarks>
public static class GeneratedUserFamily
{
    /// <summary>Database user with an ObjectId: <c>auth0|&lt;24 hex&gt;</c>; has a password hash.</summary>
    public const string Database = "database";

    /// <summary>Database user with a custom id, <c>auth0|legacy-000123</c>; its hash record carries <c>alt_id</c>.</summary>
    public const string DatabaseAltId = "database-alt-id";

    /// <summary>Google social user, <c>google-oauth2|&lt;21 digits&gt;</c>.</summary>
    public const string Google = "google";

    /// <summary>GitHub social user, <c>github|&lt;number&gt;</c>; the identity's <c>user_id</c> is a JSON number.</summary>
    public const string GitHub = "github";

    /// <summary>Microsoft Account social user, <c>windowslive|&lt;16 hex&gt;</c>.</summary>
    public const string WindowsLive = "windowslive";

    /// <summary>Passwordless email user, <c>email|&lt;24 hex&gt;</c>.</summary>
    public const string Email = "email";

    /// <summary>Passwordless SMS user, <c>sms|&lt;24 hex&gt;</c>, with a unique phone number (<c>+1555555xxxx</c>, then <c>+1555556xxxx</c>, …) and no email.</summary>
    public const string Sms = "sms";

    /// <summary>SAML enterprise user, <c>samlp|&lt;connection&gt;|&lt;id&gt;</c>, with no email.</summary>
    public const string Saml = "samlp";

    /// <summary>Custom OAuth2 social user, <c>oauth2|&lt;connection&gt;|&lt;id&gt;</c>.</summary>
    public const string OAuth2 = "oauth2";

    /// <summary>AD/LDAP connector user, <c>ad|&lt;connection&gt;|&lt;user&gt;</c>.</summary>
    public const string ActiveDirectory = "ad";

    /// <summary>Social primary (Google or custom OAuth2) with a linked secondary database identity that has a hash.</summary>
    public const string Linked = "linked";

    /// <summary>Gets every family, in cycle order of first appearance.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Database, DatabaseAltId, Google, GitHub, WindowsLive, Email, Sms, Saml, OAuth2, ActiveDirectory, Linked];

    /// <summary>Gets whether users of <paramref name="family"/> can carry a password hash.</summary>
    /// <param name="family">A family name.</param>
    /// <returns><see langword="true"/> for database, database-alt-id and linked users.</returns>
    public static bool CarriesPassword(string family) => family is Database or DatabaseAltId or Linked;
}
