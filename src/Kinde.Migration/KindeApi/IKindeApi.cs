namespace Kinde.Migration.KindeApi;

/// <summary>The Kinde Management API calls the importer makes. <see cref="KindeApiClient"/> implements it over HTTP;
/// every failure is a <see cref="KindeApiException"/>.</summary>
/// <remarks>Every call is resent after a 429 (Kinde did not process it). GET, PUT and DELETE calls ("retried") are also
/// resent after a 408, a 5xx, a network error or a timeout; POST and PATCH calls ("not retried") never are, since they
/// may have been carried out: the caller re-checks. A <see cref="KindeApiException"/> with a null
/// <see cref="KindeApiException.StatusCode"/> means no answer arrived.</remarks>
internal interface IKindeApi
{
    /// <summary>Gets the request counters.</summary>
    KindeApiStatistics Statistics { get; }

    /// <summary>Gets the metrics instruments (meter <see cref="KindeMigrationMetrics.MeterName"/>).</summary>
    KindeApiMetrics Metrics { get; }

    /// <summary>Finds users by email (<c>GET /api/v1/users?email=a,b</c>, batched, all pages; retried).</summary>
    Task<IReadOnlyList<KindeUserRef>> GetUsersByEmailAsync(IReadOnlyList<string> emails, CancellationToken ct = default);

    /// <summary>Finds users by E.164 phone number (<c>GET /api/v1/users?phone=a,b</c>, batched, all pages).</summary>
    Task<IReadOnlyList<KindeUserRef>> GetUsersByPhoneAsync(IReadOnlyList<string> phones, CancellationToken ct = default);

    /// <summary>Finds users by username (<c>GET /api/v1/users?username=a,b</c>, batched, all pages).</summary>
    Task<IReadOnlyList<KindeUserRef>> GetUsersByUsernameAsync(IReadOnlyList<string> usernames, CancellationToken ct = default);

    /// <summary>Creates a user (<c>POST /api/v1/user</c>; not retried).</summary>
    Task<KindeCreatedUser> CreateUserAsync(KindeNewUser user, CancellationToken ct = default);

    /// <summary>Adds an identity to a user (<c>POST /api/v1/users/{id}/identities</c>; not retried); returns the identity
    /// id, or <see langword="null"/> when Kinde's answer had none.</summary>
    Task<string?> AddIdentityAsync(string userId, KindeNewIdentity identity, CancellationToken ct = default);

    /// <summary>Sets a user's password hash (<c>PUT /api/v1/users/{id}/password</c>; idempotent, retried).</summary>
    Task SetPasswordAsync(string userId, KindePasswordRequest password, CancellationToken ct = default);

    /// <summary>Updates a user (<c>PATCH /api/v1/user?id=</c>; not retried).</summary>
    Task UpdateUserAsync(string userId, bool? isSuspended, CancellationToken ct = default);

    /// <summary>Updates a user's given and family names (<c>PATCH /api/v1/user?id=</c>).</summary>
    Task UpdateProfileAsync(string userId, string? givenName, string? familyName, CancellationToken ct = default);

    /// <summary>Sets property values (<c>PATCH /api/v1/users/{id}/properties</c>; not retried).</summary>
    Task SetPropertiesAsync(string userId, IReadOnlyDictionary<string, string> properties, CancellationToken ct = default);

    /// <summary>Deletes a user (<c>DELETE /api/v1/user?id=</c>; idempotent, retried). A 404 is not an
    /// error: returns false (also when an earlier attempt of this call deleted the user but its answer was lost).</summary>
    Task<bool> DeleteUserAsync(string userId, CancellationToken ct = default);

    /// <summary>Lists every organization (<c>GET /api/v1/organizations</c>, all pages; retried).</summary>
    Task<IReadOnlyList<KindeOrganizationRef>> ListOrganizationsAsync(CancellationToken ct = default);

    /// <summary>Creates an organization (<c>POST /api/v1/organization</c>; not retried); returns its code.</summary>
    Task<string> CreateOrganizationAsync(string name, string? externalId, CancellationToken ct = default);

    /// <summary>Adds users to an organization with role and permission keys (<c>POST /api/v1/organizations/{code}/users</c>),
    /// at most 100 a request (larger lists are sent in chunks, in order); not retried.</summary>
    Task AddOrganizationUsersAsync(string orgCode, IReadOnlyList<KindeOrganizationUserRequest> users, CancellationToken ct = default);

    /// <summary>Lists every role (<c>GET /api/v1/roles</c>, all pages; retried).</summary>
    Task<IReadOnlyList<KindeKeyedRef>> ListRolesAsync(CancellationToken ct = default);

