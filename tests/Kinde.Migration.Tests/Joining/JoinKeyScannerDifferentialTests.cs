using System.Text;
using System.Text.Unicode;
using Kinde.Migration.Auth0.Reading.Internal;
using Kinde.Migration.Joining;

namespace Kinde.Migration.Tests.Joining;

/// <summary>
/// Random records (fixed seeds) through the join scan as the pipeline runs it — one parser and key resolver for the
/// whole file, so the resolver's per-place and byte caches carry from record to record, and a key map — against the
/// <c>Utf8JsonReader</c> scan with a fresh resolver for every record.
/// </summary>
public class JoinKeyScannerDifferentialTests
{
    private static readonly Dictionary<string, string> KeyMap = new()
    {
        ["uid"] = "user_id",
        ["Primary Mail"] = "email",
        ["logins"] = "identities",
        ["email"] = "contact_email",
    };

    private static readonly string[] Keys =
    [
        "user_id", "User ID", "USER_ID", "userId", "user-id", "id", "_id", "email", "Email", "E-Mail", "e mail", "EMAIL ",
        "uid", "UID", "Primary Mail", "primary mail", "mail", "logins", "identities", "Identities", "IDENTITIES",
        "name", "app_metadata", "user_metadata", "user_metadata.email", "identities[0].connection", "provider", "connection",
        "user\\u005fid", "em\\u0061il", "ü", "ÜSER_ID", "user_ıd", "\\ud800", new string('k', 300), "", " ", "contact_email",
    ];

    private static readonly string[] IdentityKeys =
    [
        "provider", "Provider", "PROVIDER", "user_id", "userId", "User ID", "user-id", "USER_ID", "connection", "isSocial",
        "profileData", "access_token", "prov\\u0069der", "user\\u005fid", "id", "ü", new string('p', 130), "",
    ];

    private static readonly string[] Strings =
    [
        "auth0|1", "auth0|abc", "auth0|", "Auth0|1", "google-oauth2|7", "", " ", "   ", "auth0|ü", "auth0|\\u0031",
        "a@example.com", " A@Example.COM ", "ÉMILE@exämple.com", "\\u00a0a@example.com", "a@example.com\\u2028", "\\t",
        "auth0", "AUTH0", "auth0 ", "auth\\u0030", "Auth0", "x\\\"y", "\\ud800", "\\udc00x", "\\ud83d\\ude00", "\\u0000",
        "\u00a0", "\u2003a@b.c\u2003", "a\u0085", "😀", new string('l', 300), "auth0|" + new string('é', 200), new string(' ', 257) + "a@b.c",
        "\\/\\b\\f\\n\\r\\t", "\\x", "\\u12G4",
    ];

    private static readonly string[] Numbers = ["0", "-0", "1", "-1", "1e5", "1E+5", "1.0", "-12.5e-3", "123456789012345678901234567890", "01", "1.", "-", ".5", "+1", "1e", "0x1"];

    [Test]
    public void RandomRecords_FastScanLogsWhatTheReaderLogs([Values(1, 2, 3, 4)] int seed)
    {
        var random = new Random(seed);
        var parser = new UserRecordParser(new KeyResolver(KeyMap));
        for (int n = 0; n < 4000; n++)
        {
            string record = Record(random);
            byte[] json = Encoding.UTF8.GetBytes(record);
            if (random.Next(40) == 0 && json.Length > 2)
            {
                // A corruption: a byte dropped.
                json = [.. json.AsSpan(0, json.Length / 2), .. json.AsSpan((json.Length / 2) + 1)];
            }

            if (!Utf8.IsValid(json))
            {
                continue;
            }

            var expected = Scan(json, (p, j, log) => p.ScanKeysWithReader(j, log), new UserRecordParser(new KeyResolver(KeyMap)));
            var actual = Scan(json, (p, j, log) => p.ScanKeys(j, log), parser);
            Assert.That(actual, Is.EqualTo(expected), () => Encoding.UTF8.GetString(json));
            Assert.That(expected, Does.Not.StartWith("threw"), () => Encoding.UTF8.GetString(json));
        }
    }

