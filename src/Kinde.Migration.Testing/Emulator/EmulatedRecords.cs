namespace Kinde.Migration.Testing.Emulator;

/// <summary>A snapshot of a user held by the emulator.</summary>
/// <param name="Id">The Kinde user id (<c>kp_…</c>).</param>
/// <param name="ProvidedId">The external id given at creation or by update, if any.</param>
/// <param name="FirstName">The first name (<c>given_name</c>), if any.</param>
/// <param name="LastName">The last name (<c>family_name</c>), if any.</param>
/// <param name="Picture">The picture URL, if any.</param>
/// <param name="IsSuspended">Whether the user is suspended.</param>
/// <param name="IsPasswordResetRequested">Whether a password reset on next sign-in was requested.</param>
/// <param name="Identities">The user's identities, in the order they were added.</param>
/// <param name="Password">The password that was set, or <see langword="null"/> when none was.</param>
/// <param name="Properties">The user's property values by property key.</param>
/// <param name="CreatedOn">When the user was created, by the emulator's clock.</param>
public sealed record EmulatedUser(
    string Id,
    string? ProvidedId,
    string? FirstName,
    string? LastName,
    string? Picture,
    bool IsSuspended,
    bool IsPasswordResetRequested,
    IReadOnlyList<EmulatedIdentity> Identities,
    EmulatedPassword? Password,
    IReadOnlyDictionary<string, string> Properties,
    DateTimeOffset CreatedOn)
{
    /// <summary>Gets the value of the user's first email identity, or <see langword="null"/> when there is none.</summary>
    public string? Email => Identities.FirstOrDefault(i => i.Type == "email")?.Value;
}

/// <summary>A snapshot of one identity of a user.</summary>
/// <param name="Id">The identity id (<c>identity_…</c>).</param>
/// <param name="Type">The identity type: <c>email</c>, <c>phone</c>, <c>username</c>, <c>social</c> or <c>enterprise</c>.</param>
/// <param name="Value">The email address, phone number, username or social/enterprise value.</param>
/// <param name="IsVerified">Whether the identity was created as verified.</param>
/// <param name="PhoneCountryId">The phone country id, for phone identities.</param>
/// <param name="ConnectionId">The connection id, for social and enterprise identities.</param>
public sealed record EmulatedIdentity(
    string Id, string Type, string Value, bool IsVerified, string? PhoneCountryId, string? ConnectionId);

/// <summary>A snapshot of the password set on a user. The hash itself is never kept: only its SHA-256 fingerprint.</summary>
/// <param name="HashingMethod">The <c>hashing_method</c> (<c>bcrypt</c> when the request left it out).</param>
/// <param name="HashFingerprint">The lower-case hex SHA-256 of the UTF-8 <c>hashed_password</c>.</param>
/// <param name="IsTemporary">The <c>is_temporary_password</c> flag.</param>
/// <param name="HasSalt">Whether a <c>salt</c> was sent.</param>
public sealed record EmulatedPassword(string HashingMethod, string HashFingerprint, bool IsTemporary, bool HasSalt)
{
    /// <summary>Computes the fingerprint the emulator stores for a hash, so a test can compare without keeping the hash.</summary>
    /// <param name="hashedPassword">The hash as sent in <c>hashed_password</c>.</param>
    /// <returns>The lower-case hex SHA-256 of the UTF-8 bytes of <paramref name="hashedPassword"/>.</returns>
    public static string Fingerprint(string hashedPassword)
    {
        ArgumentNullException.ThrowIfNull(hashedPassword);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(hashedPassword)));
    }
}

/// <summary>A snapshot of an organization.</summary>
/// <param name="Code">The Kinde-assigned organization code (<c>org_…</c>).</param>
/// <param name="Name">The organization's name.</param>
/// <param name="ExternalId">The external id, if any.</param>
/// <param name="Handle">The handle, if any.</param>
/// <param name="IsDefault">Whether this is the business's default organization.</param>
/// <param name="Members">The members, in the order they joined.</param>
public sealed record EmulatedOrganization(
    string Code, string? Name, string? ExternalId, string? Handle, bool IsDefault, IReadOnlyList<EmulatedMembership> Members);

/// <summary>A snapshot of a user's membership of an organization.</summary>
/// <param name="UserId">The member's user id.</param>
/// <param name="Roles">The role keys the user has in the organization.</param>
/// <param name="Permissions">The permission keys given to the user directly in the organization.</param>
public sealed record EmulatedMembership(string UserId, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions);

/// <summary>A snapshot of a role.</summary>
/// <param name="Id">The role id.</param>
/// <param name="Key">The role key.</param>
/// <param name="Name">The role name.</param>
/// <param name="Description">The description, if any.</param>
/// <param name="IsDefaultRole">Whether the role is the default role.</param>
/// <param name="PermissionIds">The ids of the permissions the role carries.</param>
public sealed record EmulatedRole(
    string Id, string Key, string Name, string? Description, bool IsDefaultRole, IReadOnlyList<string> PermissionIds);

/// <summary>A snapshot of a permission.</summary>
/// <param name="Id">The permission id.</param>
/// <param name="Key">The permission key.</param>
/// <param name="Name">The permission name.</param>
/// <param name="Description">The description, if any.</param>
public sealed record EmulatedPermission(string Id, string Key, string Name, string? Description);

/// <summary>A snapshot of a property definition.</summary>
/// <param name="Id">The property id (<c>prop_…</c>).</param>
/// <param name="Key">The property key.</param>
/// <param name="Name">The property name.</param>
/// <param name="Description">The description, if any.</param>
/// <param name="Type"><c>single_line_text</c> or <c>multi_line_text</c>.</param>
/// <param name="Context"><c>usr</c>, <c>org</c> or <c>app</c>.</param>
/// <param name="IsPrivate">Whether the property is kept out of tokens.</param>
/// <param name="CategoryId">The id of the property's category.</param>
public sealed record EmulatedProperty(
    string Id, string Key, string Name, string? Description, string Type, string Context, bool IsPrivate, string CategoryId);

/// <summary>A snapshot of a property category.</summary>
/// <param name="Id">The category id (<c>cat_…</c>).</param>
/// <param name="Name">The category name.</param>
/// <param name="Context"><c>usr</c>, <c>org</c> or <c>app</c>.</param>
public sealed record EmulatedPropertyCategory(string Id, string Name, string Context);
