using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly.Timeout;

namespace Kinde.Migration.KindeApi;

/// <summary>A typed client of the Kinde Management API calls the importer makes. Every failure is a
/// <see cref="KindeApiException"/> (status, Kinde error code, message; never a request body).</summary>
/// <remarks>
/// <para>Expects an <see cref="HttpClient"/> built over <see cref="KindeApiConnection.CreateHandlers"/>, with the
/// domain as base address: <see cref="Create"/> builds one, and so does
/// <see cref="KindeApiServiceCollectionExtensions.AddKindeApiClient"/>.</para>
/// <para>Retries (see <see cref="KindeApiConnection"/>): every call is resent after a 429, since Kinde did not process
/// it. GET, PUT and DELETE calls are also resent after a 408, a 5xx, a network error or a timeout; POST and PATCH calls
/// never are, since they may have been carried out (the caller re-checks, for example by email).</para>
/// <para>Lists follow every page: <c>next_token</c> for users, organizations, roles and permissions (until it is
/// missing, empty or repeated); <c>has_more</c> and <c>starting_after</c> for properties and property categories. A
/// missing list is read as empty; entries without an id are skipped.</para>
/// </remarks>
internal sealed class KindeApiClient : IKindeApi, IDisposable
{
    /// <summary>The largest <c>page_size</c> Kinde allows.</summary>
    internal const int MaxPageSize = 500;

    /// <summary>How many emails go in one <c>email</c> filter, to keep URLs short.</summary>
    internal const int DefaultEmailsPerRequest = 50;

    /// <summary>The most objects a bulk POST or PATCH takes.</summary>
    internal const int MaxBulkObjects = 100;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly int _pageSize;
    private readonly int _emailsPerRequest;