    /// <summary>Creates a role (<c>POST /api/v1/roles</c>; not retried); returns its id, or
    /// <see langword="null"/> when Kinde's answer had none.</summary>
    Task<string?> CreateRoleAsync(string key, string name, string? description, CancellationToken ct = default);

    /// <summary>Lists every permission (<c>GET /api/v1/permissions</c>, all pages; retried).</summary>
    Task<IReadOnlyList<KindeKeyedRef>> ListPermissionsAsync(CancellationToken ct = default);

    /// <summary>Creates a permission (<c>POST /api/v1/permissions</c>; not retried). Kinde returns no id: list
    /// the permissions to find it.</summary>
    Task CreatePermissionAsync(string key, string name, string? description, CancellationToken ct = default);

    /// <summary>Lists the user property definitions (<c>GET /api/v1/properties?context=usr</c>, all pages by
    /// <c>has_more</c>/<c>starting_after</c>; retried).</summary>
    Task<IReadOnlyList<KindeKeyedRef>> ListUserPropertiesAsync(CancellationToken ct = default);

    /// <summary>Lists the user property categories (<c>GET /api/v1/property_categories?context=usr</c>, all
    /// pages by <c>has_more</c>/<c>starting_after</c>; retried). <see cref="KindeKeyedRef.Key"/> is the name.</summary>
    Task<IReadOnlyList<KindeKeyedRef>> ListUserPropertyCategoriesAsync(CancellationToken ct = default);

    /// <summary>Creates a user property category (<c>POST /api/v1/property_categories</c>, context <c>usr</c>; not
    /// retried); returns its id.</summary>
    Task<string> CreateUserPropertyCategoryAsync(string name, CancellationToken ct = default);

    /// <summary>Defines a user property (<c>POST /api/v1/properties</c>: context <c>usr</c>, type
    /// <c>multi_line_text</c>, private; not retried); returns its id, or <see langword="null"/> when Kinde's answer had none.</summary>
    Task<string?> CreateUserPropertyAsync(string key, string name, string categoryId, CancellationToken ct = default);
}

/// <summary>An organization as listed by Kinde.</summary>
/// <param name="Code">The Kinde org code.</param>
/// <param name="Name">The name.</param>
/// <param name="ExternalId">The external id (the Auth0 organization id when migrated), if any.</param>
/// <param name="IsDefault">Whether it is the business's default organization.</param>
internal sealed record KindeOrganizationRef(string Code, string? Name, string? ExternalId, bool IsDefault);

/// <summary>A role, permission, property or property category as listed by Kinde: id and key (categories: id and name
/// in <see cref="Key"/>).</summary>
/// <param name="Id">The Kinde id.</param>
/// <param name="Key">The key (for categories: the name).</param>
internal sealed record KindeKeyedRef(string Id, string Key);

/// <summary>One user of <see cref="IKindeApi.AddOrganizationUsersAsync"/>.</summary>
/// <param name="Id">The Kinde user id.</param>
/// <param name="Roles">Role keys.</param>
/// <param name="Permissions">Permission keys.</param>
internal sealed record KindeOrganizationUserRequest(string Id, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions);

/// <summary>An identity for <see cref="IKindeApi.AddIdentityAsync"/>.</summary>
/// <param name="Type"><c>email</c>, <c>phone</c>, <c>username</c>, <c>social</c> or <c>enterprise</c>.</param>
/// <param name="Value">The value (email address, E.164 phone, username).</param>
/// <param name="PhoneCountryId">For phone identities, the country id (e.g. <c>au</c>), if known.</param>
/// <param name="ConnectionId">For social and enterprise identities, the Kinde connection id.</param>
internal sealed record KindeNewIdentity(string Type, string Value, string? PhoneCountryId = null, string? ConnectionId = null);

/// <summary>The body of <see cref="IKindeApi.SetPasswordAsync"/>. Never logged nor put in an exception.</summary>
/// <param name="HashedPassword">The hash.</param>
/// <param name="HashingMethod">The <c>hashing_method</c>; <see langword="null"/> for Kinde's default (bcrypt).</param>
/// <param name="Salt">The salt, if the method needs one.</param>
/// <param name="SaltPosition"><c>prefix</c> or <c>suffix</c>, if needed.</param>
/// <param name="Iterations">pbkdf2 iterations, if known.</param>
/// <param name="Variant">pbkdf2 variant, if needed.</param>
internal sealed record KindePasswordRequest(
    string HashedPassword, string? HashingMethod, string? Salt = null, string? SaltPosition = null, int? Iterations = null, string? Variant = null)
{
    /// <summary>Hides the hash.</summary>
    /// <returns>The method only.</returns>
    public override string ToString() => $"{HashingMethod ?? "bcrypt"} password (hash hidden)";
}
