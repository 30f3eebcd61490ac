using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Auth0.Reading.Internal;
using Kinde.Migration.Joining;
using Kinde.Migration.Testing;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Joining;

/// <summary>
/// The index encodes common hash records straight from their JSON bytes: for every record it takes, the stored bytes
/// and the join keys must be exactly what parsing the record and encoding the object gives; every other record must
/// be declined, untouched, so that the parser decides it as before.
/// </summary>
public class HashRecordJsonTests
{
    private const string Hash = "$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";

    private static readonly string[] Taken =
    [
        $$"""{"_id":{"$oid":"65a1f202e4b0a1b2c3d4e5f6"},"email_verified":true,"email":"ada.lovelace@example.com","passwordHash":"{{Hash}}","password_set_date":{"$date":"2024-01-13T02:14:26.498Z"},"tenant":"acme-prod","connection":"Username-Password-Authentication","_tmp_is_unique":true}""",
        $$"""{"_id":"65a1f202e4b0a1b2c3d4e5f6","passwordHash":"{{Hash}}"}""",
        $$"""{"_id":"5f0c1d2e","alt_id":"legacy-000123","passwordHash":"{{Hash}}","email":"Imported.User@Example.COM"}""",
        $$"""{"_id":"5f0c1d2e","alt_id":"","passwordHash":"{{Hash}}"}""",
        $$"""{"_id":"5f0c1d2e","alt_id":null,"email":null,"username":null,"tenant":null,"connection":null,"version":null,"email_verified":null,"_tmp_is_unique":null,"password_set_date":null,"last_password_reset":null,"identifiers":null,"passwordHash":"{{Hash}}"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","identifiers":[{"type":"email","value":"Partner.User@Example.com","verified":false}]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","identifiers":[{"type":"username","value":"u1"},{"type":"EMAIL","value":"second@example.com"},{"type":"email","value":"third@example.com"}]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","identifiers":[{"type":"email","value":null},{"type":"email","value":"later@example.com"}]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"root@example.com","identifiers":[{"type":"email","value":"identifier@example.com"}]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"","identifiers":[{"type":"email","value":"identifier@example.com"}]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"   ","identifiers":[]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"  Spaced@Example.com  ","identifiers":[{},{"verified":true},{"value":"v","type":"t","verified":false}]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","identifiers":[{"type":"a"},{"type":"b"},{"type":"c"},{"type":"d"},{"type":"e"},{"type":"f"},{"type":"g"},{"type":"email","value":"eighth@example.com"}]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","version":"1.1","username":"ada_l","last_password_reset":{"$date":"2025-01-05T14:22:10.001Z"},"email_verified":false,"_tmp_is_unique":false}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2020-03-01T00:00:00Z","last_password_reset":"0001-01-01T00:00:00.1234567Z"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2024-02-29T23:59:59.9Z","last_password_reset":"9999-12-31T23:59:59.9999999Z"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2024-02-29T23:59:59.12Z","last_password_reset":"2021-06-30T12:00:00.123456Z"}""",
        $$"""  { "_id" : { "$oid" : "65a1" } ,   "passwordHash" : "{{Hash}}" , "identifiers" : [ { "type" : "email" , "value" : "x@example.com" } , { } ] , "password_set_date" : { "$date" : "2024-01-13T02:14:26.498Z" } }  """,
        $$"""{"_id":"{{new string('i', 300)}}","passwordHash":"{{Hash}}","username":"{{new string('u', 21)}}","tenant":"{{new string('t', 22)}}","connection":"{{new string('c', 5000)}}"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"Weird~chars!#$%&'*+/=?^_`{|}@Example.com"}""",
    ];

