using System.Text.Json.Serialization;

namespace Kinde.Migration.KindeApi;

/// <summary>The JSON contract of the Kinde calls the importer makes: snake_case names, nulls left out.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KindeTokenResponse))]
[JsonSerializable(typeof(KindeUsersResponse))]
[JsonSerializable(typeof(KindeCreateUserRequest))]
[JsonSerializable(typeof(KindeCreateUserResponse))]
[JsonSerializable(typeof(KindeSetPasswordRequest))]
[JsonSerializable(typeof(KindeUpdateUserRequest))]
[JsonSerializable(typeof(KindeUpdateProfileRequest))]
[JsonSerializable(typeof(KindeSetPropertiesRequest))]
[JsonSerializable(typeof(KindeAddIdentityRequest))]
[JsonSerializable(typeof(KindeAddIdentityResponse))]
[JsonSerializable(typeof(KindeOrganizationsResponse))]
[JsonSerializable(typeof(KindeCreateOrganizationRequest))]
[JsonSerializable(typeof(KindeCreateOrganizationResponse))]
[JsonSerializable(typeof(KindeAddOrganizationUsersRequest))]
[JsonSerializable(typeof(KindeRolesResponse))]
[JsonSerializable(typeof(KindePermissionsResponse))]
[JsonSerializable(typeof(KindeCreateKeyedRequest))]
[JsonSerializable(typeof(KindeCreateRoleResponse))]
[JsonSerializable(typeof(KindePropertiesResponse))]
[JsonSerializable(typeof(KindeCategoriesResponse))]
[JsonSerializable(typeof(KindeCreateCategoryRequest))]
[JsonSerializable(typeof(KindeCreateCategoryResponse))]
[JsonSerializable(typeof(KindeCreatePropertyRequest))]
[JsonSerializable(typeof(KindeCreatePropertyResponse))]
internal sealed partial class KindeApiJsonContext : JsonSerializerContext;

/// <summary>The body of a successful <c>POST /oauth2/token</c>.</summary>
internal sealed record KindeTokenResponse(string? AccessToken, string? TokenType, long? ExpiresIn);

/// <summary>One page of <c>GET /api/v1/users</c> (only the fields the importer reads).</summary>
internal sealed record KindeUsersResponse(IReadOnlyList<KindeListedUser>? Users, string? NextToken);

/// <summary>A user in <c>GET /api/v1/users</c>.</summary>
internal sealed record KindeListedUser(string? Id, string? Email, string? Phone, string? Username);

/// <summary>The body of <c>POST /api/v1/user</c>.</summary>
internal sealed record KindeCreateUserRequest(
    KindeCreateUserProfile? Profile, string? OrganizationCode, string? ProvidedId, IReadOnlyList<KindeCreateUserIdentity>? Identities);

/// <summary>The <c>profile</c> of a created user.</summary>
internal sealed record KindeCreateUserProfile(string? GivenName, string? FamilyName);

/// <summary>One <c>identities[]</c> entry of a created user.</summary>
internal sealed record KindeCreateUserIdentity(string Type, bool? IsVerified, KindeIdentityDetails Details);

/// <summary>The <c>details</c> of a created identity.</summary>
internal sealed record KindeIdentityDetails(string? Email = null, string? Phone = null, string? PhoneCountryId = null, string? Username = null);

/// <summary>The body of a successful <c>POST /api/v1/user</c>.</summary>
internal sealed record KindeCreateUserResponse(string? Id, bool? Created);

/// <summary>The body of <c>PUT /api/v1/users/{id}/password</c>. Never logged.</summary>
internal sealed record KindeSetPasswordRequest(
    string HashedPassword, string? HashingMethod, string? Salt, string? SaltPosition, int? Iterations, string? Variant)
{
    /// <summary>Hides the hash.</summary>
    /// <returns>The method only.</returns>
    public override string ToString() => $"{HashingMethod ?? "bcrypt"} password (hash hidden)";
}

/// <summary>The body of <c>PATCH /api/v1/user?id=</c>.</summary>
internal sealed record KindeUpdateUserRequest(bool? IsSuspended);

/// <summary>The body of <c>PATCH /api/v1/user?id=</c> when the profile names are updated.</summary>
internal sealed record KindeUpdateProfileRequest(string? GivenName, string? FamilyName);

/// <summary>The body of <c>PATCH /api/v1/users/{id}/properties</c>.</summary>
internal sealed record KindeSetPropertiesRequest(IReadOnlyDictionary<string, string> Properties);

/// <summary>The body of <c>POST /api/v1/users/{id}/identities</c>.</summary>
internal sealed record KindeAddIdentityRequest(string Value, string Type, string? PhoneCountryId, string? ConnectionId);

/// <summary>The body of a successful <c>POST /api/v1/users/{id}/identities</c> (<c>create_identity_response</c>).</summary>
internal sealed record KindeAddIdentityResponse(KindeIdRef? Identity);

/// <summary>An <c>{"id": …}</c> object.</summary>
internal sealed record KindeIdRef(string? Id);

/// <summary>One page of <c>GET /api/v1/organizations</c>.</summary>
internal sealed record KindeOrganizationsResponse(IReadOnlyList<KindeListedOrganization>? Organizations, string? NextToken);

