using System.Text;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Auth0.Reading;

public class Auth0UserReaderTests
{
    private static Auth0User Single(List<ExportRecord<Auth0User>> records)
    {
        Assert.That(records, Has.Count.EqualTo(1));
        Assert.That(records[0].Error, Is.Null, () => records[0].Error!.ToString());
        return records[0].Value!;
    }

    private static ExportReadError SingleError(List<ExportRecord<Auth0User>> records)
    {
        Assert.That(records, Has.Count.EqualTo(1));
        Assert.That(records[0].Error, Is.Not.Null);
        Assert.That(records[0].Value, Is.Null);
        return records[0].Error!;
    }

    [Test]
    public async Task ExtensionExport_LabelsAreRecognised()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/extension-export.ndjson"));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        Assert.That(records.Select(r => r.Position), Is.EqualTo(new long[] { 1, 2, 3 }));

        var ada = records[0].Value!;
        Assert.That(ada.UserId, Is.EqualTo("auth0|65a1f202e4b0a1b2c3d4e5f6"));
        Assert.That(ada.GivenName, Is.EqualTo("Ada"));
        Assert.That(ada.FamilyName, Is.EqualTo("Lovelace"));
        Assert.That(ada.Nickname, Is.EqualTo("ada"));
        Assert.That(ada.Name, Is.EqualTo("Ada Lovelace"));
        Assert.That(ada.Email, Is.EqualTo("ada.lovelace@example.com"));
        Assert.That(ada.EmailVerified, Is.True);
        Assert.That(ada.Picture, Does.StartWith("https://s.gravatar.com/avatar/0f3c"));
        Assert.That(ada.Connection, Is.EqualTo("Username-Password-Authentication"));
        Assert.That(ada.CreatedAt, Is.EqualTo(new DateTimeOffset(2024, 1, 13, 2, 14, 26, 512, TimeSpan.Zero)));
        Assert.That(ada.UpdatedAt, Is.EqualTo(new DateTimeOffset(2025, 2, 1, 9, 30, 0, 1, TimeSpan.Zero)));
        Assert.That(ada.Identities.Single().FullUserId, Is.EqualTo("auth0|65a1f202e4b0a1b2c3d4e5f6"));
        Assert.That(ada.AdditionalProperties, Is.Empty);

