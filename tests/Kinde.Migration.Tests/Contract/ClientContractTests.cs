using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Tests.Contract;

/// <summary>Every call of <see cref="KindeApiClient"/>, sent to the emulator, checked against Kinde's spec.</summary>
[CancelAfter(30_000)]
public sealed class ClientContractTests
{
    [Test]
    public async Task ClientConformsToSpec()
    {
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { RecordRequests = true });
        await DefineUserPropertyAsync(emulator, "theme");
        var options = new KindeApiOptions { Domain = emulator.BaseAddress, ClientId = "emulator-client", ClientSecret = "emulator-secret" };

        // A page size of 1 makes the lookup follow next_token.
        using var client = KindeApiClient.Create(options, TimeProvider.System, pageSize: 1);

        var full = await client.CreateUserAsync(new KindeNewUser(
            GivenName: "Lee", FamilyName: "Liu", Email: "lee@example.com", EmailVerified: true,
            Phone: "+61426148233", PhoneVerified: true, PhoneCountryId: "au", Username: "leeliu", ProvidedId: "auth0|123",
            OrganizationCode: emulator.State.DefaultOrganizationCode));
        var bare = await client.CreateUserAsync(new KindeNewUser(Email: "bare@example.com"));
        var found = await client.GetUsersByEmailAsync(["lee@example.com", "bare@example.com", "nobody@example.com"]);
        await client.SetPasswordAsync(full.Id, new KindePasswordRequest("$2a$10$abcdefghijklmnopqrstuu5dTnJ0N4kXb2iJ0n9pYy0jJg3v8pQ6e", "bcrypt"));
        await client.SetPasswordAsync(bare.Id, new KindePasswordRequest("aGFzaA==", "sha256", Salt: "c2FsdA==", SaltPosition: "suffix"));
        await client.UpdateUserAsync(full.Id, isSuspended: true);
        await client.UpdateUserAsync(bare.Id, isSuspended: null);
        await client.UpdateProfileAsync(full.Id, "Lee", "Liu");
        await client.SetPropertiesAsync(full.Id, new Dictionary<string, string> { ["theme"] = "dark" });

        Assert.That(found.Select(u => u.Id), Is.EquivalentTo(new[] { full.Id, bare.Id }));
        Assert.That(emulator.RecordedRequests.Select(r => r.QueryString), Has.Some.Contains("next_token="), "the paging call was made");
        ContractAssert.AllConform(emulator);
    }

    [Test]
    public async Task AllConform_FailsOnANonConformingRequest()
    {
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { RecordRequests = true });
        using var http = await AuthorizedHttpAsync(emulator);
        using var response = await http.PatchAsJsonAsync("api/v1/user?id=kp_missing", new JsonObject { ["is_suspend"] = true });

        var failure = Assert.Throws<AssertionException>(() => ContractAssert.AllConform(emulator));

        Assert.That(failure!.Message, Does.Contain("PATCH /api/v1/user: body $.is_suspend: is not declared in the schema"));
    }

    /// <summary>Defines a user property by calling the emulator directly (the client has no call for it yet).</summary>
    private static async Task DefineUserPropertyAsync(KindeEmulator emulator, string key)
    {
        using var http = await AuthorizedHttpAsync(emulator);
        using var category = await http.PostAsJsonAsync("api/v1/property_categories", new JsonObject { ["name"] = "Migrated", ["context"] = "usr" });
        string categoryId = (await category.Content.ReadFromJsonAsync<JsonObject>())!["category"]!["id"]!.GetValue<string>();
        using var property = await http.PostAsJsonAsync("api/v1/properties", new JsonObject
        {
            ["name"] = key, ["key"] = key, ["type"] = "single_line_text", ["context"] = "usr", ["is_private"] = false, ["category_id"] = categoryId,
        });
        Assert.That((int)property.StatusCode, Is.EqualTo(201));
    }

    private static async Task<HttpClient> AuthorizedHttpAsync(KindeEmulator emulator)
    {
        var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        using var response = await http.PostAsync("oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = emulator.Options.ClientId,
            ["client_secret"] = emulator.Options.ClientSecret,
            ["audience"] = emulator.Audience,
        }));
        string token = (await response.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
