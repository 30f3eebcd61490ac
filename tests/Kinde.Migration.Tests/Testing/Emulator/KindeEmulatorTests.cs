using Kinde.Migration.Tests.Helpers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Tests.Testing.Emulator;

[TestFixture]
public sealed class KindeEmulatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // ---------------------------------------------------------------- tokens

    [Test]
    public async Task Token_WithValidCredentials_IssuesBearerTokenWithExpiryAndScopes()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var response = await RequestTokenAsync(http, emulator);
        var json = await JsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(json.GetProperty("token_type").GetString(), Is.EqualTo("Bearer"));
        Assert.That(json.GetProperty("expires_in").GetInt64(), Is.EqualTo(3600));
        Assert.That(json.GetProperty("access_token").GetString(), Is.Not.Empty);
        Assert.That(json.GetProperty("scope").GetString()!.Split(' '), Does.Contain("create:users").And.Contain("update:user_passwords"));
        Assert.That(emulator.Audience, Is.EqualTo(emulator.BaseAddress + "api"));
        Assert.That(emulator.State.TokensIssued, Is.EqualTo(1));
    }

    [Test]
    public async Task Token_WithWrongSecret_Returns401InvalidClient()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var response = await RequestTokenAsync(http, emulator, secret: "wrong");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await JsonAsync(response)).GetProperty("error").GetString(), Is.EqualTo("invalid_client"));
        Assert.That(emulator.State.TokensIssued, Is.Zero);
    }

    [Test]
    public async Task Token_WithWrongAudience_Returns400()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var response = await RequestTokenAsync(http, emulator, audience: "https://other.kinde.com/api");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(response)).GetProperty("error").GetString(), Is.EqualTo("unauthorized_client"));
    }

    [Test]
    public async Task Token_WithUngrantedScopeOrJsonBody_Returns400()
    {
        await using var emulator = await KindeEmulator.StartAsync(new() { Scopes = ["read:users"] });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var ungranted = await RequestTokenAsync(http, emulator, scope: "read:users create:users");
        using var json = await http.PostAsync(emulator.TokenEndpoint, new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.That(ungranted.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(ungranted)).GetProperty("error").GetString(), Is.EqualTo("invalid_scope"));
        Assert.That(json.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await JsonAsync(json)).GetProperty("error").GetString(), Is.EqualTo("invalid_request"));
    }

    [Test]
    public async Task Token_ExpiresOnTheEmulatorClock()
    {
        var clock = new ManualTimeProvider(Start);
        await using var emulator = await KindeEmulator.StartAsync(new() { TimeProvider = clock, TokenLifetime = TimeSpan.FromMinutes(1) });
        using var http = await AuthorizedClientAsync(emulator);

        using var before = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
        clock.Advance(TimeSpan.FromSeconds(61));
        using var after = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));

        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await ErrorCodeAsync(after), Is.EqualTo("UNAUTHORIZED"));
    }

    [Test]
    public async Task Api_WithoutOrWithUnknownToken_Returns401()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        using var none = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        using var unknown = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));

        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(none.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer"));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Api_WithTokenLackingTheScope_Returns403Forbidden()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator, scope: "read:users");

        using var read = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
        using var create = await SendAsync(http, HttpMethod.Post, "api/v1/user", """{"profile":{"given_name":"A"}}""");

        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await ErrorCodeAsync(create), Is.EqualTo("FORBIDDEN"));
        Assert.That(emulator.State.Users, Is.Empty);
    }

    // ---------------------------------------------------------------- users

    [Test]
    public async Task CreateUser_ThenGet_ReturnsProfileAndIdentities()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);

        using var created = await SendAsync(http, HttpMethod.Post, "api/v1/user", """
            {"profile":{"given_name":"Lee","family_name":"Liu","picture":"https://example.com/p.png"},
             "provided_id":"auth0|123",
             "identities":[
               {"type":"email","is_verified":true,"details":{"email":"lee@example.com"}},
               {"type":"phone","details":{"phone":"+61426148233","phone_country_id":"au"}},
               {"type":"username","details":{"username":"lee"}}]}
            """);
        var body = await JsonAsync(created);
        string id = body.GetProperty("id").GetString()!;
        using var got = await http.GetAsync(new Uri($"api/v1/user?id={id}&expand=identities", UriKind.Relative));
        var user = await JsonAsync(got);

        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(id, Does.StartWith("kp_"));
        Assert.That(body.GetProperty("created").GetBoolean(), Is.True);
        Assert.That(body.GetProperty("identities").GetArrayLength(), Is.EqualTo(3));
        Assert.That(user.GetProperty("preferred_email").GetString(), Is.EqualTo("lee@example.com"));
        Assert.That(user.GetProperty("first_name").GetString(), Is.EqualTo("Lee"));
        Assert.That(user.GetProperty("provided_id").GetString(), Is.EqualTo("auth0|123"));
        Assert.That(user.GetProperty("identities").GetArrayLength(), Is.EqualTo(3));
        var stored = emulator.State.FindUser(id)!;
        Assert.That(stored.LastName, Is.EqualTo("Liu"));
        Assert.That(stored.Picture, Is.EqualTo("https://example.com/p.png"));
        Assert.That(stored.Email, Is.EqualTo("lee@example.com"));
        Assert.That(stored.Identities.Select(i => i.Type), Is.EqualTo(new[] { "email", "phone", "username" }));
        Assert.That(stored.Identities[0].IsVerified, Is.True);
        Assert.That(stored.Identities[1].PhoneCountryId, Is.EqualTo("au"));
    }

    [Test]
    public async Task ListUsers_FiltersByCommaSeparatedEmails_IgnoringCase()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        foreach (string email in new[] { "a@example.com", "b@example.com", "c@example.com" })
        {
            await CreateUserAsync(http, email);
        }

        using var response = await http.GetAsync(new Uri("api/v1/users?email=" + Uri.EscapeDataString("A@example.com,c@example.com"), UriKind.Relative));
        var json = await JsonAsync(response);
        using var none = await http.GetAsync(new Uri("api/v1/users?email=nobody%40example.com", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(json.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("email").GetString()),
            Is.EqualTo(new[] { "a@example.com", "c@example.com" }));
        Assert.That((await JsonAsync(none)).GetProperty("users").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task ListUsers_PagesWithNextToken_UntilItIsAbsent()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await CreateUserAsync(http, $"user{i}@example.com"));
        }

        var seen = new List<string>();
        var pageSizes = new List<int>();
        string? next = null;
        do
        {
            string query = "api/v1/users?page_size=2" + (next is null ? "" : "&next_token=" + Uri.EscapeDataString(next));
            using var response = await http.GetAsync(new Uri(query, UriKind.Relative));
            var json = await JsonAsync(response);
            var users = json.GetProperty("users");
            pageSizes.Add(users.GetArrayLength());
            seen.AddRange(users.EnumerateArray().Select(u => u.GetProperty("id").GetString()!));
            next = json.TryGetProperty("next_token", out var token) ? token.GetString() : null;
        }
        while (next is not null);

        Assert.That(pageSizes, Is.EqualTo(new[] { 2, 2, 1 }));
        Assert.That(seen, Is.EqualTo(ids));
    }

    [Test]
    public async Task ListUsers_WithPageSizeOver500_Returns400PageSizeLimitExceeded()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);

        using var ok = await http.GetAsync(new Uri("api/v1/users?page_size=500", UriKind.Relative));
        using var tooBig = await http.GetAsync(new Uri("api/v1/users?page_size=501", UriKind.Relative));

        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(tooBig.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ErrorCodeAsync(tooBig), Is.EqualTo("PAGE_SIZE_LIMIT_EXCEEDED"));
    }

    [Test]
    public async Task CreateUser_WithAnEmailInUse_Returns409AndCreatesNothing()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        await CreateUserAsync(http, "dup@example.com");

        using var response = await SendAsync(http, HttpMethod.Post, "api/v1/user", CreateUserJson("DUP@example.com"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await ErrorCodeAsync(response), Is.EqualTo("USER_ALREADY_EXISTS"));
        Assert.That(emulator.State.Users, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task CreateUser_WithAnEmailInUse_AndNotCreatedBehavior_Returns200CreatedFalseWithExistingId()
    {
        await using var emulator = await KindeEmulator.StartAsync(new() { DuplicateUserBehavior = KindeEmulatorDuplicateUserBehavior.NotCreated });
        using var http = await AuthorizedClientAsync(emulator);
        string id = await CreateUserAsync(http, "dup@example.com");

        using var response = await SendAsync(http, HttpMethod.Post, "api/v1/user", CreateUserJson("dup@example.com"));
        var json = await JsonAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(json.GetProperty("created").GetBoolean(), Is.False);
        Assert.That(json.GetProperty("id").GetString(), Is.EqualTo(id));
        Assert.That(emulator.State.Users, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task UpdateUser_ThenDelete_ChangesAndRemovesTheUser()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        string id = await CreateUserAsync(http, "u@example.com");

        using var patched = await SendAsync(http, HttpMethod.Patch, $"api/v1/user?id={id}",
            """{"given_name":"New","family_name":"Name","is_suspended":true,"picture":"https://example.com/x.png"}""");
        var json = await JsonAsync(patched);
        var afterPatch = emulator.State.FindUser(id)!;
        using var deleted = await http.DeleteAsync(new Uri($"api/v1/user?id={id}", UriKind.Relative));
        using var gone = await http.GetAsync(new Uri($"api/v1/user?id={id}", UriKind.Relative));

        Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(json.GetProperty("is_suspended").GetBoolean(), Is.True);
        Assert.That(json.GetProperty("given_name").GetString(), Is.EqualTo("New"));
        Assert.That(afterPatch.IsSuspended, Is.True);
        Assert.That(afterPatch.FirstName, Is.EqualTo("New"));
        Assert.That(afterPatch.LastName, Is.EqualTo("Name"));
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(emulator.State.Users, Is.Empty);
    }

    [Test]
    public async Task SetPassword_StoresMethodAndFingerprint_AndValidatesTheRequest()
    {
        const string Hash = "$2b$10$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01";
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        string id = await CreateUserAsync(http, "p@example.com");

        using var set = await SendAsync(http, HttpMethod.Put, $"api/v1/users/{id}/password",
            $$"""{"hashed_password":"{{Hash}}","hashing_method":"bcrypt","is_temporary_password":false}""");
        using var missing = await SendAsync(http, HttpMethod.Put, $"api/v1/users/{id}/password", """{"hashing_method":"bcrypt"}""");
        using var badMethod = await SendAsync(http, HttpMethod.Put, $"api/v1/users/{id}/password", """{"hashed_password":"x","hashing_method":"argon2"}""");
        using var unknownUser = await SendAsync(http, HttpMethod.Put, "api/v1/users/kp_nobody/password", """{"hashed_password":"x"}""");

        var password = emulator.State.FindUser(id)!.Password;
        Assert.That(set.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(password, Is.Not.Null);
        Assert.That(password!.HashingMethod, Is.EqualTo("bcrypt"));
        Assert.That(password.HashFingerprint, Is.EqualTo(EmulatedPassword.Fingerprint(Hash)));
        Assert.That(password.ToString(), Does.Not.Contain(Hash));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(badMethod.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ErrorCodeAsync(badMethod), Is.EqualTo("INVALID_HASHING_METHOD"));
        Assert.That(unknownUser.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await NotFoundCodeAsync(unknownUser), Is.EqualTo("USER_NOT_FOUND"));
    }

    [Test]
    public async Task AddIdentity_Returns201AndStoresIt_AndRejectsAnIdentityInUse()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        string id = await CreateUserAsync(http, "first@example.com");
        await CreateUserAsync(http, "other@example.com");

        using var added = await SendAsync(http, HttpMethod.Post, $"api/v1/users/{id}/identities", """{"type":"email","value":"second@example.com"}""");
        var json = await JsonAsync(added);
        using var taken = await SendAsync(http, HttpMethod.Post, $"api/v1/users/{id}/identities", """{"type":"email","value":"other@example.com"}""");

        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(json.GetProperty("identity").GetProperty("id").GetString(), Does.StartWith("identity_"));
        Assert.That(emulator.State.FindUser(id)!.Identities.Select(i => i.Value), Is.EqualTo(new[] { "first@example.com", "second@example.com" }));
        Assert.That(taken.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await ErrorCodeAsync(taken), Is.EqualTo("IDENTITY_ALREADY_EXISTS"));
    }

    [Test]
    public async Task UserProperties_DefinedThenSet_AndUnknownKeyRejected()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        string id = await CreateUserAsync(http, "props@example.com");

        using var category = await SendAsync(http, HttpMethod.Post, "api/v1/property_categories", """{"name":"Migration","context":"usr"}""");
        string categoryId = (await JsonAsync(category)).GetProperty("category").GetProperty("id").GetString()!;
        using var property = await SendAsync(http, HttpMethod.Post, "api/v1/properties",
            $$"""{"name":"Auth0 id","key":"auth0_id","type":"single_line_text","context":"usr","is_private":true,"category_id":"{{categoryId}}"}""");
        using var list = await http.GetAsync(new Uri("api/v1/properties?context=usr", UriKind.Relative));
        using var set = await SendAsync(http, HttpMethod.Patch, $"api/v1/users/{id}/properties", """{"properties":{"auth0_id":"auth0|1"}}""");
        using var unknown = await SendAsync(http, HttpMethod.Patch, $"api/v1/users/{id}/properties", """{"properties":{"auth0_id":"x","nope":"y"}}""");

        Assert.That(category.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(property.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await JsonAsync(list)).GetProperty("properties")[0].GetProperty("key").GetString(), Is.EqualTo("auth0_id"));
        Assert.That(set.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ErrorCodeAsync(unknown), Is.EqualTo("PROPERTY_NOT_FOUND"));
        Assert.That(emulator.State.FindUser(id)!.Properties, Is.EqualTo(new Dictionary<string, string> { ["auth0_id"] = "auth0|1" }));
        Assert.That(emulator.State.Properties.Single().CategoryId, Is.EqualTo(categoryId));
    }

    // ---------------------------------------------------------------- organizations, roles, permissions

    [Test]
    public async Task Organization_MembershipWithRolesAndPermissions_IsStored()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        string userId = await CreateUserAsync(http, "member@example.com");

        using var permission = await SendAsync(http, HttpMethod.Post, "api/v1/permissions", """{"name":"Read reports","key":"read:reports"}""");
        using var permissions = await http.GetAsync(new Uri("api/v1/permissions", UriKind.Relative));
        string permissionId = (await JsonAsync(permissions)).GetProperty("permissions")[0].GetProperty("id").GetString()!;
        using var role = await SendAsync(http, HttpMethod.Post, "api/v1/roles", """{"name":"Admin","key":"admin"}""");
        string roleId = (await JsonAsync(role)).GetProperty("role").GetProperty("id").GetString()!;
        using var rolePermissions = await SendAsync(http, HttpMethod.Patch, $"api/v1/roles/{roleId}/permissions", $$"""{"permissions":[{"id":"{{permissionId}}"}]}""");
        using var org = await SendAsync(http, HttpMethod.Post, "api/v1/organization", """{"name":"Acme","external_id":"org_auth0_1"}""");
        string code = (await JsonAsync(org)).GetProperty("organization").GetProperty("code").GetString()!;
        using var members = await SendAsync(http, HttpMethod.Post, $"api/v1/organizations/{code}/users",
            $$"""{"users":[{"id":"{{userId}}","roles":["admin"],"permissions":["read:reports"]}]}""");
        using var orgs = await http.GetAsync(new Uri("api/v1/organizations", UriKind.Relative));

        Assert.That(permission.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(role.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await JsonAsync(rolePermissions)).GetProperty("permissions_added")[0].GetString(), Is.EqualTo(permissionId));
        Assert.That(org.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(code, Does.StartWith("org_"));
        Assert.That(members.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await JsonAsync(members)).GetProperty("users_added")[0].GetString(), Is.EqualTo(userId));
        var listed = (await JsonAsync(orgs)).GetProperty("organizations").EnumerateArray().ToArray();
        Assert.That(listed.Select(o => o.GetProperty("is_default").GetBoolean()), Is.EqualTo(new[] { true, false }));
        Assert.That(listed[1].GetProperty("external_id").GetString(), Is.EqualTo("org_auth0_1"));
        var membership = emulator.State.FindOrganization(code)!.Members.Single();
        Assert.That(membership.UserId, Is.EqualTo(userId));
        Assert.That(membership.Roles, Is.EqualTo(new[] { "admin" }));
        Assert.That(membership.Permissions, Is.EqualTo(new[] { "read:reports" }));
        Assert.That(emulator.State.Roles.Single().PermissionIds, Is.EqualTo(new[] { permissionId }));
    }

    [Test]
    public async Task AddOrganizationUsers_RejectsUnknownOrganizationRoleAndTooManyUsers()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);
        string userId = await CreateUserAsync(http, "m@example.com");
        string code = emulator.State.DefaultOrganizationCode;

        using var unknownOrg = await SendAsync(http, HttpMethod.Post, "api/v1/organizations/org_missing/users", $$"""{"users":[{"id":"{{userId}}"}]}""");
        using var unknownRole = await SendAsync(http, HttpMethod.Post, $"api/v1/organizations/{code}/users",
            $$"""{"users":[{"id":"{{userId}}","roles":["ghost"]}]}""");
        string many = "{\"users\":[" + string.Join(',', Enumerable.Repeat($"{{\"id\":\"{userId}\"}}", 101)) + "]}";
        using var tooMany = await SendAsync(http, HttpMethod.Post, $"api/v1/organizations/{code}/users", many);

        Assert.That(unknownOrg.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await NotFoundCodeAsync(unknownOrg), Is.EqualTo("ORGANIZATION_NOT_FOUND"));
        Assert.That(unknownRole.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await ErrorCodeAsync(unknownRole), Is.EqualTo("ROLE_NOT_FOUND"));
        Assert.That(tooMany.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(emulator.State.FindOrganization(code)!.Members, Is.Empty);
    }

    [Test]
    public async Task UnknownRouteOrMethod_Returns404ObjectForm()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);

        using var unknown = await http.GetAsync(new Uri("api/v1/nothing/here", UriKind.Relative));
        using var wrongMethod = await http.DeleteAsync(new Uri("api/v1/users", UriKind.Relative));

        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await NotFoundCodeAsync(unknown), Is.EqualTo("ROUTE_NOT_FOUND"));
        Assert.That(wrongMethod.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await NotFoundCodeAsync(wrongMethod), Is.EqualTo("ROUTE_NOT_FOUND"));
    }

    // ---------------------------------------------------------------- limits and faults

    [Test]
    public async Task RateLimit_OverTheWindow_Returns429WithRateLimitReset_UntilTheWindowMoves()
    {
        var clock = new ManualTimeProvider(Start);
        await using var emulator = await KindeEmulator.StartAsync(new() { TimeProvider = clock, RequestsPerSecond = 2 });
        using var http = await AuthorizedClientAsync(emulator);

        using var first = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
        using var second = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
        using var third = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
        clock.Advance(TimeSpan.FromSeconds(1));
        using var nextWindow = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(third.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(third.Headers.GetValues("RateLimit-Reset").Single(), Is.EqualTo("1"));
        Assert.That(await ErrorCodeAsync(third), Is.EqualTo("TOO_MANY_REQUESTS"));
        Assert.That(nextWindow.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ConcurrencyLimit_OverTheLimit_Returns429()
    {
        await using var emulator = await KindeEmulator.StartAsync(new() { MaxConcurrentRequests = 1, Latency = TimeSpan.FromMilliseconds(300) });
        using var http = await AuthorizedClientAsync(emulator);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => http.GetAsync(new Uri("api/v1/users", UriKind.Relative))));
        try
        {
            var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
            Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.GreaterThanOrEqualTo(1));
            Assert.That(limited, Is.Not.Empty);
            Assert.That(limited.All(r => r.Headers.Contains("RateLimit-Reset")), Is.True);
        }
        finally
        {
            foreach (var r in responses)
            {
                r.Dispose();
            }
        }
    }

    [Test]
    public async Task FailureRate_One_Returns500BeforeDoingAnything()
    {
        await using var emulator = await KindeEmulator.StartAsync(new() { FailureRate = 1 });
        using var http = await AuthorizedClientAsync(emulator);

        using var response = await SendAsync(http, HttpMethod.Post, "api/v1/user", CreateUserJson("f@example.com"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(await ErrorCodeAsync(response), Is.EqualTo("INTERNAL_SERVER_ERROR"));
        Assert.That(emulator.State.Users, Is.Empty);
    }

    [Test]
    public async Task FailureRate_WithTheSameSeed_FailsTheSameRequests()
    {
        async Task<string> RunAsync()
        {
            await using var emulator = await KindeEmulator.StartAsync(new() { FailureRate = 0.5, Seed = 42 });
            using var http = await AuthorizedClientAsync(emulator);
            var statuses = new StringBuilder();
            for (int i = 0; i < 12; i++)
            {
                using var r = await http.GetAsync(new Uri("api/v1/users", UriKind.Relative));
                statuses.Append(r.StatusCode == HttpStatusCode.OK ? '.' : 'X');
            }

            return statuses.ToString();
        }

        string first = await RunAsync();
        string second = await RunAsync();

        Assert.That(second, Is.EqualTo(first));
        Assert.That(first, Does.Contain("X").And.Contain("."));
    }

    [Test]
    public async Task CommitThenDrop_ClientSeesAnException_YetTheUserIsStored()
    {
        await using var emulator = await KindeEmulator.StartAsync(new() { CommitThenDropRate = 1 });
        using var http = await AuthorizedClientAsync(emulator);

        Assert.That(async () => await SendAsync(http, HttpMethod.Post, "api/v1/user", CreateUserJson("dropped@example.com")),
            Throws.InstanceOf<HttpRequestException>());
        using var check = await http.GetAsync(new Uri("api/v1/users?email=dropped%40example.com", UriKind.Relative));

        Assert.That(emulator.State.FindUserByEmail("dropped@example.com"), Is.Not.Null);
        Assert.That(check.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await JsonAsync(check)).GetProperty("users").GetArrayLength(), Is.EqualTo(1));
    }

    // ---------------------------------------------------------------- recording

    [Test]
    public async Task RecordRequests_Off_RecordsNothing()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var http = await AuthorizedClientAsync(emulator);

        await CreateUserAsync(http, "a@example.com");

        Assert.That(emulator.RecordedRequests, Is.Empty);
    }

    [Test]
    public async Task RecordRequests_KeepsApiRequestsInOrder_AndTokenRequestsWithoutSecrets()
    {
        await using var emulator = await KindeEmulator.StartAsync(new() { RecordRequests = true });
        using var http = await AuthorizedClientAsync(emulator);

        string id = await CreateUserAsync(http, "a@example.com");
        using var list = await http.GetAsync(new Uri("api/v1/users?email=a%40example.com&page_size=5", UriKind.Relative));
        using var unknown = await http.DeleteAsync(new Uri("api/v1/nowhere", UriKind.Relative));

        Assert.That(emulator.RecordedRequests, Is.EqualTo(new[]
        {
            new RecordedRequest("POST", "/oauth2/token", "", null),
            new RecordedRequest("POST", "/api/v1/user", "", CreateUserJson("a@example.com")),
            new RecordedRequest("GET", "/api/v1/users", "?email=a%40example.com&page_size=5", null),
            new RecordedRequest("DELETE", "/api/v1/nowhere", "", null),
        }));
        Assert.That(emulator.State.FindUser(id), Is.Not.Null, "the handler still read the body");
        Assert.That(emulator.RecordedRequests[1].ToString(), Does.Not.Contain("a@example.com"), "ToString leaves the body out");
    }

    [Test]
    public async Task RecordRequests_KeepsRequestsAnswered500OrDropped()
    {
        await using var failing = await KindeEmulator.StartAsync(new() { RecordRequests = true, FailureRate = 1 });
        await using var dropping = await KindeEmulator.StartAsync(new() { RecordRequests = true, CommitThenDropRate = 1 });
        using var failingHttp = await AuthorizedClientAsync(failing);
        using var droppingHttp = await AuthorizedClientAsync(dropping);

        using var failed = await SendAsync(failingHttp, HttpMethod.Post, "api/v1/user", CreateUserJson("f@example.com"));
        Assert.That(async () => await SendAsync(droppingHttp, HttpMethod.Post, "api/v1/user", CreateUserJson("d@example.com")),
            Throws.InstanceOf<HttpRequestException>());

        Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(failing.RecordedRequests[^1], Is.EqualTo(new RecordedRequest("POST", "/api/v1/user", "", CreateUserJson("f@example.com"))));
        Assert.That(dropping.RecordedRequests[^1], Is.EqualTo(new RecordedRequest("POST", "/api/v1/user", "", CreateUserJson("d@example.com"))));
    }

    // ---------------------------------------------------------------- helpers

    private static Task<HttpResponseMessage> RequestTokenAsync(
        HttpClient http, KindeEmulator emulator, string? secret = null, string? audience = null, string? scope = null)
    {
        var fields = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = emulator.Options.ClientId,
            ["client_secret"] = secret ?? emulator.Options.ClientSecret,
            ["audience"] = audience ?? emulator.Audience,
        };
        if (scope is not null)
        {
            fields["scope"] = scope;
        }

        return http.PostAsync(emulator.TokenEndpoint, new FormUrlEncodedContent(fields));
    }

    private static async Task<HttpClient> AuthorizedClientAsync(KindeEmulator emulator, string? scope = null)
    {
        var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        using var response = await RequestTokenAsync(http, emulator, scope: scope);
        response.EnsureSuccessStatusCode();
        string token = (await JsonAsync(response)).GetProperty("access_token").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        return await http.SendAsync(request);
    }

    private static string CreateUserJson(string email) =>
        $$$"""{"profile":{"given_name":"Test"},"identities":[{"type":"email","is_verified":true,"details":{"email":"{{{email}}}"}}]}""";

    private static async Task<string> CreateUserAsync(HttpClient http, string email)
    {
        using var response = await SendAsync(http, HttpMethod.Post, "api/v1/user", CreateUserJson(email));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return (await JsonAsync(response)).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>The code of an array-form error body.</summary>
    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response) =>
        (await JsonAsync(response)).GetProperty("errors")[0].GetProperty("code").GetString();

    /// <summary>The code of an object-form (404) error body.</summary>
    private static async Task<string?> NotFoundCodeAsync(HttpResponseMessage response) =>
        (await JsonAsync(response)).GetProperty("errors").GetProperty("code").GetString();
}