/// <summary>An organization in <c>GET /api/v1/organizations</c> (<c>organization_item_schema</c>).</summary>
internal sealed record KindeListedOrganization(string? Code, string? Name, string? ExternalId, bool? IsDefault);

/// <summary>The body of <c>POST /api/v1/organization</c>.</summary>
internal sealed record KindeCreateOrganizationRequest(string Name, string? ExternalId);

/// <summary>The body of a successful <c>POST /api/v1/organization</c>.</summary>
internal sealed record KindeCreateOrganizationResponse(KindeOrganizationCode? Organization);

/// <summary>The <c>organization</c> of <see cref="KindeCreateOrganizationResponse"/>.</summary>
internal sealed record KindeOrganizationCode(string? Code);

/// <summary>The body of <c>POST /api/v1/organizations/{org_code}/users</c>.</summary>
internal sealed record KindeAddOrganizationUsersRequest(IReadOnlyList<KindeOrganizationUserBody> Users);

/// <summary>One user of <see cref="KindeAddOrganizationUsersRequest"/>: role and permission keys (left out when none).</summary>
internal sealed record KindeOrganizationUserBody(string Id, IReadOnlyList<string>? Roles, IReadOnlyList<string>? Permissions);

/// <summary>One page of <c>GET /api/v1/roles</c>.</summary>
internal sealed record KindeRolesResponse(IReadOnlyList<KindeListedKeyed>? Roles, string? NextToken);

/// <summary>One page of <c>GET /api/v1/permissions</c>.</summary>
internal sealed record KindePermissionsResponse(IReadOnlyList<KindeListedKeyed>? Permissions, string? NextToken);

/// <summary>A role, permission or property in a list: id, key and name.</summary>
internal sealed record KindeListedKeyed(string? Id, string? Key, string? Name);

/// <summary>The body of <c>POST /api/v1/roles</c> and <c>POST /api/v1/permissions</c>.</summary>
internal sealed record KindeCreateKeyedRequest(string Name, string? Description, string Key);

/// <summary>The body of a successful <c>POST /api/v1/roles</c>.</summary>
internal sealed record KindeCreateRoleResponse(KindeIdRef? Role);

/// <summary>One page of <c>GET /api/v1/properties</c>.</summary>
internal sealed record KindePropertiesResponse(IReadOnlyList<KindeListedKeyed>? Properties, bool? HasMore);

/// <summary>One page of <c>GET /api/v1/property_categories</c>.</summary>
internal sealed record KindeCategoriesResponse(IReadOnlyList<KindeListedKeyed>? Categories, bool? HasMore);

/// <summary>The body of <c>POST /api/v1/property_categories</c>.</summary>
internal sealed record KindeCreateCategoryRequest(string Name, string Context);

/// <summary>The body of a successful <c>POST /api/v1/property_categories</c>.</summary>
internal sealed record KindeCreateCategoryResponse(KindeIdRef? Category);

/// <summary>The body of <c>POST /api/v1/properties</c>.</summary>
internal sealed record KindeCreatePropertyRequest(string Name, string Key, string Type, string Context, bool IsPrivate, string CategoryId);

/// <summary>The body of a successful <c>POST /api/v1/properties</c>.</summary>
internal sealed record KindeCreatePropertyResponse(KindeIdRef? Property);

/// <summary>A new user for <see cref="KindeApiClient.CreateUserAsync"/>. Identities with a null value are left out.</summary>
/// <param name="GivenName">The given name, if any.</param>
/// <param name="FamilyName">The family name, if any.</param>
/// <param name="Email">The email identity, if any.</param>
/// <param name="EmailVerified">Whether the email identity is verified.</param>
/// <param name="Phone">The phone identity (E.164), if any.</param>
/// <param name="PhoneVerified">Whether the phone identity is verified.</param>
/// <param name="PhoneCountryId">The phone's country id, for example <c>au</c>, if known.</param>
/// <param name="Username">The username identity, if any.</param>
/// <param name="ProvidedId">The external id (for example the Auth0 user id), if any.</param>
/// <param name="OrganizationCode">The organization to join, if any.</param>
internal sealed record KindeNewUser(
    string? GivenName = null,
    string? FamilyName = null,
    string? Email = null,
    bool EmailVerified = false,
    string? Phone = null,
    bool PhoneVerified = false,
    string? PhoneCountryId = null,
    string? Username = null,
    string? ProvidedId = null,
    string? OrganizationCode = null);

/// <summary>The answer to <see cref="KindeApiClient.CreateUserAsync"/>.</summary>
/// <param name="Id">The Kinde user id (of the existing user when <paramref name="Created"/> is false).</param>
/// <param name="Created">Whether a new user was created.</param>
internal sealed record KindeCreatedUser(string Id, bool Created);

/// <summary>A user found by <see cref="KindeApiClient.GetUsersByEmailAsync"/> or <see cref="KindeApiClient.GetUsersByPhoneAsync"/>.</summary>
/// <param name="Id">The Kinde user id.</param>
/// <param name="Email">The email Kinde lists for the user (may be null).</param>
/// <param name="Phone">The phone Kinde lists for the user (may be null).</param>
/// <param name="Username">The username Kinde lists for the user (may be null).</param>
internal sealed record KindeUserRef(string Id, string? Email, string? Phone = null, string? Username = null);