    /// <summary>Initializes a new instance of the <see cref="KindeApiClient"/> class.</summary>
    /// <param name="http">The client, with the Kinde domain as <see cref="HttpClient.BaseAddress"/> and the handler chain
    /// of <paramref name="connection"/>.</param>
    /// <param name="connection">The connection whose handlers <paramref name="http"/> uses (for the counters).</param>
    /// <param name="ownsHttp">Whether <see cref="Dispose"/> disposes <paramref name="http"/> and
    /// <paramref name="connection"/>.</param>
    /// <param name="pageSize">The <c>page_size</c> of list calls (tests use small pages).</param>
    /// <param name="emailsPerRequest">How many emails go in one <c>email</c> filter.</param>
    public KindeApiClient(
        HttpClient http, KindeApiConnection connection, bool ownsHttp = false, int pageSize = MaxPageSize, int emailsPerRequest = DefaultEmailsPerRequest)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(emailsPerRequest, 1);
        _http = http;
        Connection = connection;
        _ownsHttp = ownsHttp;
        _pageSize = pageSize;
        _emailsPerRequest = emailsPerRequest;
    }

    /// <summary>Gets the request counters, for the report.</summary>
    public KindeApiStatistics Statistics => Connection.Statistics;

    /// <summary>Gets the metrics instruments of this connection (the importer counts users on them).</summary>
    public KindeApiMetrics Metrics => Connection.Metrics;

    /// <summary>Gets the connection: counters, instruments, rate control.</summary>
    internal KindeApiConnection Connection { get; }

    /// <summary>Builds a client without dependency injection, with the same handler chain as
    /// <see cref="KindeApiServiceCollectionExtensions.AddKindeApiClient"/> (see <see cref="KindeApiConnection"/>) over
    /// <paramref name="primary"/>. The returned client owns (and disposes) the chain, including
    /// <paramref name="primary"/>.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="time">The clock for token expiry, retry delays and rate control.</param>
    /// <param name="primary">The handler that does the I/O; <see langword="null"/> for a new <see cref="SocketsHttpHandler"/>.</param>
    /// <param name="random">The backoff jitter source; <see langword="null"/> for <see cref="Random.Shared"/>.</param>
    /// <param name="pageSize">The <c>page_size</c> of list calls.</param>
    /// <param name="metrics">The instruments; <see langword="null"/> for new ones on the process-wide meter.</param>
    /// <returns>The client.</returns>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException">The options are not valid.</exception>
    public static KindeApiClient Create(
        KindeApiOptions options, TimeProvider time, HttpMessageHandler? primary = null, Random? random = null, int pageSize = MaxPageSize,
        KindeApiMetrics? metrics = null)
    {
        var connection = new KindeApiConnection(options, time, metrics, random);
        var http = connection.CreateHttpClient(primary ?? KindeApiConnection.CreatePrimaryHandler());
        return new KindeApiClient(http, connection, ownsHttp: true, pageSize);
    }

    /// <summary>Finds users by email with <c>GET /api/v1/users?email=a,b,…</c>, following <c>next_token</c>. Retried on
    /// transient failures.</summary>
    /// <param name="emails">The emails; blanks and duplicates are skipped. Sent in groups of at most 50.</param>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The users found, each once, with the email Kinde lists for them.</returns>
    public Task<IReadOnlyList<KindeUserRef>> GetUsersByEmailAsync(IReadOnlyList<string> emails, CancellationToken ct = default) =>
        GetUsersByIdentityAsync("email", emails, StringComparer.OrdinalIgnoreCase, ct);

    /// <summary>Finds users by phone number with <c>GET /api/v1/users?phone=a,b,…</c>, following <c>next_token</c>.</summary>
    /// <param name="phones">E.164 phone numbers; blanks and duplicates are skipped. Sent in groups of at most 50.</param>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The users found, each once.</returns>
    public Task<IReadOnlyList<KindeUserRef>> GetUsersByPhoneAsync(IReadOnlyList<string> phones, CancellationToken ct = default) =>
        GetUsersByIdentityAsync("phone", phones, StringComparer.Ordinal, ct);

    /// <summary>Finds users by username with <c>GET /api/v1/users?username=a,b,…</c>, following <c>next_token</c>.</summary>
    /// <param name="usernames">The usernames (Kinde compares them case-insensitively); blanks and duplicates are skipped.</param>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The users found, each once.</returns>
    public Task<IReadOnlyList<KindeUserRef>> GetUsersByUsernameAsync(IReadOnlyList<string> usernames, CancellationToken ct = default) =>
        GetUsersByIdentityAsync("username", usernames, StringComparer.OrdinalIgnoreCase, ct);

    /// <summary>Creates a user with <c>POST /api/v1/user</c>. Not retried on a transient failure (only after a 429):
    /// the caller re-checks by email.</summary>
    /// <param name="user">The user.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>The user id and whether it was created (false when Kinde answered 200 with <c>created: false</c>).</returns>
    /// <exception cref="KindeApiException">Kinde refused the user, for example 409 <c>USER_ALREADY_EXISTS</c>.</exception>
    public async Task<KindeCreatedUser> CreateUserAsync(KindeNewUser user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identities = new List<KindeCreateUserIdentity>(3);
        if (!string.IsNullOrEmpty(user.Email))
        {
            identities.Add(new KindeCreateUserIdentity("email", user.EmailVerified, new KindeIdentityDetails(Email: user.Email)));
        }

        if (!string.IsNullOrEmpty(user.Phone))
        {
            identities.Add(new KindeCreateUserIdentity(
                "phone", user.PhoneVerified, new KindeIdentityDetails(Phone: user.Phone, PhoneCountryId: user.PhoneCountryId)));
        }

        if (!string.IsNullOrEmpty(user.Username))
        {
            identities.Add(new KindeCreateUserIdentity("username", null, new KindeIdentityDetails(Username: user.Username)));
        }

        var profile = user.GivenName is null && user.FamilyName is null ? null : new KindeCreateUserProfile(user.GivenName, user.FamilyName);
        var body = new KindeCreateUserRequest(profile, NullIfEmpty(user.OrganizationCode), NullIfEmpty(user.ProvidedId), identities);
        const string Operation = "POST /api/v1/user";
        using var request = Request(HttpMethod.Post, "api/v1/user", Operation, body, KindeApiJsonContext.Default.KindeCreateUserRequest);
        var response = await SendAsync(request, Operation, KindeApiJsonContext.Default.KindeCreateUserResponse, ct).ConfigureAwait(false);
        if (response is not { Id.Length: > 0 })
        {
            throw new KindeApiException(Operation + " succeeded without a user id.", null, null);
        }

        return new KindeCreatedUser(response.Id, response.Created ?? true);
    }

    /// <summary>Adds an identity to a user with <c>POST /api/v1/users/{user_id}/identities</c>. Not retried on a
    /// transient failure (only after a 429).</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="identity">The identity.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>The new identity's id, or <see langword="null"/> when Kinde's answer had none.</returns>
    /// <exception cref="KindeApiException">Kinde refused the identity, for example 409 when another user has it.</exception>
    public async Task<string?> AddIdentityAsync(string userId, KindeNewIdentity identity, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(identity);
        const string Operation = "POST /api/v1/users/{user_id}/identities";
        var body = new KindeAddIdentityRequest(identity.Value, identity.Type, NullIfEmpty(identity.PhoneCountryId), NullIfEmpty(identity.ConnectionId));
        using var request = Request(
            HttpMethod.Post, $"api/v1/users/{Uri.EscapeDataString(userId)}/identities", Operation, body, KindeApiJsonContext.Default.KindeAddIdentityRequest);
        var response = await SendAsync(request, Operation, KindeApiJsonContext.Default.KindeAddIdentityResponse, ct).ConfigureAwait(false);
        return NullIfEmpty(response?.Identity?.Id);
    }

    /// <summary>Sets a user's password hash with <c>PUT /api/v1/users/{user_id}/password</c>. Idempotent, so retried on
    /// transient failures.</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="password">The hash and its parameters. Never logged nor put in an exception.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>A task that completes when Kinde accepted the password.</returns>
    public async Task SetPasswordAsync(string userId, KindePasswordRequest password, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(password);
        ArgumentException.ThrowIfNullOrEmpty(password.HashedPassword, nameof(password));
        const string Operation = "PUT /api/v1/users/{user_id}/password";
        var body = new KindeSetPasswordRequest(
            password.HashedPassword, NullIfEmpty(password.HashingMethod), NullIfEmpty(password.Salt), NullIfEmpty(password.SaltPosition),
            password.Iterations, NullIfEmpty(password.Variant));
        using var request = Request(
            HttpMethod.Put, $"api/v1/users/{Uri.EscapeDataString(userId)}/password", Operation, body, KindeApiJsonContext.Default.KindeSetPasswordRequest);
        await SendAsync(request, Operation, ct).ConfigureAwait(false);
    }

    /// <summary>Updates a user with <c>PATCH /api/v1/user?id=</c>. Only the given fields are sent. Not retried on a
    /// transient failure (only after a 429).</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="isSuspended">The new suspended state, or <see langword="null"/> to leave it.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>A task that completes when Kinde accepted the update.</returns>
    public async Task UpdateUserAsync(string userId, bool? isSuspended, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        const string Operation = "PATCH /api/v1/user";
        using var request = Request(
            HttpMethod.Patch, "api/v1/user?id=" + Uri.EscapeDataString(userId), Operation, new KindeUpdateUserRequest(isSuspended),
            KindeApiJsonContext.Default.KindeUpdateUserRequest);
        await SendAsync(request, Operation, ct).ConfigureAwait(false);
    }

    /// <summary>Updates a user's profile names with <c>PATCH /api/v1/user?id=</c> (only the names given are sent). Not
    /// retried on a transient failure (only after a 429).</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="givenName">The new given name, or <see langword="null"/> to leave it.</param>
    /// <param name="familyName">The new family name, or <see langword="null"/> to leave it.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>A task that completes when Kinde accepted the update.</returns>
    public async Task UpdateProfileAsync(string userId, string? givenName, string? familyName, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        const string Operation = "PATCH /api/v1/user";
        using var request = Request(
            HttpMethod.Patch, "api/v1/user?id=" + Uri.EscapeDataString(userId), Operation, new KindeUpdateProfileRequest(givenName, familyName),
            KindeApiJsonContext.Default.KindeUpdateProfileRequest);
        await SendAsync(request, Operation, ct).ConfigureAwait(false);
    }

    /// <summary>Sets property values with <c>PATCH /api/v1/users/{user_id}/properties</c>. The properties must already
    /// be defined in Kinde. Not retried on a transient failure (only after a 429).</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="properties">Property key → value. Nothing is sent when empty.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>A task that completes when Kinde accepted the values.</returns>
    public async Task SetPropertiesAsync(string userId, IReadOnlyDictionary<string, string> properties, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(properties);
        if (properties.Count == 0)
        {
            return;
        }

        const string Operation = "PATCH /api/v1/users/{user_id}/properties";
        using var request = Request(
            HttpMethod.Patch, $"api/v1/users/{Uri.EscapeDataString(userId)}/properties", Operation, new KindeSetPropertiesRequest(properties),
            KindeApiJsonContext.Default.KindeSetPropertiesRequest);
        await SendAsync(request, Operation, ct).ConfigureAwait(false);
    }

    /// <summary>Deletes a user with <c>DELETE /api/v1/user?id=</c>. Idempotent, so retried on transient failures; a
    /// resend after a lost answer finds the user gone and returns <see langword="false"/>.</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns><see langword="true"/> when deleted; <see langword="false"/> when Kinde answered 404 (no such user),
    /// except <c>ROUTE_NOT_FOUND</c>, which is an error.</returns>
    public async Task<bool> DeleteUserAsync(string userId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        const string Operation = "DELETE /api/v1/user";
        using var request = Request(HttpMethod.Delete, "api/v1/user?id=" + Uri.EscapeDataString(userId), Operation);
        try
        {
            await SendAsync(request, Operation, ct).ConfigureAwait(false);
            return true;
        }
        catch (KindeApiException ex) when (ex.StatusCode == (int)HttpStatusCode.NotFound && ex.ErrorCode != "ROUTE_NOT_FOUND")
        {
            return false;
        }
    }

    /// <summary>Lists every organization with <c>GET /api/v1/organizations</c>, following <c>next_token</c>. Retried on
    /// transient failures.</summary>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The organizations with a code.</returns>
    public async Task<IReadOnlyList<KindeOrganizationRef>> ListOrganizationsAsync(CancellationToken ct = default)
    {
        var organizations = await ListByNextTokenAsync(
            "api/v1/organizations?page_size=" + _pageSize, "GET /api/v1/organizations", KindeApiJsonContext.Default.KindeOrganizationsResponse,
            p => p.Organizations, p => p.NextToken, ct).ConfigureAwait(false);
        return organizations.Where(o => !string.IsNullOrEmpty(o.Code))
            .Select(o => new KindeOrganizationRef(o.Code!, o.Name, NullIfEmpty(o.ExternalId), o.IsDefault ?? false))
            .ToArray();
    }

    /// <summary>Creates an organization with <c>POST /api/v1/organization</c>. Not retried on a transient failure (only
    /// after a 429): the caller re-lists and matches by external id.</summary>
    /// <param name="name">The name.</param>
    /// <param name="externalId">The external id (the Auth0 organization id), if any.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>The code Kinde gave the organization.</returns>
    public async Task<string> CreateOrganizationAsync(string name, string? externalId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        const string Operation = "POST /api/v1/organization";
        using var request = Request(
            HttpMethod.Post, "api/v1/organization", Operation, new KindeCreateOrganizationRequest(name, NullIfEmpty(externalId)),
            KindeApiJsonContext.Default.KindeCreateOrganizationRequest);
        var response = await SendAsync(request, Operation, KindeApiJsonContext.Default.KindeCreateOrganizationResponse, ct).ConfigureAwait(false);
        return NullIfEmpty(response?.Organization?.Code)
            ?? throw new KindeApiException(Operation + " succeeded without an organization code.", null, null);
    }

    /// <summary>Adds users to an organization with their role and permission keys, with
    /// <c>POST /api/v1/organizations/{org_code}/users</c>, at most 100 users a request (in order; a failure stops at
    /// that chunk). Not retried on a transient failure (only after a 429); sending a chunk again is harmless (Kinde
    /// merges an existing member's roles).</summary>
    /// <param name="orgCode">The organization code.</param>
    /// <param name="users">The users; nothing is sent when empty.</param>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>A task that completes when every chunk was accepted.</returns>
    public async Task AddOrganizationUsersAsync(string orgCode, IReadOnlyList<KindeOrganizationUserRequest> users, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orgCode);
        ArgumentNullException.ThrowIfNull(users);
        const string Operation = "POST /api/v1/organizations/{org_code}/users";
        string path = $"api/v1/organizations/{Uri.EscapeDataString(orgCode)}/users";
        foreach (var chunk in users.Chunk(MaxBulkObjects))
        {
            var body = new KindeAddOrganizationUsersRequest(chunk
                .Select(u => new KindeOrganizationUserBody(u.Id, u.Roles is { Count: > 0 } ? u.Roles : null, u.Permissions is { Count: > 0 } ? u.Permissions : null))
                .ToArray());
            using var request = Request(HttpMethod.Post, path, Operation, body, KindeApiJsonContext.Default.KindeAddOrganizationUsersRequest);
            await SendAsync(request, Operation, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Lists every role with <c>GET /api/v1/roles</c>, following <c>next_token</c>. Retried on transient
    /// failures.</summary>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The roles' ids and keys.</returns>
    public async Task<IReadOnlyList<KindeKeyedRef>> ListRolesAsync(CancellationToken ct = default)
    {
        var roles = await ListByNextTokenAsync(
            "api/v1/roles?page_size=" + _pageSize, "GET /api/v1/roles", KindeApiJsonContext.Default.KindeRolesResponse,
            p => p.Roles, p => p.NextToken, ct).ConfigureAwait(false);
        return ToKeyedRefs(roles, r => r.Key);
    }

    /// <summary>Creates a role with <c>POST /api/v1/roles</c>. Not retried on a transient failure (only after a 429):
    /// the caller re-lists and matches by key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="name">The name.</param>
    /// <param name="description">The description, if any.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>The role's id, or <see langword="null"/> when Kinde's answer had none.</returns>
    public async Task<string?> CreateRoleAsync(string key, string name, string? description, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        const string Operation = "POST /api/v1/roles";
        using var request = Request(
            HttpMethod.Post, "api/v1/roles", Operation, new KindeCreateKeyedRequest(name, NullIfEmpty(description), key),
            KindeApiJsonContext.Default.KindeCreateKeyedRequest);
        var response = await SendAsync(request, Operation, KindeApiJsonContext.Default.KindeCreateRoleResponse, ct).ConfigureAwait(false);
        return NullIfEmpty(response?.Role?.Id);
    }

    /// <summary>Lists every permission with <c>GET /api/v1/permissions</c>, following <c>next_token</c>. Retried on
    /// transient failures.</summary>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The permissions' ids and keys.</returns>
    public async Task<IReadOnlyList<KindeKeyedRef>> ListPermissionsAsync(CancellationToken ct = default)
    {
        var permissions = await ListByNextTokenAsync(
            "api/v1/permissions?page_size=" + _pageSize, "GET /api/v1/permissions", KindeApiJsonContext.Default.KindePermissionsResponse,
            p => p.Permissions, p => p.NextToken, ct).ConfigureAwait(false);
        return ToKeyedRefs(permissions, p => p.Key);
    }

    /// <summary>Creates a permission with <c>POST /api/v1/permissions</c>. Kinde answers without an id: find it with
    /// <see cref="ListPermissionsAsync"/>. Not retried on a transient failure (only after a 429).</summary>
    /// <param name="key">The key.</param>
    /// <param name="name">The name.</param>
    /// <param name="description">The description, if any.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>A task that completes when Kinde accepted the permission.</returns>
    public async Task CreatePermissionAsync(string key, string name, string? description, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        const string Operation = "POST /api/v1/permissions";
        using var request = Request(
            HttpMethod.Post, "api/v1/permissions", Operation, new KindeCreateKeyedRequest(name, NullIfEmpty(description), key),
            KindeApiJsonContext.Default.KindeCreateKeyedRequest);
        await SendAsync(request, Operation, ct).ConfigureAwait(false);
    }

    /// <summary>Lists the user property definitions with <c>GET /api/v1/properties?context=usr</c>, following
    /// <c>has_more</c> with <c>starting_after</c>. Retried on transient failures.</summary>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The properties' ids and keys.</returns>
    public async Task<IReadOnlyList<KindeKeyedRef>> ListUserPropertiesAsync(CancellationToken ct = default)
    {
        var properties = await ListByCursorAsync(
            "api/v1/properties?context=usr&page_size=" + _pageSize, "GET /api/v1/properties", KindeApiJsonContext.Default.KindePropertiesResponse,
            p => p.Properties, p => p.HasMore, ct).ConfigureAwait(false);
        return ToKeyedRefs(properties, p => p.Key);
    }

    /// <summary>Lists the user property categories with <c>GET /api/v1/property_categories?context=usr</c>, following
    /// <c>has_more</c> with <c>starting_after</c>. Retried on transient failures.</summary>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The categories' ids, with their names as <see cref="KindeKeyedRef.Key"/>.</returns>
    public async Task<IReadOnlyList<KindeKeyedRef>> ListUserPropertyCategoriesAsync(CancellationToken ct = default)
    {
        var categories = await ListByCursorAsync(
            "api/v1/property_categories?context=usr&page_size=" + _pageSize, "GET /api/v1/property_categories",
            KindeApiJsonContext.Default.KindeCategoriesResponse, p => p.Categories, p => p.HasMore, ct).ConfigureAwait(false);
        return ToKeyedRefs(categories, c => c.Name);
    }

    /// <summary>Creates a user property category with <c>POST /api/v1/property_categories</c> (context <c>usr</c>). Not
    /// retried on a transient failure (only after a 429).</summary>
    /// <param name="name">The name.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>The category's id.</returns>
    public async Task<string> CreateUserPropertyCategoryAsync(string name, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        const string Operation = "POST /api/v1/property_categories";
        using var request = Request(
            HttpMethod.Post, "api/v1/property_categories", Operation, new KindeCreateCategoryRequest(name, "usr"),
            KindeApiJsonContext.Default.KindeCreateCategoryRequest);
        var response = await SendAsync(request, Operation, KindeApiJsonContext.Default.KindeCreateCategoryResponse, ct).ConfigureAwait(false);
        return NullIfEmpty(response?.Category?.Id) ?? throw new KindeApiException(Operation + " succeeded without a category id.", null, null);
    }

    /// <summary>Defines a user property with <c>POST /api/v1/properties</c>: context <c>usr</c>, type
    /// <c>multi_line_text</c>, private (not put in tokens). Not retried on a transient failure (only after a 429).</summary>
    /// <param name="key">The key.</param>
    /// <param name="name">The name.</param>
    /// <param name="categoryId">The category's id.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>The property's id, or <see langword="null"/> when Kinde's answer had none.</returns>
    public async Task<string?> CreateUserPropertyAsync(string key, string name, string categoryId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrEmpty(categoryId);
        const string Operation = "POST /api/v1/properties";
        var body = new KindeCreatePropertyRequest(name, key, "multi_line_text", "usr", IsPrivate: true, categoryId);
        using var request = Request(HttpMethod.Post, "api/v1/properties", Operation, body, KindeApiJsonContext.Default.KindeCreatePropertyRequest);
        var response = await SendAsync(request, Operation, KindeApiJsonContext.Default.KindeCreatePropertyResponse, ct).ConfigureAwait(false);
        return NullIfEmpty(response?.Property?.Id);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
            Connection.Dispose();
        }
    }

    private async Task<IReadOnlyList<KindeUserRef>> GetUsersByIdentityAsync(string filter, IReadOnlyList<string> values, StringComparer comparer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(values);
        var distinct = values.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).Distinct(comparer).ToArray();
        var found = new List<KindeUserRef>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in distinct.Chunk(_emailsPerRequest))
        {
            string query = "api/v1/users?page_size=" + _pageSize + "&" + filter + "=" + Uri.EscapeDataString(string.Join(',', chunk));
            var users = await ListByNextTokenAsync(
                query, "GET /api/v1/users", KindeApiJsonContext.Default.KindeUsersResponse, p => p.Users, p => p.NextToken, ct).ConfigureAwait(false);
            foreach (var user in users)
            {
                if (!string.IsNullOrEmpty(user.Id) && seen.Add(user.Id))
                {
                    found.Add(new KindeUserRef(user.Id, user.Email, user.Phone, user.Username));
                }
            }
        }

        return found;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static KindeKeyedRef[] ToKeyedRefs(IEnumerable<KindeListedKeyed> items, Func<KindeListedKeyed, string?> key) =>
        items.Where(i => !string.IsNullOrEmpty(i.Id) && !string.IsNullOrEmpty(key(i))).Select(i => new KindeKeyedRef(i.Id!, key(i)!)).ToArray();

    private static HttpRequestMessage Request(HttpMethod method, string uri, string operation)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Options.Set(KindeApiOperation.Key, operation);
        return request;
    }

    private static HttpRequestMessage Request<TBody>(HttpMethod method, string uri, string operation, TBody body, JsonTypeInfo<TBody> typeInfo)
    {
        var request = Request(method, uri, operation);
        request.Content = JsonContent.Create(body, typeInfo);
        return request;
    }

    /// <summary>Reads every page of a <c>next_token</c> list, stopping when the token is missing, empty or already
    /// seen.</summary>
    private async Task<List<TItem>> ListByNextTokenAsync<TPage, TItem>(
        string pathAndQuery, string operation, JsonTypeInfo<TPage> typeInfo, Func<TPage, IReadOnlyList<TItem>?> items,
        Func<TPage, string?> nextToken, CancellationToken ct)
    {
        var all = new List<TItem>();
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var url = new StringBuilder(pathAndQuery);
            if (next is not null)
            {
                url.Append("&next_token=").Append(Uri.EscapeDataString(next));
            }

            using var request = Request(HttpMethod.Get, url.ToString(), operation);
            var page = await SendAsync(request, operation, typeInfo, ct).ConfigureAwait(false);
            if (page is null)
            {
                break;
            }

            all.AddRange(items(page) ?? []);
            next = NullIfEmpty(nextToken(page));
        }
        while (next is not null && seenTokens.Add(next));

        return all;
    }

    /// <summary>Reads every page of a <c>has_more</c> list, asking for the next with <c>starting_after</c> = the last
    /// id. A missing <c>has_more</c> is read as "more" when the page was full; a page without a new last id ends the
    /// list.</summary>
    private async Task<List<KindeListedKeyed>> ListByCursorAsync<TPage>(
        string pathAndQuery, string operation, JsonTypeInfo<TPage> typeInfo, Func<TPage, IReadOnlyList<KindeListedKeyed>?> items,
        Func<TPage, bool?> hasMore, CancellationToken ct)
    {
        var all = new List<KindeListedKeyed>();
        var seenCursors = new HashSet<string>(StringComparer.Ordinal);
        string? after = null;
        while (true)
        {
            string url = after is null ? pathAndQuery : pathAndQuery + "&starting_after=" + Uri.EscapeDataString(after);
            using var request = Request(HttpMethod.Get, url, operation);
            var page = await SendAsync(request, operation, typeInfo, ct).ConfigureAwait(false);
            var pageItems = page is null ? [] : items(page) ?? [];
            all.AddRange(pageItems);
            bool more = page is not null && (hasMore(page) ?? pageItems.Count >= _pageSize);
            after = pageItems.Count > 0 ? NullIfEmpty(pageItems[^1].Id) : null;
            if (!more || after is null || !seenCursors.Add(after))
            {
                return all;
            }
        }
    }

    private async Task SendAsync(HttpRequestMessage request, string operation, CancellationToken ct)
    {
        using var response = await SendCheckedAsync(request, operation, ct).ConfigureAwait(false);
    }

    /// <summary>Sends; turns a network error, a timeout or a non-2xx answer into a <see cref="KindeApiException"/>
    /// (<see cref="KindeApiException.StatusCode"/> is null when no answer arrived: the call may or may not have been
    /// carried out).</summary>
    private async Task<HttpResponseMessage> SendCheckedAsync(HttpRequestMessage request, string operation, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new KindeApiException($"Kinde API {operation} failed without a response: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is TimeoutRejectedException or TimeoutException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new KindeApiException($"Kinde API {operation} timed out.", ex);
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await KindeErrorParser.ToExceptionAsync(response, "Kinde API " + operation, ct).ConfigureAwait(false);
            }
        }

        return response;
    }

    private async Task<T?> SendAsync<T>(HttpRequestMessage request, string operation, JsonTypeInfo<T> typeInfo, CancellationToken ct)
    {
        using var response = await SendCheckedAsync(request, operation, ct).ConfigureAwait(false);

        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, typeInfo, ct).ConfigureAwait(false);
            }
        }
        catch (JsonException ex)
        {
            throw new KindeApiException($"Kinde API {operation} returned {(int)response.StatusCode} with a body that is not the expected JSON.", ex);
        }
    }
}
