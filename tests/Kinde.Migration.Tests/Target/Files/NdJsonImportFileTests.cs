using System.Text.Json;
using Kinde.Migration.Target;
using Kinde.Migration.Target.Files;

namespace Kinde.Migration.Tests.Target.Files;

public class NdJsonImportFileTests : ImportFileTestBase
{
    private static readonly string[] TopKeys = ["id", "first_name", "last_name", "password", "identities", "properties", "organizations"];
    private static readonly string[] PasswordKeys = ["hashed_password", "hashing_algorithm", "salt", "salt_format", "salt_position"];
    private static readonly string[] IdentityKeys = ["type", "identity", "is_verified", "provider", "profile"];
    private static readonly string[] OrganizationKeys = ["external_id", "roles", "permissions"];
    private static readonly string[] PropertyKeys = ["key", "value"];
    private static readonly string[] HashingAlgorithms = ["crypt", "bcrypt", "sha256", "md5", "wordpress", "pbkdf2", "firebase-scrypt"];

    [Test]
    public async Task EveryLineFollowsTheCustomNdjsonSchema()
    {
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson), ManyUsers(60));

        Assert.That(paths, Has.Count.EqualTo(1));
        string[] lines = ReadLines(paths[0]);
        Assert.That(lines, Has.Length.EqualTo(60));
        Assert.That(writer.RowsWritten, Is.EqualTo(60));
        var seen = new HashSet<string>();
        foreach (string line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            AssertObjectWithKeys(root, TopKeys);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                seen.Add(property.Name);
                switch (property.Name)
                {
                    case "id" or "first_name" or "last_name":
                        Assert.That(property.Value.ValueKind, Is.EqualTo(JsonValueKind.String), property.Name);
                        break;
                    case "password":
                        AssertPassword(property.Value);
                        break;
                    case "identities":
                        AssertArrayOf(property.Value, AssertIdentity);
                        break;
                    case "properties":
                        AssertArrayOf(property.Value, p =>
                        {
                            AssertObjectWithKeys(p, PropertyKeys, required: PropertyKeys);
                            Assert.That(p.GetProperty("key").ValueKind, Is.EqualTo(JsonValueKind.String));
                            Assert.That(p.GetProperty("value").ValueKind, Is.EqualTo(JsonValueKind.String));
                        });
                        break;
                    case "organizations":
                        AssertArrayOf(property.Value, AssertOrganization);
                        break;
                }
            }
        }

        // The sample data exercises every top-level key, so the loop above checked all of them.
        Assert.That(seen, Is.EquivalentTo(TopKeys));
    }

    [Test]
    public async Task SampleUser_ProducesTheExactLine()
    {
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson), [SampleUser()]);

        Assert.That(File.ReadAllText(paths[0]), Is.EqualTo(
            "{\"id\":\"auth0|5f7c8ec7c33c6c004bbafe82\",\"first_name\":\"Ada\",\"last_name\":\"Lovelace\"," +
            "\"password\":{\"hashed_password\":\"$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq\",\"hashing_algorithm\":\"bcrypt\"}," +
            "\"identities\":[{\"type\":\"email\",\"identity\":\"ada@example.com\",\"is_verified\":true}," +
            "{\"type\":\"oauth2:google\",\"identity\":\"108234567890123456789\",\"provider\":\"google\"}]," +
            "\"organizations\":[{\"external_id\":\"org_acme\",\"roles\":[\"admin\"],\"permissions\":[]}]}\n"));
        Assert.That(writer.Warnings, Is.Empty);
    }

    [Test]
    public async Task UserWithoutPassword_HasNoPasswordKey()
    {
        KindeUser user = SampleUser();
        user.Password = null;
        user.Organizations.Clear();
        var (paths, _) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson), [user]);

        using var doc = JsonDocument.Parse(ReadLines(paths[0]).Single());
        Assert.That(doc.RootElement.TryGetProperty("password", out _), Is.False);
        Assert.That(doc.RootElement.TryGetProperty("organizations", out _), Is.False);
        Assert.That(doc.RootElement.TryGetProperty("properties", out _), Is.False);
    }

    [Test]
    public async Task NullFieldsAreLeftOut()
    {
        var user = new KindeUser { Password = new KindePassword { HashedPassword = "abc", HashingMethod = "md5" } };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "x@example.com"));
        var (paths, _) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson), [user]);

        Assert.That(ReadLines(paths[0]).Single(), Is.EqualTo(
            "{\"password\":{\"hashed_password\":\"abc\",\"hashing_algorithm\":\"md5\"},\"identities\":[{\"type\":\"email\",\"identity\":\"x@example.com\"}]}"));
    }

    [Test]
    public async Task UnicodeNamesRoundTripAndStayReadable_HtmlCharactersAreEscaped()
    {
        var user = new KindeUser { Id = "auth0|u", FirstName = "Zoë Ωμέγα 李小龍", LastName = "<b>O'Brien & Søn</b> 😀" };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "zoë@例え.jp", IsVerified: true));
        var (paths, _) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson), [user]);

        string line = ReadLines(paths[0]).Single();
        Assert.That(line, Does.Contain("Zoë Ωμέγα 李小龍"));
        Assert.That(line, Does.Not.Contain("<").And.Not.Contain(">").And.Not.Contain("&").And.Not.Contain("'"));
        using var doc = JsonDocument.Parse(line);
        Assert.That(doc.RootElement.GetProperty("first_name").GetString(), Is.EqualTo(user.FirstName));
        Assert.That(doc.RootElement.GetProperty("last_name").GetString(), Is.EqualTo(user.LastName));
        Assert.That(doc.RootElement.GetProperty("identities")[0].GetProperty("identity").GetString(), Is.EqualTo("zoë@例え.jp"));
    }

    [Test]
    public async Task FormulaLikeValuesAreWrittenVerbatim()
    {
        var user = new KindeUser { Id = "+1", FirstName = "=HYPERLINK(\"x\")", LastName = "@SUM(A1)" };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "-2"));
        var (paths, _) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson), [user]);

        using var doc = JsonDocument.Parse(ReadLines(paths[0]).Single());
        Assert.That(doc.RootElement.GetProperty("id").GetString(), Is.EqualTo("+1"));
        Assert.That(doc.RootElement.GetProperty("first_name").GetString(), Is.EqualTo("=HYPERLINK(\"x\")"));
        Assert.That(doc.RootElement.GetProperty("last_name").GetString(), Is.EqualTo("@SUM(A1)"));
        Assert.That(doc.RootElement.GetProperty("identities")[0].GetProperty("identity").GetString(), Is.EqualTo("-2"));
    }

    [Test]
    public async Task PropertiesAreSortedByKey_ProfileIsKept()
    {
        var user = new KindeUser { Id = "auth0|p" };
        user.Properties["z"] = "1";
        user.Properties["a"] = "2";
        user.Identities.Add(new KindeIdentity("oauth2:github", "42") { Provider = "github", Profile = new() { ["login"] = "octo", ["n"] = 3 } });
        var (paths, _) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson), [user]);

        Assert.That(ReadLines(paths[0]).Single(), Is.EqualTo(
            "{\"id\":\"auth0|p\",\"identities\":[{\"type\":\"oauth2:github\",\"identity\":\"42\",\"provider\":\"github\",\"profile\":{\"login\":\"octo\",\"n\":3}}]," +
            "\"properties\":[{\"key\":\"a\",\"value\":\"2\"},{\"key\":\"z\",\"value\":\"1\"}]}"));
    }

    [Test]
    public async Task PictureSuspensionAndPasswordParameters_AreCountedAsWarnings()
    {
        KindeUser a = SampleUser();
        a.Picture = "https://example.com/a.png";
        a.Suspended = true;
        KindeUser b = SampleUser();
        b.Suspended = true;
        b.Password = new KindePassword { HashedPassword = "x", HashingMethod = "pbkdf2", Iterations = 10000, Variant = "salted-pbkdf2-hmac-sha256" };
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson), [a, b]);

        Assert.That(writer.Warnings, Is.EqualTo(new Dictionary<string, long>
        {
            [KindeImportWarnings.HashingMethodNotDocumentedForImport] = 1,
            [KindeImportWarnings.PasswordParametersNotInImportFile] = 1,
            [KindeImportWarnings.PictureNotInImportFile] = 1,
            [KindeImportWarnings.SuspendedNeedsApi] = 2,
        }));
        string text = ReadText(paths[0]);
        Assert.That(text, Does.Not.Contain("example.com/a.png").And.Not.Contain("suspend").And.Not.Contain("10000"));
    }

    private static void AssertObjectWithKeys(JsonElement element, string[] allowed, string[]? required = null)
    {
        Assert.That(element.ValueKind, Is.EqualTo(JsonValueKind.Object));
        string[] keys = element.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(keys, Is.SubsetOf(allowed));
        Assert.That(keys, Is.Unique);
        Assert.That(keys, Is.SupersetOf(required ?? []));
        foreach (JsonProperty property in element.EnumerateObject())
        {
            Assert.That(property.Value.ValueKind, Is.Not.EqualTo(JsonValueKind.Null), $"{property.Name} is omitted, not null");
        }
    }

    private static void AssertArrayOf(JsonElement element, Action<JsonElement> assertItem)
    {
        Assert.That(element.ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(element.GetArrayLength(), Is.GreaterThan(0), "empty arrays are omitted");
        foreach (JsonElement item in element.EnumerateArray())
        {
            assertItem(item);
        }
    }

    private static void AssertPassword(JsonElement password)
    {
        AssertObjectWithKeys(password, PasswordKeys, required: ["hashed_password", "hashing_algorithm"]);
        foreach (JsonProperty property in password.EnumerateObject())
        {
            Assert.That(property.Value.ValueKind, Is.EqualTo(JsonValueKind.String), property.Name);
        }

        Assert.That(password.GetProperty("hashing_algorithm").GetString(), Is.AnyOf(HashingAlgorithms));
        if (password.TryGetProperty("salt_position", out JsonElement position))
        {
            Assert.That(position.GetString(), Is.AnyOf("prefix", "suffix"));
        }

        if (password.TryGetProperty("salt_format", out JsonElement format))
        {
            Assert.That(format.GetString(), Is.AnyOf("hex", "string"));
        }
    }

    private static void AssertIdentity(JsonElement identity)
    {
        AssertObjectWithKeys(identity, IdentityKeys, required: ["type", "identity"]);
        string type = identity.GetProperty("type").GetString()!;
        Assert.That(type is "email" or "phone" or "username" || type.StartsWith("oauth2:", StringComparison.Ordinal), Is.True, type);
        Assert.That(identity.GetProperty("identity").ValueKind, Is.EqualTo(JsonValueKind.String));
        if (identity.TryGetProperty("is_verified", out JsonElement verified))
        {
            Assert.That(verified.ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
        }

        if (identity.TryGetProperty("provider", out JsonElement provider))
        {
            Assert.That(provider.ValueKind, Is.EqualTo(JsonValueKind.String));
        }

        if (identity.TryGetProperty("profile", out JsonElement profile))
        {
            Assert.That(profile.ValueKind, Is.EqualTo(JsonValueKind.Object));
        }
    }

    private static void AssertOrganization(JsonElement organization)
    {
        AssertObjectWithKeys(organization, OrganizationKeys, required: OrganizationKeys);
        Assert.That(organization.GetProperty("external_id").ValueKind, Is.EqualTo(JsonValueKind.String));
        foreach (string key in new[] { "roles", "permissions" })
        {
            JsonElement values = organization.GetProperty(key);
            Assert.That(values.ValueKind, Is.EqualTo(JsonValueKind.Array));
            Assert.That(values.EnumerateArray().Select(v => v.ValueKind), Has.All.EqualTo(JsonValueKind.String));
        }
    }
}