    private static readonly string[] Declined =
    [
        // Escapes, non-ASCII text and other spellings of keys: left to the parser.
        $$"""{"_id":"p\u0031","passwordHash":"{{Hash}}"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"a\"b@example.com"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"Zoë@例え.jp"}""",
        $$"""{"_ID":{"$oid":"65a1"},"passwordHash":"{{Hash}}"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","Email":"a@example.com"}""",
        $$"""{"_id":"p1","password_hash":"{{Hash}}"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","identifiers":[{"Type":"email","value":"a@example.com"}]}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","other":1}""",
        $$"""{"_id":"p1",	"passwordHash":"{{Hash}}"}""",
        "{\"_id\":\"p1\",\r\n\"passwordHash\":\"" + Hash + "\"}",

        // Other value shapes.
        $$"""{"_id":{"$oid":"65a1","x":1},"passwordHash":"{{Hash}}"}""",
        $$"""{"_id":{"other":"65a1"},"passwordHash":"{{Hash}}"}""",
        $$$$"""{"_id":"p1","passwordHash":"{{{{Hash}}}}","password_set_date":{"$date":{"$numberLong":"1583020800000"}}}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":1583020800000}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2020-03-01T00:00:00+02:00"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2020-03-01T00:00:00"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2020-03-01T00:00:00.12345678Z"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2020-03-01T00:00:00.Z"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2021-02-29T00:00:00Z"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2021-02-01T24:00:00Z"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":"2020-03-01"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","password_set_date":""}""",
        $$$"""{"_id":"p1","passwordHash":"{{{Hash}}}","password_set_date":{"$date":null}}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email_verified":"true"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email_verified":1}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","version":1.1}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","identifiers":[{"type":"a"},{"type":"b"},{"type":"c"},{"type":"d"},{"type":"e"},{"type":"f"},{"type":"g"},{"type":"h"},{"type":"email","value":"ninth@example.com"}]}""",
        $$$"""{"_id":"p1","passwordHash":"{{{Hash}}}","identifiers":{}}""",

        // Repeated keys (the parser takes the last, or both identifier lists).
        $$"""{"_id":"p1","_id":"p2","passwordHash":"{{Hash}}"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","identifiers":[{"type":"email","type":"x"}]}""",

        // Records the parser rejects, with its reasons.
        $$"""{"passwordHash":"{{Hash}}"}""",
        $$"""{"_id":"","passwordHash":"{{Hash}}"}""",
        $$"""{"_id":null,"passwordHash":"{{Hash}}"}""",
        """{"_id":"p1"}""",
        """{"_id":"p1","passwordHash":""}""",
        """{"_id":"p1","passwordHash":null}""",
        """{}""",
        """[]""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}"} x""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}",}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}" """,
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"a	b"}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email_verified":tru}""",
        $$"""{"_id":"p1","passwordHash":"{{Hash}}","email_verified":truex}""",
    ];

    public static IEnumerable<string> TakenRecords() => Taken;

    public static IEnumerable<string> DeclinedRecords() => Declined;

    [TestCaseSource(nameof(TakenRecords))]
    public void CommonShape_IsEncodedAsTheParserWould(string json) => AssertTakenAsParsed(Encoding.UTF8.GetBytes(json));

    [TestCase("auth0/hashes-classic.ndjson")]
    [TestCase("auth0/hashes-v11.ndjson")]
    [TestCase("sample/passwords.ndjson")]
    public void ExportRecords_AreEncodedAsTheParserWould(string file)
    {
        foreach (string line in File.ReadLines(TestData.PathOf(file)).Where(l => l.Length > 0))
        {
            AssertTakenAsParsed(Encoding.UTF8.GetBytes(line));
        }
    }

    [Test]
    public async Task GeneratedExport_IsEncodedAsTheParserWould()
    {
        using var dir = new TempDirectory();
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 7, UserCount = 3000, DatabaseFraction = 0.7 });
        await generator.WritePasswordHashesAsync(dir.File("hashes.ndjson"), gzip: false);
        foreach (string line in File.ReadLines(dir.File("hashes.ndjson")).Where(l => l.Length > 0))
        {
            AssertTakenAsParsed(Encoding.UTF8.GetBytes(line));
        }
    }

    [Test]
    public void Dates_AreEncodedAsTheParserWould()
    {
        var random = new Random(12345);
        for (int i = 0; i < 5000; i++)
        {
            var date = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
            int digits = random.Next(0, 8);
            string text = date.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)
                + (digits == 0 ? "" : "." + date.ToString(digits == 1 ? "%f" : new string('f', digits), CultureInfo.InvariantCulture)) + "Z";
            AssertTakenAsParsed(Encoding.UTF8.GetBytes($$"""{"_id":"p1","passwordHash":"x","password_set_date":{"$date":"{{text}}"},"last_password_reset":"{{text}}"}"""));
        }
    }

    [TestCaseSource(nameof(DeclinedRecords))]
    public void OtherShapes_AreDeclinedWithNothingWritten(string json) => AssertDeclined(Encoding.UTF8.GetBytes(json));

    [Test]
    public void InvalidUtf8_IsDeclined()
    {
        byte[] json = Encoding.UTF8.GetBytes($$"""{"_id":"p1","passwordHash":"{{Hash}}","email":"aXb@example.com"}""");
        json[Array.IndexOf(json, (byte)'X')] = 0xC3;
        AssertDeclined(json);
    }

    [Test]
    public void AsciiKeys_HashAsTheirStrings()
    {
        foreach (string email in new[] { "ada@example.com", "Ada.Lovelace@EXAMPLE.COM", " \t Ada@Example.com \r\n", "", "  ", "@[]^_`{~" })
        {
            Assert.That(HashedKey.OfEmailAscii(Encoding.ASCII.GetBytes(email)), Is.EqualTo(HashedKey.OfEmail(email)), email);
        }

        Assert.That(HashedKey.OfEmailAscii("ADA@EXAMPLE.COM"u8), Is.EqualTo(HashedKey.OfEmail("ada@example.com")));
        Assert.That(HashedKey.OfAuth0IdAscii("auth0|65a1F"u8), Is.EqualTo(HashedKey.OfAuth0Id("auth0|65a1F")));
        Assert.That(HashedKey.OfAuth0IdAscii("auth0|65a1F"u8), Is.Not.EqualTo(HashedKey.OfAuth0Id("auth0|65a1f")), "ids are case-sensitive");
        Assert.That(HashedKey.OfAuth0IdAscii("google-oauth2|1"u8), Is.EqualTo(HashedKey.None));
    }

    [Test]
    public void KeyHashes_AreTheFnvHashesTheyAlwaysWere()
    {
        foreach (string value in new[] { "", "a", "auth0|65a1f202e4b0a1b2c3d4e5f6", "Zoë.Łukasz@例え.JP", "ÀÉÎ@EXAMPLE.COM" })
        {
            foreach (bool ignoreCase in new[] { false, true })
            {
                HashedKey both = KeyHash.Both(value, ignoreCase);
                Assert.That((both.Key, both.Check), Is.EqualTo(ReferenceHashes(value, ignoreCase)), value);
                Assert.That(both.Key, Is.EqualTo(KeyHash.Of(value, ignoreCase)));
            }
        }
    }

    [Test]
    public async Task Index_BuiltFromBytes_MatchesTheIndexBuiltFromParsedRecords()
    {
        // Every taken and declined record, a duplicate id, and non-ASCII and upper-case emails that users match.
        string[] extra =
        [
            $$"""{"_id":"65a1f202e4b0a1b2c3d4e5f6","passwordHash":"{{Hash}}2"}""",
            $$"""{"_id":"nonascii","passwordHash":"{{Hash}}","email":"ZOË@例え.JP"}""",
            $$"""{"_id":"upper","passwordHash":"{{Hash}}","email":"UPPER.CASE@EXAMPLE.COM"}""",
        ];
        string text = string.Join("\n", Taken.Concat(Declined).Concat(extra)) + "\n";
        using var dir = new TempDirectory();
        string path = dir.Write("hashes.ndjson", text);

        using var fromBytes = new PasswordHashIndex(1 << 20, dir.Path);
        await using (var source = await ExportSource.OpenAsync(path))
        {
            await fromBytes.AddAllAsync(new PasswordHashReader(), source, default);
        }

        using var parsed = new PasswordHashIndex(1 << 20, dir.Path);
        await using (var source = await ExportSource.OpenAsync(path))
        {
            await parsed.AddAllAsync(new PasswordHashReader().ReadAsync(source), default);
        }

        Assert.That((fromBytes.Count, fromBytes.HashesRead, fromBytes.HashesRejected, fromBytes.Duplicates), Is.EqualTo((parsed.Count, parsed.HashesRead, parsed.HashesRejected, parsed.Duplicates)));
        Assert.That(fromBytes.Duplicates, Is.GreaterThan(0));
        Assert.That(fromBytes.Rejections.Select(r => r.ToString()), Is.EqualTo(parsed.Rejections.Select(r => r.ToString())));
        Assert.That(fromBytes.Rejections.Select(r => r.Field), Does.Contain("_id").And.Contain("passwordHash"));

        // Every hash, looked up by each of its keys as a user would carry them.
        var users = new List<Auth0User>();
        var records = (await TestData.ReadHashesFromTextAsync(text)).Where(r => r.IsSuccess).Select(r => r.Value!).ToList();
        foreach (var record in records)
        {
            users.Add(new Auth0User { UserId = record.Auth0UserId });
            users.Add(new Auth0User { UserId = "google-oauth2|" + users.Count, Email = record.EffectiveEmail?.ToLowerInvariant() });
        }

        users.Add(new Auth0User { UserId = "auth0|nobody", Email = "zoë@例え.jp" });
        var log = new UserKeyLog();
        users.ForEach(u => log.Add(UserKeys.Of(u)));
        fromBytes.ClaimAll(log);
        parsed.ClaimAll(log);
        for (int i = 0; i < users.Count; i++)
        {
            PasswordJoinResult expected = parsed.Resolve(users[i], i), actual = fromBytes.Resolve(users[i], i);
            Assert.That(actual.Outcome, Is.EqualTo(expected.Outcome), users[i].UserId);
            Assert.That(JsonSerializer.Serialize(actual.Hash), Is.EqualTo(JsonSerializer.Serialize(expected.Hash)), users[i].UserId);
        }

        Assert.That(fromBytes.CountUnused(), Is.EqualTo(parsed.CountUnused()));
    }

    private static void AssertTakenAsParsed(byte[] json)
    {
        Auth0PasswordHash record = HashRecordParser.Parse(json);
        var expected = new ArrayBufferWriter<byte>();
        HashRecordCodec.Write(record, expected);
        var actual = new ArrayBufferWriter<byte>();
        string text = Encoding.UTF8.GetString(json);
        Assert.That(HashRecordJson.TryEncode(json, actual, out HashedKey id, out HashedKey email), Is.True, text);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(actual.WrittenSpan.ToArray(), Is.EqualTo(expected.WrittenSpan.ToArray()), text);
            Assert.That(id, Is.EqualTo(HashedKey.OfAuth0Id(record.Auth0UserId)), text);
            Assert.That(email, Is.EqualTo(HashedKey.OfEmail(record.EffectiveEmail)), text);
        }
    }

    private static void AssertDeclined(byte[] json)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.That(HashRecordJson.TryEncode(json, output, out _, out _), Is.False, Encoding.UTF8.GetString(json));
        Assert.That(output.WrittenCount, Is.Zero);
    }

    /// <summary>The two hashes as first written: FNV-1a forward, and from another basis in reverse.</summary>
    private static (ulong Key, ulong Check) ReferenceHashes(string value, bool ignoreCase)
    {
        const ulong prime = 1099511628211UL;
        string folded = ignoreCase ? new string(value.Select(char.ToLowerInvariant).ToArray()) : value;
        ulong key = 14695981039346656037UL, check = 0x84222325CBF29CE4UL;
        foreach (char c in folded)
        {
            key = (key ^ c) * prime;
        }

        foreach (char c in folded.Reverse())
        {
            check = (check ^ c) * prime;
        }

        return (key, check);
    }
}
