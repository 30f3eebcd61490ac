using System.IO.Compression;
using System.Text;
using Kinde.Migration.Auth0.Reading.Internal;
using Kinde.Migration.Joining;
using Kinde.Migration.Testing;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Joining;

/// <summary>The join scan's fast path must log exactly what the <c>Utf8JsonReader</c> scan logs, and leave to it
/// every record it is not sure of.</summary>
public class JoinKeyScannerTests
{
    private static readonly string[] Edges =
    [
        """{"user_id":"auth0|1","email":"Ada@Example.com "}""",
        """ { "user_id" : "auth0|1" , "email" : "a@example.com" } """,
        "{\t\"user_id\":\r\n\"auth0|1\"}",
        """{}""",
        """{"email":null,"user_id":42}""",
        """{"user_id":"auth0|1","user_id":"auth0|2","email":"a@example.com","email":"b@example.com"}""",
        """{"User ID":"auth0|1","E-Mail":"a@example.com"}""",
        """{"user\u005fid":"auth0|1"}""",
        """{"user_id":"auth0|\u0031","email":"a\u0040example.com"}""",
        """{"name":"quote \" backslash \\ slash \/ \b\f\n\r\t \u00e9 \ud83d\ude00","user_id":"auth0|1"}""",
        """{"name":"\x","user_id":"auth0|1"}""",
        """{"name":"\u12G4","user_id":"auth0|1"}""",
        "{\"name\":\"tab\there\",\"user_id\":\"auth0|1\"}",
        """{"n":0,"m":-1.5e+10,"o":1E5,"p":-0.0,"user_id":"auth0|1"}""",
        """{"n":01,"user_id":"auth0|1"}""",
        """{"n":1.,"user_id":"auth0|1"}""",
        """{"n":-,"user_id":"auth0|1"}""",
        """{"n":1e,"user_id":"auth0|1"}""",
        """{"n":.5,"user_id":"auth0|1"}""",
        """{"n":+1,"user_id":"auth0|1"}""",
        """{"b":true,"c":false,"d":null,"user_id":"auth0|1"}""",
        """{"b":tru,"user_id":"auth0|1"}""",
        """{"b":nulll,"user_id":"auth0|1"}""",
        """{"user_id":"auth0|1",}""",
        """{"user_id":"auth0|1" "email":"a@example.com"}""",
        """{"user_id" "auth0|1"}""",
        """{"user_id":"auth0|1"} x""",
        """{"user_id":"auth0|1"}{}""",
        "{\"user_id\":\"auth0|1\"",
        """[{"user_id":"auth0|1"}]""",
        """ "text" """,
        """{"a":{"b":[1,2,{"c":[]}],"d":{}},"user_id":"auth0|1"}""",
        """{"a":[1,2,],"user_id":"auth0|1"}""",
        """{"a":{"b":1,},"user_id":"auth0|1"}""",
        """{"a":{1:2},"user_id":"auth0|1"}""",
        """{"a":/*c*/1,"user_id":"auth0|1"}""",
        """{"user_id":"google-oauth2|1","identities":[{"provider":"auth0","user_id":"legacy-7","connection":"db"},{"provider":"google-oauth2","user_id":"1"}]}""",
        """{"user_id":"github|9","identities":[{"provider":"auth0","user_id":123456}]}""",
        """{"user_id":"github|9","identities":[{"provider":"auth0","user_id":-12.5e3}]}""",
        """{"user_id":"github|9","identities":[{"Provider":"auth0","User_Id":"x"},{"provider":"auth0"},{"user_id":"y"}]}""",
        """{"user_id":"x","identities":[1,"two",null,[{"provider":"auth0","user_id":"z"}],{"provider":"auth0","user_id":"w","profileData":{"email":"p@example.com"}}]}""",
        """{"user_id":"x","identities":[{"provider":"AUTH0","user_id":"z"},{"provider":"auth0 ","user_id":"y"}]}""",
        """{"user_id":"x","identities":[{"provider":"auth\u0030","user_id":"z"}]}""",
        """{"user_id":"x","identities":[{"provider":"auth0","user_id":"z","provider":"google"}]}""",
        """{"user_id":"x","identities":{"provider":"auth0","user_id":"z"}}""",
        """{"user_id":"x","identities":[]}""",
        """{"user_id":"x","identities":[{}]}""",
        """{"user_id":"x","identities":[{"provider":"auth0","user_id":"z"},]}""",
        """{"user_id":"x","identities":[{"provider":"auth0","user_id":null}]}""",
        """{"user_id":"x","identities":[{"provider":1,"user_id":"z"}]}""",
        """{"user_id":"auth0|1","identities":[{"provider":"auth0","user_id":"1"}]}""",
        """{"user_id":"auth0|ü","email":"ÉMILE@example.com"}""",
        """{"app_metadata":{"roles":["a","b"],"nested":{"x":[{"y":"\"z\""}]}},"email":"a@example.com"}""",
    ];

