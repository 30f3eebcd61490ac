using System.Text.Json.Nodes;
using Kinde.Migration.Auth0;
using Kinde.Migration.Joining;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Mapping;

/// <summary>The documented Auth0 → Kinde mapping, on the eight users of auth0-export-formats.md §8.2.</summary>
[TestFixture]
public sealed class DefaultUserMapperTests
{
    private const string AdaId = "auth0|65a1f202e4b0a1b2c3d4e5f6";
    private const string GraceId = "google-oauth2|108234567890123456789";
    private const string OctoId = "github|5123987";
    private const string MagicLinkId = "email|664b21c01234abcd5678ef90";
    private const string SmsId = "sms|664c7340abcdef0123456789";
    private const string SamlId = "samlp|acme-saml|E12345";
    private const string PartnerId = "oauth2|partner-idp|u-77af";
    private const string LegacyId = "auth0|legacy-000123";

    private const string Bcrypt2b = "$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";
    private const string Bcrypt2a = "$2a$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";
    private const string Argon2 = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";

    private static readonly string[] AllIds = [AdaId, GraceId, OctoId, MagicLinkId, SmsId, SamlId, PartnerId, LegacyId];

    private List<string> _warnings = [];
    private List<(string Key, MetadataKeyFate Fate)> _fates = [];

    [SetUp]
    public void SetUp()
    {
        _warnings = [];
        _fates = [];
    }

    // ---- the eight §8.2 users ----

    [Test]
    public async Task JobExport_HasTheEightSampleUsers()
    {
        var users = await ReadJobExportAsync();
        Assert.That(users.Select(u => u.UserId), Is.EqualTo(AllIds));
    }

