using Kinde.Migration.KindeApi;
using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Tests.KindeApi;

/// <summary>Each <see cref="IKindeApi"/> call against the emulator: the happy path, one documented error shape, and
/// pagination with small pages.</summary>
[CancelAfter(15_000)]
public sealed class KindeApiCallsTests
{
    private static KindeApiOptions OptionsFor(KindeEmulator emulator) => new()
    {
        Domain = emulator.BaseAddress,
        ClientId = "emulator-client",
        ClientSecret = "emulator-secret",
        RequestsPerSecond = null,
    };

    private static KindeApiClient ClientFor(KindeEmulator emulator, int pageSize = KindeApiClient.MaxPageSize) =>
        KindeApiClient.Create(OptionsFor(emulator), TimeProvider.System, pageSize: pageSize);

    [Test]
    public async Task AddIdentity_ReturnsTheIdentityId()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        var user = await api.CreateUserAsync(new KindeNewUser(Email: "id@example.com"));

        string? id = await api.AddIdentityAsync(user.Id, new KindeNewIdentity("phone", "+61426148233", PhoneCountryId: "au"));
        string? social = await api.AddIdentityAsync(user.Id, new KindeNewIdentity("social", "id@gmail.example", ConnectionId: "conn_google"));

        var identities = emulator.State.FindUser(user.Id)!.Identities;
        Assert.That(id, Is.Not.Null.And.StartsWith("identity_"));
        Assert.That(identities.Select(i => (i.Id, i.Type, i.Value)), Does.Contain((id!, "phone", "+61426148233")).And.Contain((social!, "social", "id@gmail.example")));
        Assert.That(identities.Single(i => i.Type == "social").ConnectionId, Is.EqualTo("conn_google"));
    }

    [Test]
    public async Task AddIdentity_Invalid_IsA400WithTheArrayCode()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        var user = await api.CreateUserAsync(new KindeNewUser(Email: "id@example.com"));

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.AddIdentityAsync(user.Id, new KindeNewIdentity("phone", "+61426148233")));

        Assert.That(ex!.StatusCode, Is.EqualTo(400));
        Assert.That(ex.ErrorCode, Is.EqualTo("INVALID_IDENTITY"));
        Assert.That(api.Statistics.Retries, Is.Zero);
    }

    [Test]
    public async Task SetPassword_SendsEveryParameter_AndNeverTheHashInAnError()
    {
        const string Hash = "c2VjcmV0LWhhc2gtdmFsdWU=";
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        var user = await api.CreateUserAsync(new KindeNewUser(Email: "pw@example.com"));

        await api.SetPasswordAsync(user.Id, new KindePasswordRequest(Hash, "pbkdf2", Salt: "c2FsdA==", Iterations: 10000, Variant: "salted-pbkdf2-hmac-sha256"));
        var refused = Assert.ThrowsAsync<KindeApiException>(() => api.SetPasswordAsync(user.Id, new KindePasswordRequest(Hash, "pbkdf2")));
        var missing = Assert.ThrowsAsync<KindeApiException>(() => api.SetPasswordAsync("kp_missing", new KindePasswordRequest(Hash, null)));

        Assert.That(emulator.State.FindUser(user.Id)!.Password, Is.EqualTo(new EmulatedPassword("pbkdf2", EmulatedPassword.Fingerprint(Hash), false, true)));
        Assert.That(refused!.StatusCode, Is.EqualTo(400));
        Assert.That(refused.ErrorCode, Is.EqualTo("INVALID_PASSWORD_PARAMETERS"));
        Assert.That(missing!.StatusCode, Is.EqualTo(404));
        Assert.That(missing.ErrorCode, Is.EqualTo("USER_NOT_FOUND"));
        Assert.That(refused.ToString() + missing, Does.Not.Contain(Hash));
        Assert.That(new KindePasswordRequest(Hash, "bcrypt").ToString(), Does.Not.Contain(Hash));
    }

    [Test]
    public async Task DeleteUser_TrueThenFalse()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        var user = await api.CreateUserAsync(new KindeNewUser(Email: "del@example.com"));

        bool first = await api.DeleteUserAsync(user.Id);
        bool second = await api.DeleteUserAsync(user.Id);

        Assert.That((first, second), Is.EqualTo((true, false)));
        Assert.That(emulator.State.Users, Is.Empty);
    }

    [Test]
    public async Task DeleteUser_WithoutTheScope_IsA403()
    {
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions
        {
            Scopes = KindeEmulatorOptions.DefaultScopes.Where(s => s != "delete:users").ToArray(),
        });
        using var api = ClientFor(emulator);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.DeleteUserAsync("kp_any"));

        Assert.That(ex!.StatusCode, Is.EqualTo(403));
        Assert.That(ex.ErrorCode, Is.EqualTo("FORBIDDEN"));
        Assert.That(ex.Message, Does.Contain("delete:users"));
    }

    [Test]
    public async Task Organizations_CreateAndListAllPages()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator, pageSize: 2);
        var codes = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            codes.Add(await api.CreateOrganizationAsync($"Org {i}", i % 2 == 0 ? $"auth0-org-{i}" : null));
        }

        long before = api.Statistics.Requests;
        var organizations = await api.ListOrganizationsAsync();

        Assert.That(api.Statistics.Requests - before, Is.EqualTo(3), "5 organizations (with the default) in pages of 2");
        Assert.That(organizations, Has.Count.EqualTo(5));
        Assert.That(organizations.Single(o => o.IsDefault).Code, Is.EqualTo(emulator.State.DefaultOrganizationCode));
        Assert.That(organizations.Where(o => !o.IsDefault), Is.EqualTo(new[]
        {
            new KindeOrganizationRef(codes[0], "Org 0", "auth0-org-0", false),
            new KindeOrganizationRef(codes[1], "Org 1", null, false),
            new KindeOrganizationRef(codes[2], "Org 2", "auth0-org-2", false),
            new KindeOrganizationRef(codes[3], "Org 3", null, false),
        }));
    }

    [Test]
    public async Task CreateOrganization_WithoutTheScope_IsA403_AndIsNotRetried()
    {
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions
        {
            Scopes = KindeEmulatorOptions.DefaultScopes.Where(s => s != "create:organizations").ToArray(),
        });
        using var api = ClientFor(emulator);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.CreateOrganizationAsync("Acme", null));

        Assert.That(ex!.StatusCode, Is.EqualTo(403));
        Assert.That(ex.ErrorCode, Is.EqualTo("FORBIDDEN"));
        Assert.That(api.Statistics.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task AddOrganizationUsers_SendsChunksOf100_WithRoleAndPermissionKeys()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        await api.CreateRoleAsync("admin", "Admin", null);
        await api.CreatePermissionAsync("read:reports", "Read reports", null);
        string org = await api.CreateOrganizationAsync("Acme", "auth0-acme");
        var users = new List<KindeOrganizationUserRequest>();
        for (int i = 0; i < 205; i++)
        {
            var created = await api.CreateUserAsync(new KindeNewUser(Email: $"m{i}@example.com"));
            users.Add(i == 0
                ? new KindeOrganizationUserRequest(created.Id, ["admin"], ["read:reports"])
                : new KindeOrganizationUserRequest(created.Id, [], []));
        }

        long before = api.Statistics.Requests;
        await api.AddOrganizationUsersAsync(org, users);
        await api.AddOrganizationUsersAsync(org, []);

        Assert.That(api.Statistics.Requests - before, Is.EqualTo(3), "100 + 100 + 5; nothing for an empty list");
        var members = emulator.State.FindOrganization(org)!.Members;
        Assert.That(members.Select(m => m.UserId), Is.EqualTo(users.Select(u => u.Id)));
        Assert.That(members[0], Is.EqualTo(new EmulatedMembership(users[0].Id, ["admin"], ["read:reports"])).Using<EmulatedMembership>(SameMembership));
    }

    [Test]
    public async Task AddOrganizationUsers_UnknownOrganization_IsA404WithTheObjectCode()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        var user = await api.CreateUserAsync(new KindeNewUser(Email: "m@example.com"));

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.AddOrganizationUsersAsync("org_missing", [new(user.Id, [], [])]));

        Assert.That(ex!.StatusCode, Is.EqualTo(404));
        Assert.That(ex.ErrorCode, Is.EqualTo("ORGANIZATION_NOT_FOUND"));
    }

    [Test]
    public async Task AddOrganizationUsers_UnknownRoleKey_IsA400WithTheArrayCode()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        var user = await api.CreateUserAsync(new KindeNewUser(Email: "m@example.com"));

        var ex = Assert.ThrowsAsync<KindeApiException>(
            () => api.AddOrganizationUsersAsync(emulator.State.DefaultOrganizationCode, [new(user.Id, ["nope"], [])]));

        Assert.That(ex!.StatusCode, Is.EqualTo(400));
        Assert.That(ex.ErrorCode, Is.EqualTo("ROLE_NOT_FOUND"));
    }

    [Test]
    public async Task Roles_CreateAndListAllPages()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator, pageSize: 2);
        var ids = new List<string?>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await api.CreateRoleAsync($"role-{i}", $"Role {i}", i == 0 ? "The first" : null));
        }

        var roles = await api.ListRolesAsync();

        Assert.That(ids, Is.All.Not.Null);
        Assert.That(roles, Is.EqualTo(ids.Select((id, i) => new KindeKeyedRef(id!, $"role-{i}"))));
        Assert.That(emulator.State.Roles[0].Description, Is.EqualTo("The first"));
    }

    [Test]
    public async Task CreateRole_DuplicateKey_IsA400WithTheArrayCode()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        await api.CreateRoleAsync("admin", "Admin", null);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.CreateRoleAsync("admin", "Admin again", null));

        Assert.That(ex!.StatusCode, Is.EqualTo(400));
        Assert.That(ex.ErrorCode, Is.EqualTo("ROLE_KEY_ALREADY_EXISTS"));
    }

    [Test]
    public async Task Permissions_CreateWithoutAnId_ThenFindTheIdByListingAllPages()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator, pageSize: 2);
        for (int i = 0; i < 3; i++)
        {
            await api.CreatePermissionAsync($"perm:{i}", $"Permission {i}", "d");
        }

        var permissions = await api.ListPermissionsAsync();

        Assert.That(permissions, Is.EqualTo(emulator.State.Permissions.Select(p => new KindeKeyedRef(p.Id, p.Key))));
        Assert.That(permissions.Select(p => p.Key), Is.EqualTo(new[] { "perm:0", "perm:1", "perm:2" }));
    }

    [Test]
    public async Task CreatePermission_WithoutTheScope_IsA403()
    {
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions
        {
            Scopes = KindeEmulatorOptions.DefaultScopes.Where(s => s != "create:permissions").ToArray(),
        });
        using var api = ClientFor(emulator);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.CreatePermissionAsync("p", "P", null));

        Assert.That((ex!.StatusCode, ex.ErrorCode), Is.EqualTo(((int?)403, "FORBIDDEN")));
    }

    [Test]
    public async Task UserProperties_CategoriesAndDefinitions_ListAllPagesByCursor()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator, pageSize: 2);
        var categoryIds = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            categoryIds.Add(await api.CreateUserPropertyCategoryAsync($"Category {i}"));
        }

        var propertyIds = new List<string?>();
        for (int i = 0; i < 5; i++)
        {
            propertyIds.Add(await api.CreateUserPropertyAsync($"auth0_field_{i}", $"Field {i}", categoryIds[i % 3]));
        }

        long before = api.Statistics.Requests;
        var categories = await api.ListUserPropertyCategoriesAsync();
        var properties = await api.ListUserPropertiesAsync();

        Assert.That(api.Statistics.Requests - before, Is.EqualTo(2 + 3), "3 categories and 5 properties in pages of 2");
        Assert.That(categories, Is.EqualTo(categoryIds.Select((id, i) => new KindeKeyedRef(id, $"Category {i}"))));
        Assert.That(properties, Is.EqualTo(propertyIds.Select((id, i) => new KindeKeyedRef(id!, $"auth0_field_{i}"))));
        Assert.That(emulator.State.Properties.Select(p => (p.Type, p.Context, p.IsPrivate)), Is.All.EqualTo(("multi_line_text", "usr", true)));
        Assert.That(emulator.State.PropertyCategories.Select(c => c.Context), Is.All.EqualTo("usr"));
    }

    [Test]
    public async Task UserProperties_AreEmptyLists_WhenNothingIsDefined()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);

        Assert.That(await api.ListUserPropertiesAsync(), Is.Empty);
        Assert.That(await api.ListUserPropertyCategoriesAsync(), Is.Empty);
        Assert.That(await api.ListRolesAsync(), Is.Empty);
        Assert.That(await api.ListPermissionsAsync(), Is.Empty);
        Assert.That(await api.GetUsersByEmailAsync(["nobody@example.com"]), Is.Empty);
    }

    [Test]
    public async Task CreateUserProperty_UnknownCategory_IsA400WithTheArrayCode()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.CreateUserPropertyAsync("k", "K", "cat_missing"));

        Assert.That((ex!.StatusCode, ex.ErrorCode), Is.EqualTo(((int?)400, "CATEGORY_NOT_FOUND")));
    }

    [Test]
    public async Task SetProperties_UnknownKey_IsA400WithTheArrayCode()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        using var api = ClientFor(emulator);
        var user = await api.CreateUserAsync(new KindeNewUser(Email: "p@example.com"));

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.SetPropertiesAsync(user.Id, new Dictionary<string, string> { ["nope"] = "x" }));

        Assert.That((ex!.StatusCode, ex.ErrorCode), Is.EqualTo(((int?)400, "PROPERTY_NOT_FOUND")));
    }

    [Test]
    public async Task Lists_TolerateMissingListsAndStopOnARepeatedCursor()
    {
        using var primary = new ScriptedHandler(request => request.RequestUri!.AbsolutePath switch
        {
            "/api/v1/roles" => """{"code":"OK","message":"Success"}""",
            "/api/v1/permissions" => """{"permissions":[{"id":"p1","key":"a"},{"key":"no-id"}],"next_token":""}""",
            "/api/v1/organizations" => """{"organizations":[{"code":"org_1","name":"One"}],"next_token":"same"}""",
            "/api/v1/properties" => """{"properties":[{"id":"prop_1","key":"k"}]}""",
            "/api/v1/property_categories" => """{"categories":[{"id":"cat_1","name":"C"}],"has_more":true}""",
            _ => """{}""",
        });
        using var client = KindeApiClient.Create(
            new KindeApiOptions { Domain = new Uri("http://127.0.0.1:9/"), ClientId = "c", ClientSecret = "s", RequestsPerSecond = null },
            TimeProvider.System, primary, pageSize: 1);

        Assert.That(await client.ListRolesAsync(), Is.Empty);
        Assert.That(await client.ListPermissionsAsync(), Is.EqualTo(new[] { new KindeKeyedRef("p1", "a") }));
        Assert.That(await client.ListOrganizationsAsync(), Has.Count.EqualTo(2), "the same token twice ends the list");
        Assert.That(await client.ListUserPropertiesAsync(), Has.Count.EqualTo(2), "no has_more and a full page: ask again; the same last id ends it");
        Assert.That(await client.ListUserPropertyCategoriesAsync(), Has.Count.EqualTo(2));
        Assert.That(primary.Requests.Where(r => r.StartsWith("/api/v1/properties", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "/api/v1/properties?context=usr&page_size=1", "/api/v1/properties?context=usr&page_size=1&starting_after=prop_1",
        }));
    }

    private static bool SameMembership(EmulatedMembership a, EmulatedMembership b) =>
        a.UserId == b.UserId && a.Roles.SequenceEqual(b.Roles) && a.Permissions.SequenceEqual(b.Permissions);

    /// <summary>Answers the token request, then every API request with the body chosen by path.</summary>
    private sealed class ScriptedHandler(Func<HttpRequestMessage, string> body) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string json = request.RequestUri!.AbsolutePath == "/oauth2/token"
                ? """{"access_token":"t","token_type":"Bearer","expires_in":3600}"""
                : body(request);
            if (request.RequestUri.AbsolutePath != "/oauth2/token")
            {
                lock (Requests)
                {
                    Requests.Add(request.RequestUri.PathAndQuery);
                }
            }

            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(json) });
        }
    }
}