    private delegate bool Scanner(UserRecordParser parser, ReadOnlySpan<byte> json, UserKeyLog log);

    private static string Scan(byte[] json, Scanner scan, UserRecordParser parser)
    {
        var log = new UserKeyLog();
        try
        {
            if (!scan(parser, json, log))
            {
                return "refused";
            }
        }
        catch (Exception ex)
        {
            return "threw " + ex.GetType().Name;
        }

        var (id, email) = log[0];
        return $"{id} {email} [{string.Join(", ", log.Linked.Select(l => l.Id))}]";
    }

    private static string Record(Random random)
    {
        var text = new StringBuilder();
        text.Append(Space(random)).Append('{');
        int members = random.Next(8);
        for (int i = 0; i < members; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            string key = Keys[random.Next(Keys.Length)];
            text.Append(Space(random)).Append('"').Append(key).Append('"').Append(Space(random)).Append(':').Append(Space(random));
            bool identities = key.Replace(" ", "").Replace("_", "").Equals("identities", StringComparison.OrdinalIgnoreCase) || key == "logins";
            text.Append(identities && random.Next(4) > 0 ? IdentitiesArray(random) : Value(random, 1));
            text.Append(Space(random));
        }

        text.Append('}').Append(Space(random));
        return text.ToString();
    }

    private static string IdentitiesArray(Random random)
    {
        var text = new StringBuilder("[");
        int count = random.Next(4);
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            if (random.Next(8) == 0)
            {
                text.Append(Value(random, 2));
                continue;
            }

            text.Append('{');
            int members = random.Next(5);
            for (int m = 0; m < members; m++)
            {
                if (m > 0)
                {
                    text.Append(',');
                }

                string key = IdentityKeys[random.Next(IdentityKeys.Length)];
                text.Append('"').Append(key).Append("\":").Append(Space(random));
                text.Append(random.Next(3) switch
                {
                    0 when key.StartsWith('p') || key.StartsWith('P') => "\"" + (random.Next(2) == 0 ? "auth0" : Strings[random.Next(Strings.Length)]) + "\"",
                    0 => Numbers[random.Next(Numbers.Length)],
                    _ => Value(random, 3),
                });
            }

            text.Append('}');
        }

        return text.Append(Space(random)).Append(']').ToString();
    }

    private static string Value(Random random, int depth)
    {
        switch (random.Next(10))
        {
            case 0:
            case 1:
            case 2:
                return "\"" + Strings[random.Next(Strings.Length)] + "\"";
            case 3:
                return Numbers[random.Next(Numbers.Length)];
            case 4:
                return random.Next(4) switch { 0 => "true", 1 => "false", 2 => "null", _ => "nul" };
            case 5:
                // Nesting at and around the fast path's limit (32) and the reader's (64).
                int levels = random.Next(4) switch { 0 => random.Next(29, 36), 1 => random.Next(61, 68), _ => random.Next(1, 4) };
                var deep = new StringBuilder();
                for (int i = 0; i < levels; i++)
                {
                    deep.Append(random.Next(2) == 0 ? "[" : "{\"k\":");
                }

                string inner = deep.ToString();
                deep.Append("1");
                for (int i = inner.Length - 1; i >= 0; i--)
                {
                    if (inner[i] == '[')
                    {
                        deep.Append(']');
                    }
                    else if (inner[i] == '{')
                    {
                        deep.Append('}');
                    }
                }

                return deep.ToString();
            case 6 when depth < 5:
                return "[" + Value(random, depth + 1) + "," + Value(random, depth + 1) + "]";
            case 7 when depth < 5:
                return "{\"" + Keys[random.Next(Keys.Length)] + "\":" + Value(random, depth + 1) + "}";
            case 8:
                return random.Next(3) switch { 0 => "[]", 1 => "{}", _ => "[ ]" };
            default:
                return "\"" + Strings[random.Next(Strings.Length)] + "\"";
        }
    }

    private static string Space(Random random) => random.Next(6) switch
    {
        0 => " ",
        1 => "\t\r\n ",
        _ => "",
    };
}