    [Test]
    public async Task Ada_DatabaseUser_IdNamesEmailAndUsername()
    {
        var result = await MapAsync(await UserAsync(AdaId));

        Assert.That(result.IsRejected, Is.False);
        var user = result.User!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Id, Is.EqualTo(AdaId));
            Assert.That(user.SourceUserIds, Is.EqualTo(new[] { AdaId }));
            Assert.That(user.FirstName, Is.EqualTo("Ada"));
            Assert.That(user.LastName, Is.EqualTo("Lovelace"));
            Assert.That(user.Picture, Does.StartWith("https://s.gravatar.com/avatar/0f3c7e1d2b4a5968"));
            Assert.That(user.Suspended, Is.False);
            Assert.That(user.Identities, Is.EqualTo(new[]
            {
                new KindeIdentity(KindeIdentityTypes.Email, "ada.lovelace@example.com", true),
                new KindeIdentity(KindeIdentityTypes.Username, "ada_l"),
            }));
            Assert.That(user.Password, Is.Null, "no hash was joined");
            Assert.That(user.Organizations, Is.Empty, "role and organization mapping are off by default");
            Assert.That(_warnings, Is.EqualTo(new[] { "multifactor_not_migrated" }));
        }
    }

    [Test]
    public async Task Ada_Metadata_EveryTopLevelKeyIsAPropertyWithExactlyOneFate()
    {
        var user = (await MapAsync(await UserAsync(AdaId))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Properties, Is.EquivalentTo(new Dictionary<string, string>
            {
                ["auth0_app_roles"] = """["admin"]""",
                ["auth0_app_plan"] = "enterprise",
                ["auth0_app_external_org_ids"] = """["org_7Hq2","org_9Zx1"]""",
                ["auth0_user_theme"] = "dark",
                ["auth0_user_locale"] = "en-GB",
                ["auth0_user_consent"] = """{"given":true,"date":"01/23/2019"}""",
            }));
            Assert.That(_fates, Is.EquivalentTo(new[]
            {
                ("app_metadata.roles", MetadataKeyFate.Property),
                ("app_metadata.plan", MetadataKeyFate.Property),
                ("app_metadata.external_org_ids", MetadataKeyFate.Property),
                ("user_metadata.theme", MetadataKeyFate.Property),
                ("user_metadata.locale", MetadataKeyFate.Property),
                ("user_metadata.consent", MetadataKeyFate.Property),
            }));
        }

        // The nested consent is JSON text that parses back to the original object.
        var consent = JsonNode.Parse(user.Properties["auth0_user_consent"])!.AsObject();
        Assert.That(JsonNode.DeepEquals(consent, JsonNode.Parse("""{"given":true,"date":"01/23/2019"}""")), Is.True);
    }

    [Test]
    public async Task EverySampleUser_EachTopLevelMetadataKeyGetsExactlyOneFate()
    {
        foreach (var source in await ReadJobExportAsync())
        {
            _fates.Clear();
            await MapAsync(source);
            var expected = (source.AppMetadata?.Select(p => "app_metadata." + p.Key) ?? [])
                .Concat(source.UserMetadata?.Select(p => "user_metadata." + p.Key) ?? [])
                .ToList();
            Assert.That(_fates.Select(f => f.Key), Is.EquivalentTo(expected), source.UserId);
        }
    }

    [Test]
    public async Task Grace_Google_GetsOauth2GoogleIdentity()
    {
        var result = await MapAsync(await UserAsync(GraceId));

        var user = result.User!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Id, Is.EqualTo(GraceId));
            Assert.That(user.FirstName, Is.EqualTo("Grace"));
            Assert.That(user.LastName, Is.EqualTo("Hopper"));
            Assert.That(user.Identities, Has.Count.EqualTo(2));
            Assert.That(user.Identities[0], Is.EqualTo(new KindeIdentity(KindeIdentityTypes.Email, "grace.hopper@example.org", true)));
            Assert.That(user.Identities[1].Type, Is.EqualTo("oauth2:google"));
            Assert.That(user.Identities[1].Provider, Is.EqualTo("google"));
            Assert.That(user.Identities[1].Value, Is.EqualTo("108234567890123456789"));
            Assert.That(user.Identities[1].IsVerified, Is.True);
            Assert.That(user.Properties, Is.Empty);
            Assert.That(_warnings, Is.Empty);
        }
    }

    [Test]
    public async Task Octo_GitHub_NameSplitAndNumericProviderId()
    {
        var user = (await MapAsync(await UserAsync(OctoId))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Id, Is.EqualTo(OctoId));
            Assert.That(user.FirstName, Is.EqualTo("Octo"), "split from name");
            Assert.That(user.LastName, Is.EqualTo("Dev"), "split from name");
            Assert.That(user.Identities.Select(i => (i.Type, i.Value, i.Provider)), Is.EqualTo(new[]
            {
                (KindeIdentityTypes.Email, "octo.dev@example.com", (string?)null),
                ("oauth2:github", "5123987", "github"),
            }));
            Assert.That(_warnings, Is.Empty);
        }
    }

    [Test]
    public async Task MagicLink_PasswordlessEmail_EmailIdentityAndNoNameFromTheEmail()
    {
        var user = (await MapAsync(await UserAsync(MagicLinkId))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Id, Is.EqualTo(MagicLinkId));
            Assert.That(user.FirstName, Is.Null, "an email-like name is not a name");
            Assert.That(user.LastName, Is.Null);
            Assert.That(user.Identities, Is.EqualTo(new[] { new KindeIdentity(KindeIdentityTypes.Email, "magic.link@example.com", true) }));
            Assert.That(_warnings, Is.Empty);
        }
    }

    [Test]
    public async Task Sms_PasswordlessPhone_PhoneIdentityAndNoNameFromThePhone()
    {
        var user = (await MapAsync(await UserAsync(SmsId))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Id, Is.EqualTo(SmsId));
            Assert.That(user.FirstName, Is.Null, "a phone-like name is not a name");
            Assert.That(user.LastName, Is.Null);
            Assert.That(user.Identities, Is.EqualTo(new[] { new KindeIdentity(KindeIdentityTypes.Phone, "+15555550123", true) }));
            Assert.That(user.Phone, Is.EqualTo("+15555550123"));
            Assert.That(_warnings, Is.Empty);
        }
    }

    [Test]
    public async Task Saml_WithoutEmail_IsRejectedNamingTheConnection()
    {
        var result = await MapAsync(await UserAsync(SamlId));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsRejected, Is.True);
            Assert.That(result.User, Is.Null);
            Assert.That(result.RejectionReasons, Has.Count.EqualTo(1));
            Assert.That(result.RejectionReasons[0], Does.Contain("acme-saml"));
            Assert.That(_warnings, Is.EqualTo(new[] { "enterprise_connection:acme-saml" }));
        }
    }

    [Test]
    public async Task Saml_WithEmail_IsAcceptedWithAnEmailIdentityAndTheWarning()
    {
        var source = await UserAsync(SamlId);
        source.Email = "e12345@acme.example";
        source.EmailVerified = true;

        var result = await MapAsync(source);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsRejected, Is.False);
            Assert.That(result.User!.Identities, Is.EqualTo(new[] { new KindeIdentity(KindeIdentityTypes.Email, "e12345@acme.example", true) }));
            Assert.That(_warnings, Is.EqualTo(new[] { "enterprise_connection:acme-saml" }));
        }
    }

    [Test]
    public async Task Partner_CustomOauth2_KeepsEmailAndWarnsUnsupportedConnection()
    {
        var result = await MapAsync(await UserAsync(PartnerId));

        Assert.That(result.IsRejected, Is.False);
        var user = result.User!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Id, Is.EqualTo(PartnerId));
            Assert.That(user.FirstName, Is.EqualTo("Partner"));
            Assert.That(user.LastName, Is.EqualTo("User"));
            Assert.That(user.Identities, Is.EqualTo(new[] { new KindeIdentity(KindeIdentityTypes.Email, "partner.user@example.com", false) }));
            Assert.That(_warnings, Is.EqualTo(new[] { "unsupported_connection:partner-idp" }));
        }
    }

    [Test]
    public async Task Partner_CustomSocialTableEntry_AddsThatIdentityAndNoWarning()
    {
        var options = new MappingOptions();
        options.SocialConnections["partner-idp"] = "oauth2:partner";

        var user = (await MapAsync(await UserAsync(PartnerId), options)).User!;

        var social = user.Identities.Where(i => KindeIdentityTypes.IsSocial(i.Type)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(social, Has.Count.EqualTo(1));
            Assert.That(social[0].Type, Is.EqualTo("oauth2:partner"));
            Assert.That(social[0].Provider, Is.EqualTo("partner"));
            Assert.That(social[0].IsVerified, Is.True);
            Assert.That(social[0].Value, Does.EndWith("u-77af"));
            Assert.That(user.Email, Is.EqualTo("partner.user@example.com"));
            Assert.That(_warnings, Is.Empty);
        }
    }

    [Test]
    public async Task Legacy_Blocked_IsSuspendedAndMetadataBecomesAProperty()
    {
        var user = (await MapAsync(await UserAsync(LegacyId))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Id, Is.EqualTo(LegacyId));
            Assert.That(user.Suspended, Is.True);
            Assert.That(user.FirstName, Is.Null);
            Assert.That(user.LastName, Is.Null);
            Assert.That(user.Identities, Is.EqualTo(new[] { new KindeIdentity(KindeIdentityTypes.Email, "imported.user@example.com", true) }));
            Assert.That(user.Properties, Is.EquivalentTo(new Dictionary<string, string> { ["auth0_app_migrated_from"] = "legacy" }));
            Assert.That(_fates, Is.EqualTo(new[] { ("app_metadata.migrated_from", MetadataKeyFate.Property) }));
            Assert.That(_warnings, Is.Empty);
        }
    }

    [Test]
    public async Task OnlyTheSamlUserIsRejected_AndOnlyBlockedIsSuspended()
    {
        var rejected = new List<string>();
        var suspended = new List<string>();
        foreach (var source in await ReadJobExportAsync())
        {
            var result = await MapAsync(source);
            if (result.IsRejected)
            {
                rejected.Add(source.UserId!);
            }
            else if (result.User!.Suspended)
            {
                suspended.Add(source.UserId!);
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rejected, Is.EqualTo(new[] { SamlId }));
            Assert.That(suspended, Is.EqualTo(new[] { LegacyId }));
        }
    }

    // ---- metadata rules ----

    [Test]
    public async Task RolesPath_MakesADefaultOrganizationMembershipWithTheRole()
    {
        var options = new MappingOptions { RolesPath = "app_metadata.roles" };

        var user = (await MapAsync(await UserAsync(AdaId), options)).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Organizations, Has.Count.EqualTo(1));
            Assert.That(user.Organizations[0].ExternalId, Is.EqualTo(""));
            Assert.That(user.Organizations[0].Roles, Is.EqualTo(new[] { "admin" }));
            Assert.That(user.Organizations[0].Permissions, Is.Empty);
            Assert.That(user.Properties.Keys, Has.No.Member("auth0_app_roles"));
            Assert.That(_fates.Where(f => f.Key == "app_metadata.roles"), Is.EqualTo(new[] { ("app_metadata.roles", MetadataKeyFate.Mapped) }));
            Assert.That(_fates, Has.Count.EqualTo(6));
        }
    }

    [Test]
    public async Task RolesPath_WithRolesOrganization_PutsTheRolesInThatOrganization()
    {
        var options = new MappingOptions { RolesPath = "app_metadata.roles", RolesOrganization = "org_7Hq2", OrganizationsPath = "app_metadata.external_org_ids" };

        var user = (await MapAsync(await UserAsync(AdaId), options)).User!;

        Assert.That(user.Organizations.Select(o => (o.ExternalId, string.Join(",", o.Roles))), Is.EqualTo(new[] { ("org_7Hq2", "admin"), ("org_9Zx1", "") }));
    }

    [Test]
    public async Task RolesPath_CommaSeparatedString_IsSplit()
    {
        var source = await UserAsync(AdaId);
        source.AppMetadata!["roles"] = " admin, billing ,,viewer";

        var user = (await MapAsync(source, new MappingOptions { RolesPath = "app_metadata.roles" })).User!;

        Assert.That(user.Organizations.Single().Roles, Is.EqualTo(new[] { "admin", "billing", "viewer" }));
    }

    [Test]
    public async Task OrganizationsPath_MakesAMembershipPerExternalId()
    {
        var options = new MappingOptions { OrganizationsPath = "app_metadata.external_org_ids" };

        var user = (await MapAsync(await UserAsync(AdaId), options)).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Organizations.Select(o => o.ExternalId), Is.EqualTo(new[] { "org_7Hq2", "org_9Zx1" }));
            Assert.That(user.Organizations.SelectMany(o => o.Roles), Is.Empty);
            Assert.That(user.Properties.Keys, Has.No.Member("auth0_app_external_org_ids"));
            Assert.That(user.Properties.Keys, Has.Member("auth0_app_roles"), "roles stay a property while RolesPath is off");
            Assert.That(_fates.Where(f => f.Key == "app_metadata.external_org_ids"), Is.EqualTo(new[] { ("app_metadata.external_org_ids", MetadataKeyFate.Mapped) }));
        }
    }

    [Test]
    public async Task NestedRulePaths_ConsumeTheirTopLevelKey()
    {
        var source = await UserAsync(AdaId);
        source.AppMetadata!["authorization"] = JsonNode.Parse("""{"roles":["editor"]}""");

        var user = (await MapAsync(source, new MappingOptions { RolesPath = "app_metadata.authorization.roles" })).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Organizations.Single().Roles, Is.EqualTo(new[] { "editor" }));
            Assert.That(_fates, Has.Member(("app_metadata.authorization", MetadataKeyFate.Mapped)));
            Assert.That(user.Properties.Keys, Has.No.Member("auth0_app_authorization"));
        }
    }

    [Test]
    public async Task RolesAndOrganizationsUnderTheSameTopLevelKey_BothApply()
    {
        var source = await UserAsync(AdaId);
        source.AppMetadata!["authz"] = JsonNode.Parse("""{"roles":["admin"],"orgs":["org_1"]}""");
        var options = new MappingOptions { RolesPath = "app_metadata.authz.roles", OrganizationsPath = "app_metadata.authz.orgs" };

        var user = (await MapAsync(source, options)).User!;

        Assert.That(user.Organizations.Select(o => o.ExternalId), Is.EquivalentTo(new[] { "", "org_1" }));
    }

    [Test]
    public async Task ExcludedMetadata_GetsTheExcludedFateAndNoProperty()
    {
        var options = new MappingOptions();
        options.ExcludedMetadata.Add("user_metadata.consent");
        options.ExcludedMetadata.Add("app_metadata.plan");

        var user = (await MapAsync(await UserAsync(AdaId), options)).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Properties.Keys, Has.No.Member("auth0_user_consent"));
            Assert.That(user.Properties.Keys, Has.No.Member("auth0_app_plan"));
            Assert.That(user.Properties.Values, Has.No.Member("enterprise"));
            Assert.That(_fates, Has.Member(("user_metadata.consent", MetadataKeyFate.Excluded)));
            Assert.That(_fates, Has.Member(("app_metadata.plan", MetadataKeyFate.Excluded)));
            Assert.That(_fates, Has.Count.EqualTo(6));
            Assert.That(_fates.Count(f => f.Fate == MetadataKeyFate.Excluded), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task PropertyKeys_ExplicitKeyIsUsed()
    {
        var options = new MappingOptions();
        options.PropertyKeys["user_metadata.theme"] = "theme";

        var user = (await MapAsync(await UserAsync(AdaId), options)).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Properties["theme"], Is.EqualTo("dark"));
            Assert.That(user.Properties.Keys, Has.No.Member("auth0_user_theme"));
            Assert.That(_fates, Has.Member(("user_metadata.theme", MetadataKeyFate.Property)));
        }
    }

    [Test]
    public async Task PropertyPrefixes_AreConfigurable_AndKeysAreSanitized()
    {
        var source = await UserAsync(LegacyId);
        source.UserMetadata = new JsonObject { ["Favourite-Color"] = "blue" };
        var options = new MappingOptions { AppMetadataPropertyPrefix = "app_", UserMetadataPropertyPrefix = "usr_" };

        var user = (await MapAsync(source, options)).User!;

        Assert.That(user.Properties, Is.EquivalentTo(new Dictionary<string, string> { ["app_migrated_from"] = "legacy", ["usr_favourite_color"] = "blue" }));
    }

    [Test]
    public async Task MetadataKeysSanitizingToTheSamePropertyKey_AreNotSilentlyLost()
    {
        var source = await UserAsync(LegacyId);
        source.AppMetadata = new JsonObject { ["a-b"] = "first", ["a_b"] = "second" };

        var user = (await MapAsync(source)).User!;

        Assert.That(user.Properties.Values.Concat(_warnings), Has.Member("first").And.Member("second").Or.Some.StartsWith("property_key_collision"));
    }

    [Test]
    public async Task NestedMetadata_JsonTextKeepsLettersReadable()
    {
        var source = await UserAsync(LegacyId);
        source.UserMetadata = new JsonObject { ["profile"] = JsonNode.Parse("""{"city":"Zürich","note":"café"}""") };

        var user = (await MapAsync(source)).User!;

        Assert.That(user.Properties["auth0_user_profile"], Is.EqualTo("""{"city":"Zürich","note":"café"}"""));
    }

    // ---- passwords ----

    [Test]
    public async Task JoinedBcrypt2b_BecomesBcrypt2a_WithTheHashRecordAsSource()
    {
        var hash = AdaHash(Bcrypt2b);

        var user = (await MapAsync(await UserAsync(AdaId), context: Context(MigrationMode.WithPasswords, hash))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Password, Is.Not.Null);
            Assert.That(user.Password!.HashingMethod, Is.EqualTo("bcrypt"));
            Assert.That(user.Password.HashedPassword, Is.EqualTo(Bcrypt2a));
            Assert.That(user.Password.Salt, Is.Null);
            Assert.That(user.Password.Source, Is.SameAs(hash));
            Assert.That(_warnings.Where(w => w.StartsWith("password", StringComparison.Ordinal)), Is.Empty);
        }
    }

    [Test]
    public async Task JoinedBcrypt2b_WithoutRewrite_IsKeptAsItIs()
    {
        var options = new MappingOptions { RewriteBcrypt2bTo2a = false };

        var user = (await MapAsync(await UserAsync(AdaId), options, Context(MigrationMode.WithPasswords, AdaHash(Bcrypt2b)))).User!;

        Assert.That(user.Password!.HashedPassword, Is.EqualTo(Bcrypt2b));
    }

    [Test]
    public async Task PasswordsOnlyMode_CarriesThePassword()
    {
        var hash = AdaHash(Bcrypt2b);

        var user = (await MapAsync(await UserAsync(AdaId), context: Context(MigrationMode.PasswordsOnly, hash))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Password?.HashedPassword, Is.EqualTo(Bcrypt2a));
            Assert.That(user.Password?.Source, Is.SameAs(hash));
        }
    }

    [TestCase(MigrationMode.UsersOnly)]
    [TestCase(MigrationMode.NoPasswords)]
    [TestCase(MigrationMode.Passwordless)]
    public async Task ModesWithoutPasswords_CarryNoPassword(MigrationMode mode)
    {
        var user = (await MapAsync(await UserAsync(AdaId), context: Context(mode, AdaHash(Bcrypt2b)))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Password, Is.Null);
            Assert.That(_warnings.Where(w => w.StartsWith("password", StringComparison.Ordinal)), Is.Empty);
        }
    }

    [Test]
    public async Task UnsupportedHash_NoPasswordAndAPasswordUnsupportedWarning()
    {
        var user = (await MapAsync(await UserAsync(AdaId), context: Context(MigrationMode.WithPasswords, AdaHash(Argon2)))).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Password, Is.Null);
            Assert.That(_warnings.Where(w => w.StartsWith("password_unsupported:", StringComparison.Ordinal)), Is.EqualTo(new[] { "password_unsupported:" + PasswordHashKinds.Argon2 }));
            Assert.That(_warnings, Has.None.Contains("argon2id$"), "the hash never appears in a warning");
        }
    }

    [Test]
    public async Task ImportFormat_PasswordHash_IsUsedWhenNoHashWasJoined()
    {
        var users = await ReadImportFileAsync();
        var ada = users[0];
        Assert.That(ada.UserId, Is.EqualTo("65a1f202e4b0a1b2c3d4e5f6"));

        var result = await MapAsync(ada);

        Assert.That(result.IsRejected, Is.False);
        var user = result.User!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Password?.HashingMethod, Is.EqualTo("bcrypt"));
            Assert.That(user.Password?.HashedPassword, Is.EqualTo(Bcrypt2a));
            Assert.That(user.Password?.Source, Is.Null, "no hash-export record was joined");
            Assert.That(user.FirstName, Is.EqualTo("Ada"));
            Assert.That(user.Properties, Is.EquivalentTo(new Dictionary<string, string> { ["auth0_app_plan"] = "enterprise", ["auth0_user_theme"] = "dark" }));
        }
    }

    [Test]
    public async Task ImportFormat_CustomPasswordHashSha256_IsASha256Password()
    {
        var users = await ReadImportFileAsync();
        var sha = users[2];
        Assert.That(sha.Email, Is.EqualTo("sha.user@example.com"));

        // The record has no user_id (optional in Auth0's import schema); give it one so that the password path is reached.
        sha.UserId = "auth0|sha-user";
        var user = (await MapAsync(sha)).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Password, Is.Not.Null);
            Assert.That(user.Password!.HashingMethod, Is.EqualTo("sha256"));
            Assert.That(user.Password.HashedPassword, Is.EqualTo("d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f"));
            Assert.That(user.Password.Salt, Is.EqualTo("abc123"));
            Assert.That(user.Password.SaltPosition, Is.EqualTo("prefix"));
            Assert.That(user.Password.SaltFormat, Is.EqualTo("string"));
        }
    }

    [Test]
    public async Task ImportFormat_CustomPasswordHash_IsIgnoredInUsersOnlyMode()
    {
        var sha = (await ReadImportFileAsync())[2];
        sha.UserId = "auth0|sha-user";

        var user = (await MapAsync(sha, context: Context(MigrationMode.UsersOnly))).User!;

        Assert.That(user.Password, Is.Null);
    }

    [Test]
    public async Task ImportFormat_ConsumedPasswordAttributes_AreNotReportedAsNotMigrated()
    {
        var users = await ReadImportFileAsync();
        var ada = users[0];
        var sha = users[2];
        sha.UserId = "auth0|sha-user";

        await MapAsync(ada);
        await MapAsync(sha);

        Assert.That(_warnings, Has.None.StartsWith("attribute_not_migrated:"));
    }

    [Test]
    public async Task ImportFormat_DatabaseUser_GetsNoUnsupportedConnectionWarning()
    {
        var ada = (await ReadImportFileAsync())[0];

        await MapAsync(ada);

        Assert.That(_warnings, Has.None.StartsWith("unsupported_connection"));
    }

    [Test]
    public async Task UserWithoutUserId_IsRejected()
    {
        var helloWorld = (await ReadImportFileAsync())[1];
        Assert.That(helloWorld.UserId, Is.Null);

        var result = await MapAsync(helloWorld);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsRejected, Is.True);
            Assert.That(result.RejectionReasons, Has.Some.Contains("user_id"));
        }
    }

    [Test]
    public async Task Multifactor_WarnsMultifactorNotMigrated()
    {
        await MapAsync(await UserAsync(AdaId));

        Assert.That(_warnings, Has.Exactly(1).EqualTo("multifactor_not_migrated"));
    }

    [Test]
    public async Task UnknownRootAttribute_WarnsAttributeNotMigrated()
    {
        var records = await TestData.ReadUsersFromTextAsync("""{"user_id":"auth0|x1","email":"x1@example.com","favourite_color":"blue"}""" + "\n");
        var source = records.Single().Value!;
        Assert.That(source.AdditionalProperties.Keys, Is.EqualTo(new[] { "favourite_color" }));

        var result = await MapAsync(source);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsRejected, Is.False);
            Assert.That(_warnings, Is.EqualTo(new[] { "attribute_not_migrated:favourite_color" }));
            Assert.That(result.User!.Properties, Is.Empty);
        }
    }

    [Test]
    public void NullArguments_Throw()
    {
        var mapper = new DefaultUserMapper(new MappingOptions());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new DefaultUserMapper(null!), Throws.ArgumentNullException);
            Assert.That(async () => await mapper.MapAsync(null!, Context()), Throws.ArgumentNullException);
            Assert.That(async () => await mapper.MapAsync(new Auth0User { UserId = "auth0|1" }, null!), Throws.ArgumentNullException);
        }
    }

    [Test]
    public async Task MetadataKeys_RepeatedAcrossUsers_MapAlike_EscapedOrNot_AndFollowAPrefixChange()
    {
        // The mapper keeps the names it derives from a key for the next user with that key: they must not go stale.
        var records = await TestData.ReadUsersFromTextAsync("""
            {"user_id":"auth0|1","user_metadata":{"Favourite Colour":"blue","pl\u0061n":{"a":1}}}
            {"user_id":"auth0|2","user_metadata":{"Favourite Colour":"red","plan":{"a":"\u00e9t\u00e9","\u0062":[true]}}}
            """);
        var options = new MappingOptions();
        var mapper = new DefaultUserMapper(options);

        var first = (await mapper.MapAsync(records[0].Value!, Context())).User!;
        var second = (await mapper.MapAsync(records[1].Value!, Context())).User!;
        options.UserMetadataPropertyPrefix = "u_";
        var third = (await mapper.MapAsync(records[0].Value!, Context())).User!;

        string[] keys = ["user_metadata.Favourite Colour", "user_metadata.plan"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Properties, Is.EquivalentTo(new Dictionary<string, string> { ["auth0_user_favourite_colour"] = "blue", ["auth0_user_plan"] = """{"a":1}""" }));
            Assert.That(second.Properties, Is.EquivalentTo(new Dictionary<string, string> { ["auth0_user_favourite_colour"] = "red", ["auth0_user_plan"] = """{"a":"été","b":[true]}""" }));
            Assert.That(third.Properties.Keys, Is.EquivalentTo(new[] { "u_favourite_colour", "u_plan" }));
            Assert.That(_fates.Select(f => f.Key), Is.EqualTo(keys.Concat(keys).Concat(keys)));
        }
    }

    [Test]
    public async Task MetadataValues_CompactPrintableAscii_AreCarriedExactlyAsWritten()
    {
        // Such text needs no rewriting: every character but a quote or backslash, in keys and values, at any depth.
        var chars = Enumerable.Range(0x21, 0x7E - 0x21 + 1).Select(c => (char)c).Where(c => c is not ('"' or '\\')).ToArray();
        string values = string.Join(",", chars.Select((c, i) => $$$"""{"k{{{c}}}":"a{{{c}}}b","n":[{{{i}}},-2.5e3,0.1,true,false,null,{}],"o":{"x":[[]]}}"""));
        string json = $$$"""{"user_id":"auth0|1","user_metadata":{"all":[{{{values}}}],"n":-12.5E+3,"t":true,"z":null,"e":{},"a":[]}}""";
        var records = await TestData.ReadUsersFromTextAsync(json);

        var user = (await new DefaultUserMapper(new MappingOptions()).MapAsync(records[0].Value!, Context())).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Properties["auth0_user_all"], Is.EqualTo($"[{values}]"));
            Assert.That(user.Properties["auth0_user_n"], Is.EqualTo("-12.5E+3"));
            Assert.That(user.Properties["auth0_user_t"], Is.EqualTo("true"));
            Assert.That(user.Properties["auth0_user_e"], Is.EqualTo("{}"));
            Assert.That(user.Properties["auth0_user_a"], Is.EqualTo("[]"));
        }
    }

    [Test]
    public async Task MetadataValues_WithSpacesEscapesOrLetters_AreRewrittenCompactAndReadable()
    {
        var records = await TestData.ReadUsersFromTextAsync("""
            {"user_id":"auth0|1","user_metadata":{"a":{ "x" : [1, 2] },"b":["caf\u00e9","\/","tab\t"],"c":{"k":"Zoë"}}}
            """);

        var user = (await new DefaultUserMapper(new MappingOptions()).MapAsync(records[0].Value!, Context())).User!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(user.Properties["auth0_user_a"], Is.EqualTo("""{"x":[1,2]}"""));
            Assert.That(user.Properties["auth0_user_b"], Is.EqualTo("""["café","/","tab\t"]"""));
            Assert.That(user.Properties["auth0_user_c"], Is.EqualTo("""{"k":"Zoë"}"""));
        }
    }

    // ---- helpers ----

    private static async Task<List<Auth0User>> ReadJobExportAsync()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/job-export.ndjson"));
        Assert.That(records.All(r => r.IsSuccess), Is.True, "every §8.2 record reads");
        return [.. records.Select(r => r.Value!)];
    }

    private static async Task<List<Auth0User>> ReadImportFileAsync()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/auth0-import-users.json"));
        Assert.That(records, Has.Count.EqualTo(4));
        Assert.That(records.All(r => r.IsSuccess), Is.True, "every §8.9 record reads");
        return [.. records.Select(r => r.Value!)];
    }

    private static async Task<Auth0User> UserAsync(string userId) =>
        (await ReadJobExportAsync()).Single(u => u.UserId == userId);

    private static Auth0PasswordHash AdaHash(string hash) => new()
    {
        Id = "65a1f202e4b0a1b2c3d4e5f6",
        Email = "ada.lovelace@example.com",
        EmailVerified = true,
        PasswordHash = hash,
        Connection = "Username-Password-Authentication",
    };

    private MappingContext Context(MigrationMode mode = MigrationMode.WithPasswords, Auth0PasswordHash? hash = null) =>
        new(
            mode,
            hash is null ? new PasswordJoinResult(PasswordJoinOutcome.NotFound, null) : new PasswordJoinResult(PasswordJoinOutcome.ById, hash),
            _warnings.Add,
            (k, f) => _fates.Add((k, f)));

    private async Task<MappingResult> MapAsync(Auth0User source, MappingOptions? options = null, MappingContext? context = null) =>
        await new DefaultUserMapper(options ?? new MappingOptions()).MapAsync(source, context ?? Context());

    [Test]
    public async Task NullMetadataValue_IsSkippedWithAWarningNotAnEmptyProperty()
    {
        var source = await UserAsync(LegacyId);
        source.AppMetadata = new JsonObject { ["n"] = null };

        var user = (await MapAsync(source)).User!;

        Assert.That(user.Properties.Keys, Has.No.Member("auth0_app_n"));
        Assert.That(_warnings, Has.Member("metadata_null_skipped"));
        Assert.That(_fates, Has.Member(("app_metadata.n", MetadataKeyFate.Excluded)));
    }

    [Test]
    public async Task RolesPathPointingAtAnObject_Warns()
    {
        var source = await UserAsync(LegacyId);
        source.AppMetadata = new JsonObject { ["roles"] = new JsonObject { ["a"] = 1 } };

        var user = (await MapAsync(source, new MappingOptions { RolesPath = "app_metadata.roles" })).User!;

        Assert.That(user.Organizations, Is.Empty);
        Assert.That(_warnings, Has.Member("roles_path_not_a_list"));
    }

    [Test]
    public async Task RulePathsKeepTheRestOfTheirTopLevelKeyAsAProperty()
    {
        var source = await UserAsync(LegacyId);
        source.AppMetadata = JsonNode.Parse("""{"authz":{"roles":["admin"],"groups":["g1"]}}""")!.AsObject();

        var user = (await MapAsync(source, new MappingOptions { RolesPath = "app_metadata.authz.roles" })).User!;

        Assert.That(user.Organizations.Single().Roles, Is.EqualTo(new[] { "admin" }));
        Assert.That(user.Properties["auth0_app_authz"], Is.EqualTo("""{"groups":["g1"]}"""));
        Assert.That(_fates, Has.Member(("app_metadata.authz", MetadataKeyFate.Mapped)).And.Member(("app_metadata.authz", MetadataKeyFate.Property)));
    }

    [Test]
    public async Task MfaFactorsInAnImportFile_WarnAsMultifactor()
    {
        var mfa = (await ReadImportFileAsync())[3];
        mfa.UserId = "auth0|mfa-user";

        await MapAsync(mfa);

        Assert.That(_warnings, Has.Member("multifactor_not_migrated").And.None.StartsWith("attribute_not_migrated"));
    }

    [Test]
    public async Task MetadataReadFromTheFile_IsCarriedAsCompactReadableJsonText()
    {
        // The reader keeps metadata as UTF-8 and the mapper walks it without building a tree: same result as the tree.
        var records = await TestData.ReadUsersFromTextAsync(
            "{\"user_id\":\"auth0|x\",\"email\":\"x@example.com\",\"app_metadata\":{ \"org\" : { \"id\":\"o1\", \"tier\": 2, \"flags\": [true, null, 1.5e3, \"caf\\u00e9\"] }, \"n\": 7, \"b\": false, \"s\": \"<b>\" }}\n");
        var user = (await MapAsync(records.Single().Value!)).User!;

        Assert.That(user.Properties["auth0_app_org"], Is.EqualTo("""{"id":"o1","tier":2,"flags":[true,null,1.5e3,"café"]}"""));
        Assert.That(user.Properties["auth0_app_n"], Is.EqualTo("7"));
        Assert.That(user.Properties["auth0_app_b"], Is.EqualTo("false"));
        Assert.That(user.Properties["auth0_app_s"], Is.EqualTo("<b>"));
    }
}