        var alan = records[2].Value!;
        Assert.That(alan.GivenName, Is.Null);
        Assert.That(alan.FamilyName, Is.Null);
        Assert.That(alan.EmailVerified, Is.False);
    }

    [Test]
    public async Task JobExport_EveryFamilyIsReadExactly()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/job-export.ndjson"));
        Assert.That(records, Has.Count.EqualTo(8));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        var users = records.Select(r => r.Value!).ToList();

        var ada = users[0];
        Assert.That(ada.Username, Is.EqualTo("ada_l"));
        Assert.That(ada.LastIp, Is.EqualTo("203.0.113.17"));
        Assert.That(ada.LoginsCount, Is.EqualTo(42));
        Assert.That(ada.Blocked, Is.False);
        Assert.That(ada.Multifactor, Is.EqualTo(new[] { "guardian" }));
        Assert.That(ada.LastLogin, Is.EqualTo(new DateTimeOffset(2025, 2, 1, 9, 30, 0, TimeSpan.Zero)));
        Assert.That(ada.AppMetadata!["plan"]!.GetValue<string>(), Is.EqualTo("enterprise"));
        Assert.That(ada.AppMetadata!["roles"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "admin" }));
        Assert.That(ada.UserMetadata!["consent"]!["given"]!.GetValue<bool>(), Is.True);

        var github = users[2];
        Assert.That(github.Identities.Single().UserId, Is.EqualTo("5123987"), "numeric identity ids are kept as text");
        Assert.That(github.Provider, Is.EqualTo("github"));

        var sms = users[4];
        Assert.That(sms.Email, Is.Null);
        Assert.That(sms.PhoneNumber, Is.EqualTo("+15555550123"));
        Assert.That(sms.PhoneVerified, Is.True);

        var saml = users[5];
        Assert.That(saml.UserId, Is.EqualTo("samlp|acme-saml|E12345"));
        Assert.That(saml.Provider, Is.EqualTo("samlp"));
        Assert.That(saml.Email, Is.Null);
        Assert.That(saml.Name, Is.EqualTo(""));
        Assert.That(saml.Identities.Single().UserId, Is.EqualTo("acme-saml|E12345"));

        var partner = users[6];
        Assert.That(partner.Identities, Has.Count.EqualTo(2));
        Assert.That(partner.Identities[0].FullUserId, Is.EqualTo("oauth2|partner-idp|u-77af"));
        Assert.That(partner.Identities[1].Provider, Is.EqualTo("auth0"));
        Assert.That(partner.Identities[1].UserId, Is.EqualTo("649f0b450a1b2c3d4e5f6071"));
        Assert.That(partner.Identities[1].IsSocial, Is.False);
        Assert.That(partner.Identities[1].ProfileData!["email"]!.GetValue<string>(), Is.EqualTo("partner.user@example.com"));

        var legacy = users[7];
        Assert.That(legacy.Blocked, Is.True);
        Assert.That(legacy.Identities.Single().Connection, Is.EqualTo("Legacy-DB"));
        Assert.That(legacy.AppMetadata!["migrated_from"]!.GetValue<string>(), Is.EqualTo("legacy"));
    }

    [Test]
    public async Task JobExportCsv_OwaspApostrophesAreStrippedAndFormulasStayInert()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/job-export.csv"));
        Assert.That(records.Select(r => r.Position), Is.EqualTo(new long[] { 2, 3, 4 }), "rows count the header as row 1");
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        var ada = records[0].Value!;
        Assert.That(ada.UserId, Is.EqualTo("auth0|65a1f202e4b0a1b2c3d4e5f6"));
        Assert.That(ada.Email, Is.EqualTo("ada.lovelace@example.com"));
        Assert.That(ada.EmailVerified, Is.True);
        Assert.That(ada.LoginsCount, Is.EqualTo(42));
        Assert.That(ada.Connection, Is.EqualTo("Username-Password-Authentication"), "identities[0].connection exported as 'provider'");
        Assert.That(ada.UserMetadata!["theme"]!.GetValue<string>(), Is.EqualTo("dark"));
        Assert.That(ada.CreatedAt, Is.EqualTo(new DateTimeOffset(2024, 1, 13, 2, 14, 26, 512, TimeSpan.Zero)));

        Assert.That(records[1].Value!.UserMetadata, Is.Null, "an empty cell is an absent attribute");

        var alan = records[2].Value!;
        Assert.That(alan.Name, Is.EqualTo("Alan \"The Bombe\" Turing"));
        Assert.That(alan.GivenName, Is.Null);
        Assert.That(alan.EmailVerified, Is.False);
        Assert.That(alan.LoginsCount, Is.EqualTo(0));
        Assert.That(alan.UserMetadata!["theme"]!.GetValue<string>(), Is.EqualTo("=HYPERLINK(\"http://evil.example\",\"x\")"));
    }

    [Test]
    public async Task UnescapedCsv_TitleCaseBooleansAndNoApostrophes()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/job-export-unescaped.csv"));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        Assert.That(records[0].Value!.Email, Is.EqualTo("ada.lovelace@example.com"));
        Assert.That(records[0].Value!.EmailVerified, Is.True);
        Assert.That(records[2].Value!.EmailVerified, Is.False);
    }

    [Test]
    public async Task Csv_ApostropheIsKeptWhenTheFileIsNotConsistentlyEscaped()
    {
        var records = await TestData.ReadUsersFromTextAsync("user_id,name\nauth0|1,'Ollie' O'Neil\nauth0|2,Bob\nauth0|3,Carol\n");
        Assert.That(records[0].Value!.Name, Is.EqualTo("'Ollie' O'Neil"));
    }

    [Test]
    public async Task Csv_EscapedFileStripsExactlyOneApostrophe()
    {
        var records = await TestData.ReadUsersFromTextAsync("user_id,name\n\"'auth0|1\",\"''quoted\"\n\"'auth0|2\",\"'Bob\"\n");
        Assert.That(records[0].Value!.Name, Is.EqualTo("'quoted"));
        Assert.That(records[1].Value!.Name, Is.EqualTo("Bob"));
    }

    [Test]
    public async Task Csv_CellsStartingWithBraceOrBracketAreParsedAsJson()
    {
        string csv = "user_id,app_metadata,identities,nickname\n"
            + "\"'auth0|1\",\"'{\"\"plan\"\":\"\"pro\"\"}\",\"'[{\"\"provider\"\":\"\"auth0\"\",\"\"user_id\"\":\"\"1\"\"}]\",\"'{not json\"\n";
        var user = Single(await TestData.ReadUsersFromTextAsync(csv));
        Assert.That(user.AppMetadata!["plan"]!.GetValue<string>(), Is.EqualTo("pro"));
        Assert.That(user.Identities.Single().FullUserId, Is.EqualTo("auth0|1"));
        Assert.That(user.Nickname, Is.EqualTo("{not json"), "a cell that only looks like JSON stays a string");
    }

    [Test]
    public async Task Csv_EscapedCellsThatLookLikeJsonStayStrings()
    {
        // Regression: under OWASP escaping a '-prefixed cell was a string when Auth0 wrote it; '[1]' is a name, not an array.
        string csv = "user_id,name,user_metadata.theme,user_metadata.prefs\n"
            + "\"'auth0|1\",\"'[1]\",\"'{}\",\n"
            + "\"'auth0|2\",\"'Ann\",\"'[\"\"dark\"\"]\",\n";
        var records = await TestData.ReadUsersFromTextAsync(csv);
        Assert.That(records.All(r => r.IsSuccess), Is.True, () => string.Join("; ", records.Select(r => r.Error)));
        Assert.That(records[0].Value!.Name, Is.EqualTo("[1]"));
        Assert.That(records[0].Value!.UserMetadata!["theme"]!.GetValue<string>(), Is.EqualTo("{}"));
        Assert.That(records[1].Value!.UserMetadata!["theme"]!.GetValue<string>(), Is.EqualTo("[\"dark\"]"));
    }

    [Test]
    public async Task Csv_UnescapedMetadataPathCellCanHoldJson()
    {
        var user = Single(await TestData.ReadUsersFromTextAsync("user_id,name,user_metadata.consent\nauth0|1,[1],\"{\"\"given\"\":true}\"\n"));
        Assert.That(user.Name, Is.EqualTo("[1]"), "a known text attribute is never JSON");
        Assert.That(user.UserMetadata!["consent"]!["given"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Csv_GenuineReplacementCharacterIsNotAnEncodingError()
    {
        // Regression: a real U+FFFD in valid UTF-8 was reported as "the row is not valid UTF-8".
        var user = Single(await TestData.ReadUsersFromTextAsync("user_id,name\n\"'auth0|1\",\"'Bad \uFFFD char\"\n"));
        Assert.That(user.Name, Is.EqualTo("Bad \uFFFD char"));
    }

    [Test]
    public async Task Csv_WrongNumberOfCellsIsRejectedAndTheReadGoesOn()
    {
        var records = await TestData.ReadUsersFromTextAsync("user_id,email\nauth0|1,a@example.com,extra\nauth0|2,b@example.com\n");
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].Error!.Reason, Is.EqualTo("the row has 3 cells but the header has 2"));
        Assert.That(records[0].Error!.Position, Is.EqualTo(2));
        Assert.That(records[0].Error!.Kind, Is.EqualTo(PositionKind.Row));
        Assert.That(records[0].Error!.RawRecord, Is.EqualTo("auth0|1,a@example.com,extra"));
        Assert.That(records[1].Value!.UserId, Is.EqualTo("auth0|2"));
    }

    [Test]
    public async Task Csv_InvalidUtf8RowIsRejected()
    {
        byte[] content = [.. Encoding.UTF8.GetBytes("user_id,name\nauth0|1,"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\nauth0|2,ok\n")];
        var records = await TestData.ReadUsersFromBytesAsync(content);
        Assert.That(records[0].Error!.Reason, Is.EqualTo("the row is not valid UTF-8"));
        Assert.That(records[1].Value!.Name, Is.EqualTo("ok"));
    }

    [Test]
    public async Task Csv_MalformedQuotingIsRejected()
    {
        var records = await TestData.ReadUsersFromTextAsync("user_id,name\nauth0|1,Ab\"c\nauth0|2,ok\n");
        Assert.That(records[0].Error!.Reason, Does.StartWith("malformed quoting"));
        Assert.That(records[1].Value!.Name, Is.EqualTo("ok"));
    }

    [Test]
    public async Task Csv_QuotedNewlinesAndCrLfAreFine()
    {
        var records = await TestData.ReadUsersFromTextAsync("user_id,name\r\nauth0|1,\"two\r\nlines\"\r\nauth0|2,ok\r\n");
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        Assert.That(records[0].Value!.Name, Is.EqualTo("two\r\nlines"));
        Assert.That(records[1].Value!.UserId, Is.EqualTo("auth0|2"));
    }

    [Test]
    public async Task LegacyTsv_EmptyEmailVerifiedMeansFalse()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/legacy-v1.tsv"));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        Assert.That(records[0].Value!.EmailVerified, Is.True);
        Assert.That(records[0].Value!.GivenName, Is.EqualTo("Ada"));
        Assert.That(records[1].Value!.EmailVerified, Is.False);
        Assert.That(records[1].Value!.GivenName, Is.Null);
        Assert.That(records[1].Value!.Connection, Is.EqualTo("Username-Password-Authentication"));
    }

    [Test]
    public async Task LegacyJsonArray_ElementsCarryTheLineWhereTheyStart()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/legacy-v1.json"));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        Assert.That(records.Select(r => r.Position), Is.EqualTo(new long[] { 2, 15 }));
        Assert.That(records[0].Value!.UserId, Is.EqualTo("auth0|5a1b2c3d4e5f60718293a4b5"));
        Assert.That(records[0].Value!.EmailVerified, Is.True, "\"true\" as a string is a boolean");
    }

    [Test]
    public async Task JsonArray_BadElementIsRejectedAndTheNextIsRead()
    {
        string json = "[\n{\"user_id\":\"auth0|1\"},\n{\"user_id\": 12},\n\"text\",\n{\"user_id\":\"auth0|4\",\"nested\":{\"a\":[1,2,{\"b\":\"]}\"}]}}\n]";
        var records = await TestData.ReadUsersFromTextAsync(json);
        Assert.That(records, Has.Count.EqualTo(4));
        Assert.That(records[0].Value!.UserId, Is.EqualTo("auth0|1"));
        Assert.That(records[1].Error!.Field, Is.EqualTo("user_id"));
        Assert.That(records[1].Error!.Position, Is.EqualTo(3));
        Assert.That(records[2].Error!.Reason, Is.EqualTo("expected a JSON object"));
        Assert.That(records[3].Value!.UserId, Is.EqualTo("auth0|4"));
        Assert.That(records[3].Value!.AdditionalProperties["nested"]!["a"]![2]!["b"]!.GetValue<string>(), Is.EqualTo("]}"));
    }

    [Test]
    public async Task JsonArray_TruncatedFileIsReported()
    {
        var records = await TestData.ReadUsersFromTextAsync("[\n{\"user_id\":\"auth0|1\"},\n{\"user_id\":\"auth0|2\",\"na");
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].IsSuccess, Is.True);
        Assert.That(records[1].Error!.Reason, Does.StartWith("truncated JSON"));
        Assert.That(records[1].Error!.Position, Is.EqualTo(3));
    }

    [Test]
    public async Task JsonArray_UnclosedArrayIsReported()
    {
        var records = await TestData.ReadUsersFromTextAsync("[\n{\"user_id\":\"auth0|1\"}\n");
        Assert.That(records[0].IsSuccess, Is.True);
        Assert.That(records[1].Error!.Reason, Does.Contain("before the JSON array is closed"));
    }

    [Test]
    public async Task AuthImportFile_IsReadAsAnArrayWithUnknownFieldsKept()
    {
        var records = await TestData.ReadUsersAsync(TestData.PathOf("auth0/auth0-import-users.json"));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        Assert.That(records[1].Value!.AdditionalProperties.ContainsKey("custom_password_hash"), Is.True);
        Assert.That(records[3].Value!.AdditionalProperties.ContainsKey("mfa_factors"), Is.True);
    }

    [TestCase("true", true)]
    [TestCase("false", false)]
    [TestCase("\"true\"", true)]
    [TestCase("\"True\"", true)]
    [TestCase("\"FALSE\"", false)]
    [TestCase("\"1\"", true)]
    [TestCase("\"0\"", false)]
    [TestCase("1", true)]
    [TestCase("null", null)]
    [TestCase("\"\"", null)]
    public async Task Booleans_AcceptTheShapesExportsUse(string json, bool? expected)
    {
        var user = Single(await TestData.ReadUsersFromTextAsync($"{{\"user_id\":\"auth0|1\",\"email_verified\":{json}}}"));
        Assert.That(user.EmailVerified, Is.EqualTo(expected));
    }

    [TestCase("{\"user_id\":\"auth0|1\",\"email_verified\":\"yes please\"}", "email_verified", "expected a boolean (true/false/1/0)")]
    [TestCase("{\"user_id\":\"auth0|1\",\"email\":42}", "email", "expected a string, got a number")]
    [TestCase("{\"user_id\":\"auth0|1\",\"logins_count\":\"many\"}", "logins_count", "expected a whole number")]
    [TestCase("{\"user_id\":\"auth0|1\",\"created_at\":\"yesterday\"}", "created_at", "expected an ISO 8601 date")]
    [TestCase("{\"user_id\":\"auth0|1\",\"identities\":{}}", "identities", "expected an array, got an object")]
    [TestCase("{\"user_id\":\"auth0|1\",\"identities\":[1]}", "identities[0]", "expected an object, got a number")]
    [TestCase("{\"user_id\":\"auth0|1\",\"app_metadata\":[]}", "app_metadata", "expected an object, got an array")]
    [TestCase("{\"user_id\":\"auth0|1\",\"identities\":[{\"provider\":true}]}", "identities[0].provider", "expected a string, got a boolean")]
    public async Task WrongValueTypes_AreRejectedWithFieldAndReason(string line, string field, string reason)
    {
        var error = SingleError(await TestData.ReadUsersFromTextAsync(line + "\n"));
        Assert.That(error.Field, Is.EqualTo(field));
        Assert.That(error.Reason, Is.EqualTo(reason));
        Assert.That(error.Position, Is.EqualTo(1));
        Assert.That(error.RawRecord, Is.EqualTo(line));
    }

    // JavaScript's JSON.stringify writes a lone surrogate as an escape; Utf8JsonReader cannot decode it to a string.
    [TestCase("{\"user_id\":\"auth0|1\",\"email\":\"\\ud800\"}")]
    [TestCase("{\"user_id\":\"auth0|\\udc00\"}")]
    [TestCase("{\"user_id\":\"auth0|1\",\"name\":\"x\\ud83d\"}")]
    [TestCase("{\"user_id\":\"auth0|1\",\"\\ud800\":1}")]
    [TestCase("{\"user_id\":\"auth0|1\",\"identities\":[{\"provider\":\"auth0\",\"user_id\":\"\\ud800\"}]}")]
    public async Task LoneSurrogateEscapes_RejectTheRecord_NotTheRead(string line)
    {
        var records = await TestData.ReadUsersFromTextAsync(line + "\n{\"user_id\":\"auth0|2\"}\n");
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].Error, Is.Not.Null);
        Assert.That(records[0].Error!.Reason, Does.Contain("lone surrogate"));
        Assert.That(records[0].Error!.RawRecord, Is.EqualTo(line));
        Assert.That(records[1].Value!.UserId, Is.EqualTo("auth0|2"));
    }

    [TestCase("{\"user_id\":\"auth0|1\",\"email\":\"a@exa", "truncated JSON")]
    [TestCase("{\"user_id\":\"auth0|1\",}", "invalid JSON at column")]
    [TestCase("{\"user_id\":\"auth0|1\"} trailing", "invalid JSON at column")]
    [TestCase("not json at all", "invalid JSON at column")]
    [TestCase("[1,2]", "expected a JSON object")]
    public async Task BrokenJson_IsRejectedAndTheNextLineIsRead(string line, string reason)
    {
        var records = await TestData.ReadUsersFromTextAsync("{\"user_id\":\"auth0|0\"}\n" + line + "\n{\"user_id\":\"auth0|2\"}\n");
        Assert.That(records, Has.Count.EqualTo(3));
        Assert.That(records[1].Error!.Reason, Does.StartWith(reason));
        Assert.That(records[1].Error!.Position, Is.EqualTo(2));
        Assert.That(records[2].Value!.UserId, Is.EqualTo("auth0|2"));
    }

    [Test]
    public async Task InvalidUtf8Line_IsRejected()
    {
        byte[] content = [.. "{\"user_id\":\"auth0|1\",\"name\":\""u8, 0xFF, 0xFE, .. "\"}\n{\"user_id\":\"auth0|2\"}\n"u8];
        var records = await TestData.ReadUsersFromBytesAsync(content);
        Assert.That(records[0].Error!.Reason, Is.EqualTo("the record is not valid UTF-8"));
        Assert.That(records[1].Value!.UserId, Is.EqualTo("auth0|2"));
    }

    [Test]
    public async Task BlankLinesCrLfAndMissingFinalNewline_AreFine()
    {
        var records = await TestData.ReadUsersFromTextAsync("\r\n{\"user_id\":\"auth0|1\"}\r\n\r\n   \n{\"user_id\":\"auth0|2\"}");
        Assert.That(records.Select(r => (r.Position, r.Value!.UserId)), Is.EqualTo(new[] { (2L, "auth0|1"), (5L, "auth0|2") }));
    }

    [TestCase(ExportFormat.NdJson)]
    [TestCase(ExportFormat.JsonArray)]
    [TestCase(ExportFormat.Csv)]
    public async Task OversizeRecord_IsRejectedAndTheNextIsRead(ExportFormat format)
    {
        string big = new('x', 5000);
        string content = format switch
        {
            ExportFormat.NdJson => $"{{\"user_id\":\"auth0|1\",\"name\":\"{big}\"}}\n{{\"user_id\":\"auth0|2\"}}\n",
            ExportFormat.JsonArray => $"[{{\"user_id\":\"auth0|1\",\"name\":\"{big}\"}},\n{{\"user_id\":\"auth0|2\"}}]",
            _ => $"user_id,name\nauth0|1,{big}\nauth0|2,ok\n",
        };
        var options = new Auth0ReaderOptions { MaxRecordBytes = 1024 };
        var records = await TestData.ReadUsersFromTextAsync(content, options);
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].Error!.Reason, Does.Contain("1024-byte limit"));
        Assert.That(records[1].Value!.UserId, Is.EqualTo("auth0|2"));
    }

    [Test]
    public async Task OversizeLine_IsSkippedWithoutBufferingIt()
    {
        // A line far larger than the limit and than the framer's buffer: the reader must skip it and recover.
        string huge = "{\"user_id\":\"auth0|1\",\"name\":\"" + new string('y', 3_000_000) + "\"}";
        var options = new Auth0ReaderOptions { MaxRecordBytes = 4096 };
        var records = await TestData.ReadUsersFromTextAsync(huge + "\n{\"user_id\":\"auth0|2\"}\n", options);
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].Error!.Position, Is.EqualTo(1));
        Assert.That(records[0].Error!.RawRecord, Is.Null);
        Assert.That(records[1].Value!.UserId, Is.EqualTo("auth0|2"));
        Assert.That(records[1].Position, Is.EqualTo(2));
    }

    [Test]
    public async Task FlatDottedAndNestedMetadata_AreMerged()
    {
        var user = Single(await TestData.ReadUsersFromTextAsync(
            "{\"user_id\":\"auth0|1\",\"user_metadata.theme\":\"dark\",\"user_metadata.prefs.lang\":\"fr\",\"user_metadata\":{\"locale\":\"en-GB\"},\"app_metadata.plan\":\"pro\"}"));
        Assert.That(user.UserMetadata!.ToJsonString(), Is.EqualTo("{\"theme\":\"dark\",\"prefs\":{\"lang\":\"fr\"},\"locale\":\"en-GB\"}"));
        Assert.That(user.AppMetadata!["plan"]!.GetValue<string>(), Is.EqualTo("pro"));
    }

    [Test]
    public async Task KeysAreMatchedCaseInsensitivelyWithSpacesAndUnderscoresNormalised()
    {
        var user = Single(await TestData.ReadUsersFromTextAsync(
            "{\"USER_ID\":\"auth0|1\",\"email verified\":true,\"Given_Name\":\"A\",\"family name\":\"B\",\"Phone Number\":\"+15555550100\",\"Logins Count\":3}"));
        Assert.That(user.UserId, Is.EqualTo("auth0|1"));
        Assert.That(user.EmailVerified, Is.True);
        Assert.That(user.GivenName, Is.EqualTo("A"));
        Assert.That(user.FamilyName, Is.EqualTo("B"));
        Assert.That(user.PhoneNumber, Is.EqualTo("+15555550100"));
        Assert.That(user.LoginsCount, Is.EqualTo(3));
    }

    [Test]
    public async Task KeyMap_MapsCustomExportAsNames()
    {
        var options = new Auth0ReaderOptions();
        options.KeyMap["Mail"] = "email";
        options.KeyMap["Colour Scheme"] = "user_metadata.theme";
        var user = Single(await TestData.ReadUsersFromTextAsync("{\"Id\":\"auth0|1\",\"Mail\":\"m@example.com\",\"Colour Scheme\":\"dark\"}", options));
        Assert.That(user.Email, Is.EqualTo("m@example.com"));
        Assert.That(user.UserMetadata!["theme"]!.GetValue<string>(), Is.EqualTo("dark"));
    }

    [Test]
    public async Task UnknownFields_AreKeptNotDropped()
    {
        var user = Single(await TestData.ReadUsersFromTextAsync("{\"user_id\":\"auth0|1\",\"Entity Name\":\"Acme\",\"emailaddress\":\"x@example.com\",\"score\":4.5,\"tags\":[\"a\"]}"));
        Assert.That(user.AdditionalProperties.Keys, Is.EquivalentTo(new[] { "Entity Name", "emailaddress", "score", "tags" }));
        Assert.That(user.AdditionalProperties["score"]!.GetValue<double>(), Is.EqualTo(4.5));
    }

    [Test]
    public async Task IdentityTokens_AreDropped()
    {
        var user = Single(await TestData.ReadUsersFromTextAsync(
            "{\"user_id\":\"google-oauth2|1\",\"identities\":[{\"provider\":\"google-oauth2\",\"user_id\":\"1\",\"access_token\":\"ya29.secret\",\"refresh_token\":\"1//secret\",\"access_token_secret\":\"s\",\"expires_in\":3600}]}"));
        var identity = user.Identities.Single();
        Assert.That(identity.AdditionalProperties.Keys, Is.EqualTo(new[] { "expires_in" }));
    }

    [Test]
    public async Task ReadCountsAlwaysAddUp()
    {
        string content = "{\"user_id\":\"auth0|1\"}\n{bad\n\n{\"user_id\":\"auth0|3\",\"blocked\":\"maybe\"}\n[]\n{\"user_id\":\"auth0|5\"}";
        var records = await TestData.ReadUsersFromTextAsync(content);
        Assert.That(records.Count(r => r.IsSuccess), Is.EqualTo(2));
        Assert.That(records.Count(r => r.Error is not null), Is.EqualTo(3));
        Assert.That(records.All(r => r.IsSuccess ^ (r.Error is not null)), Is.True);
    }

    [Test]
    public void Cancellation_StopsTheRead()
    {
        using var cts = new CancellationTokenSource();
        string content = string.Concat(Enumerable.Range(0, 1000).Select(i => $"{{\"user_id\":\"auth0|{i}\"}}\n"));
        Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            await using var source = await ExportSource.OpenAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), "input");
            int n = 0;
            await foreach (var record in new Auth0UserReader().ReadAsync(source, cts.Token))
            {
                if (++n == 10)
                {
                    await cts.CancelAsync();
                }
            }
        });
    }

    [Test]
    public void ErrorToString_NamesFileLineFieldAndReason()
    {
        var error = new ExportReadError("users.json", 7, PositionKind.Line, "email", "expected a string, got a number");
        Assert.That(error.ToString(), Is.EqualTo("users.json line 7, field 'email': expected a string, got a number"));
        var row = new ExportReadError("users.csv", 3, PositionKind.Row, null, "malformed quoting");
        Assert.That(row.ToString(), Is.EqualTo("users.csv row 3: malformed quoting"));
    }

    [Test]
    public void UserIdSplitsOnTheFirstBarOnly()
    {
        Assert.That(Auth0UserId.Parse("samlp|acme|E1"), Is.EqualTo(new Auth0UserId("samlp", "acme|E1")));
        Assert.That(Auth0UserId.Parse("auth0|legacy-000123"), Is.EqualTo(new Auth0UserId("auth0", "legacy-000123")));
        Assert.That(Auth0UserId.Parse("nobar"), Is.EqualTo(new Auth0UserId(null, "nobar")));
        Assert.That(Auth0UserId.Parse("oauth2|partner-idp|u-77af").ToString(), Is.EqualTo("oauth2|partner-idp|u-77af"));
    }

    [Test]
    public async Task UnicodeNames_SurviveEveryFormat()
    {
        var json = Single(await TestData.ReadUsersFromTextAsync("{\"user_id\":\"auth0|1\",\"name\":\"Zoë Ångström 李小龍\"}"));
        var csv = Single(await TestData.ReadUsersFromTextAsync("user_id,name\n\"'auth0|1\",\"'Zoë Ångström 李小龍\"\n"));
        Assert.That(json.Name, Is.EqualTo("Zoë Ångström 李小龍"));
        Assert.That(csv.Name, Is.EqualTo(json.Name));
    }
}