    [TestCaseSource(nameof(Edges))]
    public void EdgeRecord_FastPathAgreesWithTheReaderOrLeavesItToIt(string record) => AssertAgrees(Encoding.UTF8.GetBytes(record));

    [TestCase("", "auth0|65a1f202e4b0a1b2c3d4e5f6", false)]
    [TestCase("", "google-oauth2|1234", false)]
    [TestCase("auth0|", "legacy-000123", false)]
    [TestCase("auth0|", "Ünïcode", false)]
    [TestCase("", "Ada.Lovelace@Example.COM", true)]
    [TestCase("", "  ada@example.com\t", true)]
    [TestCase("", "ÉMILE@exämple.com", true)]
    [TestCase("", "", true)]
    [TestCase("", "   ", true)]
    public void HashFromUtf8_EqualsHashFromText(string prefix, string text, bool email)
    {
        HashedKey fromText = email ? HashedKey.OfEmail(prefix + text) : HashedKey.OfAuth0Id(prefix + text);
        Assert.That(HashedKey.OfUtf8(Encoding.UTF8.GetBytes(prefix), Encoding.UTF8.GetBytes(text), email), Is.EqualTo(fromText));
    }

    [Test]
    public void DeepNesting_IsLeftToTheReader()
    {
        string deep = new string('[', 40) + new string(']', 40);
        byte[] record = Encoding.UTF8.GetBytes($$"""{"a":{{deep}},"user_id":"auth0|1"}""");
        Assert.That(Scan(record, fast: true).Accepted, Is.False);
        Assert.That(Scan(record, fast: false).Accepted, Is.True, "the reader still logs it");
    }

    [Test]
    public void EscapedKeysAndValues_AreLeftToTheReader()
    {
        Assert.That(Scan(Encoding.UTF8.GetBytes("""{"user\u005fid":"auth0|1"}"""), fast: true).Accepted, Is.False);
        Assert.That(Scan(Encoding.UTF8.GetBytes("""{"user_id":"auth0|\u0031"}"""), fast: true).Accepted, Is.False);
    }

    [Test]
    public void EveryGeneratedRecord_TakesTheFastPathWithTheReadersKeys()
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 7, UserCount = 3000 });
        int records = 0;
        foreach (var user in generator.GenerateUsers())
        {
            byte[] line = Encoding.UTF8.GetBytes(user.NdjsonLine);
            AssertAgrees(line);
            Assert.That(Scan(line, fast: true).Accepted, Is.True, $"generated user {user.Index} ({user.Family}) takes the fast path");
            records++;
        }

        Assert.That(records, Is.EqualTo(3000));
    }

    [Test]
    public async Task EveryRecordOfTheTestData_AgreesWithTheReader()
    {
        int lines = 0;
        foreach (string path in Directory.GetFiles(TestData.Root, "*.ndjson*", SearchOption.AllDirectories))
        {
            await using Stream file = File.OpenRead(path);
            await using Stream content = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(content, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                AssertAgrees(Encoding.UTF8.GetBytes(line));
                lines++;
            }
        }

        Assert.That(lines, Is.GreaterThan(20));
    }

    private static void AssertAgrees(byte[] record)
    {
        var fast = Scan(record, fast: true);
        var slow = Scan(record, fast: false);
        if (!slow.Accepted)
        {
            Assert.That(fast.Accepted, Is.False, "the fast path must not accept a record the reader refuses");
            return;
        }

        if (fast.Accepted)
        {
            Assert.That(fast.Keys, Is.EqualTo(slow.Keys), "id and email");
            Assert.That(fast.Linked, Is.EqualTo(slow.Linked), "linked auth0 ids");
        }
    }

    private static (bool Accepted, (HashedKey, HashedKey) Keys, (int, HashedKey)[] Linked) Scan(byte[] record, bool fast)
    {
        var parser = new UserRecordParser(new KeyResolver(new Dictionary<string, string>()));
        var log = new UserKeyLog();
        bool accepted;
        if (fast)
        {
            var linked = new List<HashedKey>();
            accepted = JoinKeyScanner.TryScan(record, new KeyResolver(new Dictionary<string, string>()), linked, out var id, out var email);
            if (accepted)
            {
                log.Add(id, email, linked.ToArray());
            }
        }
        else
        {
            accepted = parser.ScanKeysWithReader(record, log);
        }

        return accepted ? (true, log[0], log.Linked.ToArray()) : (false, default, []);
    }
}
