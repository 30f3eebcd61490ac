using System.Diagnostics;
using System.Text.Json.Nodes;
using Kinde.Migration.Auth0;

namespace Kinde.Migration.Target;

/// <summary>
/// A user as Kinde imports it: the target model of the migration, mirroring Kinde's import schema
/// (Custom NDJSON / Custom CSV) plus what only the Management API can set (picture, suspension).
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class KindeUser
{
    // Made on first use: most users have neither (the pipeline's own code reads the fields, so never makes them).
    private List<KindeOrganizationMembership>? _organizations;
    private Dictionary<string, string>? _properties;

    /// <summary>Gets or sets the provided (external) id; by default the Auth0 <c>user_id</c>.</summary>
    public string? Id { get; set; }

    /// <summary>Gets or sets the first name.</summary>
    public string? FirstName { get; set; }

    /// <summary>Gets or sets the last name.</summary>
    public string? LastName { get; set; }

    /// <summary>Gets or sets the picture URL (the import files have no column for it; the API sets it).</summary>
    public string? Picture { get; set; }

    /// <summary>Gets the identities: email, phone, username and social (<c>oauth2:google</c>, …).</summary>
    // Room for two: most users have one or two identities, and the default first growth makes room for four.
    public IList<KindeIdentity> Identities { get; } = new List<KindeIdentity>(2);

    /// <summary>Gets or sets the password hash to import, or <see langword="null"/> for none.</summary>
    public KindePassword? Password { get; set; }

    /// <summary>Gets the organizations the user belongs to, with role and permission keys.</summary>
    public IList<KindeOrganizationMembership> Organizations => _organizations ??= [];

    /// <summary>Gets the user properties (custom data) by property key; values are text.</summary>
    public IDictionary<string, string> Properties => _properties ??= new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets whether the user is suspended in Kinde (Auth0 <c>blocked</c>).</summary>
    public bool Suspended { get; set; }

    /// <summary>Gets the Auth0 <c>user_id</c>s this user was made from (several when same-email users were merged).</summary>
    // Room for one: only merged users have more.
    public IList<string> SourceUserIds { get; } = new List<string>(1);

    /// <summary>Gets the first email identity's value, if any.</summary>
    public string? Email => Identities.FirstOrDefault(i => i.Type == KindeIdentityTypes.Email)?.Value;

    /// <summary>Gets the first phone identity's value, if any.</summary>
    public string? Phone => Identities.FirstOrDefault(i => i.Type == KindeIdentityTypes.Phone)?.Value;

    /// <summary>Gets the first username identity's value, if any.</summary>
    public string? Username => Identities.FirstOrDefault(i => i.Type == KindeIdentityTypes.Username)?.Value;

    /// <summary>Gets the organizations, or <see langword="null"/> while none was ever added.</summary>
    internal List<KindeOrganizationMembership>? OrganizationsOrNull => _organizations;

    /// <summary>Gets the properties, or <see langword="null"/> while none was ever added.</summary>
    internal Dictionary<string, string>? PropertiesOrNull => _properties;

    /// <inheritdoc />
    public override string ToString() => Id ?? "(no id)";

    /// <summary>Gets the properties, made with room for <paramref name="capacity"/> when they do not exist yet.</summary>
    internal Dictionary<string, string> PropertiesWithCapacity(int capacity) =>
        _properties ??= new Dictionary<string, string>(capacity, StringComparer.Ordinal);
}

/// <summary>One identity of a <see cref="KindeUser"/>.</summary>
/// <param name="Type">The identity type: <c>email</c>, <c>phone</c>, <c>username</c> or a social type such as <c>oauth2:google</c>.</param>
/// <param name="Value">The email, E.164 phone number, username, or the id at the social provider.</param>
/// <param name="IsVerified">Whether the email or phone was verified.</param>
public sealed record KindeIdentity(string Type, string Value, bool? IsVerified = null)
{
    /// <summary>Gets the social provider name (e.g. <c>google</c>) for social identities.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets provider profile data carried with a social identity.</summary>
    public JsonObject? Profile { get; init; }
}

/// <summary>Identity types Kinde's import schema names.</summary>
public static class KindeIdentityTypes
{
    /// <summary>An email identity.</summary>
    public const string Email = "email";

    /// <summary>A phone identity (E.164).</summary>
    public const string Phone = "phone";

    /// <summary>A username identity.</summary>
    public const string Username = "username";

    /// <summary>Gets a value indicating whether <paramref name="type"/> is a social (<c>oauth2:…</c>) identity type.</summary>
    /// <param name="type">An identity type.</param>
    /// <returns><see langword="true"/> for social types.</returns>
    public static bool IsSocial(string type) => type.StartsWith("oauth2:", StringComparison.Ordinal);
}

/// <summary>A password hash in the form Kinde imports it.</summary>
/// <remarks><see cref="ToString"/> never shows the hash.</remarks>
public sealed class KindePassword
{
    /// <summary>Gets or sets the hash (for bcrypt, the full <c>$2a$…</c> string). Sensitive.</summary>
    public required string HashedPassword { get; set; }

    /// <summary>Gets or sets Kinde's hashing method: <c>bcrypt</c>, <c>crypt</c>, <c>md5</c>, <c>sha256</c>, <c>wordpress</c>, <c>pbkdf2</c>, ….</summary>
    public required string HashingMethod { get; set; }

    /// <summary>Gets or sets the salt, for methods that use a separate one.</summary>
    public string? Salt { get; set; }

    /// <summary>Gets or sets where the salt goes: <c>prefix</c> or <c>suffix</c>.</summary>
    public string? SaltPosition { get; set; }

    /// <summary>Gets or sets the salt's format: <c>hex</c> or <c>string</c>.</summary>
    public string? SaltFormat { get; set; }

    /// <summary>Gets or sets the iteration count (pbkdf2).</summary>
    public int? Iterations { get; set; }

    /// <summary>Gets or sets the variant (pbkdf2, e.g. <c>salted-pbkdf2-hmac-sha256</c>).</summary>
    public string? Variant { get; set; }

    /// <summary>Gets or sets the Auth0 hash-export record this password came from, when it came from one
    /// (used to write the cleaned hash file of the passwords-only approach).</summary>
    public Auth0PasswordHash? Source { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{HashingMethod} password (hash hidden)";
}

/// <summary>A user's membership of one organization.</summary>
/// <param name="ExternalId">The organization's <c>external_id</c> in Kinde; empty for the default organization.</param>
public sealed record KindeOrganizationMembership(string ExternalId)
{
    /// <summary>Gets the role keys the user has in the organization.</summary>
    public IList<string> Roles { get; init; } = new List<string>();

    /// <summary>Gets the permission keys the user has in the organization.</summary>
    public IList<string> Permissions { get; init; } = new List<string>();
}
