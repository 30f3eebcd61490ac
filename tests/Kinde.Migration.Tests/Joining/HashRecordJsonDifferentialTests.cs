using System.Buffers;
using System.Text;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading.Internal;
using Kinde.Migration.Joining;

namespace Kinde.Migration.Tests.Joining;

/// <summary>
/// Random hash records (fixed seeds), mostly of the common shape with one thing made odd: whatever
/// <see cref="HashRecordJson"/> takes must encode and hash exactly as the parser and codec do, and it must decline
/// every record the parser rejects.
/// </summary>
public class HashRecordJsonDifferentialTests
{
    private static readonly string[] Keys =
    [
        "_id", "alt_id", "email", "email_verified", "username", "passwordHash", "password_set_date", "last_password_reset",
        "tenant", "connection", "version", "_tmp_is_unique", "identifiers", "_ID", "Email", "password_hash", "other",
    ];

    private static readonly string[] Texts =
    [
        "\"p1\"", "\"\"", "\" \"", "\"   \"", "\" A@Example.COM \"", "\"a@example.com\"", "\"auth0|x\"", "\"$2b$10$abc\"",
        "\"a\\u0040b\"", "\"Zoë\"", "\"" + new string('x', 300) + "\"", "\"~!#$%^&*()_+{}|:<>?`-=[];',./\"", "null", "1", "true",
        "\"\\ud800\"", "\"2024-01-13T02:14:26.498Z\"",
    ];

    private static readonly string[] Dates =
    [
        "\"2024-01-13T02:14:26.498Z\"", "\"2024-01-13T02:14:26Z\"", "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59.9999999Z\"",
        "\"2024-02-29T00:00:00.1Z\"", "\"2023-02-29T00:00:00Z\"", "\"2024-01-13T24:00:00Z\"", "\"2024-01-13T23:60:00Z\"",
        "\"2024-01-13T23:59:60Z\"", "\"2024-01-13T02:14:26.12345678Z\"", "\"2024-01-13 02:14:26Z\"", "\"2024-01-13T02:14:26+00:00\"",
        "\"2024-13-01T00:00:00Z\"", "\"0000-01-01T00:00:00Z\"", "\"2024-01-13T02:14:26.Z\"", "\"2024-1-13T02:14:26Z\"", "\"\"", "\" \"",
        "{\"$date\":\"2024-01-13T02:14:26.498Z\"}", "{ \"$date\" : \"2024-01-13T02:14:26Z\" }", "{\"$date\":null}", "{\"$date\":1}",
        "{\"$date\":{\"$numberLong\":\"1\"}}", "{}", "null", "1583020800000", "\"-001-01-01T00:00:00Z\"", "\"2024-01-13T02:14:2aZ\"",
    ];

    private static readonly string[] Booleans = ["true", "false", "null", "\"true\"", "1", "0", "tru", "\"\""];

    [Test]
    public void RandomRecords_AreEncodedAsTheParserWouldOrDeclined([Values(1, 2, 3, 4)] int seed)
    {
        var random = new Random(seed);
        int taken = 0;
        for (int n = 0; n < 5000; n++)
        {
            byte[] json = Encoding.UTF8.GetBytes(Record(random));
            var actual = new ArrayBufferWriter<byte>();
            bool took = HashRecordJson.TryEncode(json, actual, out HashedKey id, out HashedKey email);
            Auth0PasswordHash? record;
            try
            {
                record = HashRecordParser.Parse(json, new LowCardinalityStrings());
            }
            catch (RecordException)
            {
                record = null;
            }

            string text = Encoding.UTF8.GetString(json);
            if (record is null)
            {
                Assert.That(took, Is.False, text);
                continue;
            }

            if (!took)
            {
                Assert.That(actual.WrittenCount, Is.Zero, text);
                continue;
            }

            taken++;
            var expected = new ArrayBufferWriter<byte>();
            HashRecordCodec.Write(record, expected);
            Assert.That(actual.WrittenSpan.ToArray(), Is.EqualTo(expected.WrittenSpan.ToArray()), text);
            Assert.That(id, Is.EqualTo(HashedKey.OfAuth0Id("auth0|" + (record.AltId ?? record.Id))), text);
            Assert.That(email, Is.EqualTo(HashedKey.OfEmail(record.EffectiveEmail)), text);
        }

        Assert.That(taken, Is.GreaterThan(500), "most records are of the common shape");
    }

    private static string Record(Random random)
    {
        // The common shape, in a random order, each field kept or dropped; then, sometimes, one oddity.
        var members = new List<string>
        {
            "\"_id\":" + (random.Next(3) == 0 ? "{\"$oid\":" + Pick(random, Texts) + "}" : Pick(random, Texts, common: "\"65a1f202e4b0a1b2c3d4e5f6\"")),
            "\"passwordHash\":" + Pick(random, Texts, common: "\"$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO\""),
        };
        if (random.Next(2) == 0)
        {
            members.Add("\"alt_id\":" + Pick(random, Texts, common: "null"));
        }

        foreach (string key in new[] { "email", "username", "tenant", "connection", "version" })
        {
            if (random.Next(2) == 0)
            {
                members.Add($"\"{key}\":" + Pick(random, Texts, common: key == "email" ? "\"Ada@Example.com\"" : "\"v\""));
            }
        }

        foreach (string key in new[] { "email_verified", "_tmp_is_unique" })
        {
            if (random.Next(2) == 0)
            {
                members.Add($"\"{key}\":" + Pick(random, Booleans, common: "true"));
            }
        }

        foreach (string key in new[] { "password_set_date", "last_password_reset" })
        {
            if (random.Next(2) == 0)
            {
                members.Add($"\"{key}\":" + Pick(random, Dates, common: "{\"$date\":\"2024-01-13T02:14:26.498Z\"}"));
            }
        }

        if (random.Next(2) == 0)
        {
            members.Add("\"identifiers\":" + Identifiers(random));
        }

        if (random.Next(10) == 0)
        {
            members.Add($"\"{Keys[random.Next(Keys.Length)]}\":" + Pick(random, Texts));
        }

        members = [.. members.OrderBy(_ => random.Next())];
        string space = random.Next(4) == 0 ? " " : "";
        return space + "{" + space + string.Join("," + space, members.Select(m => m.Insert(m.IndexOf("\":", StringComparison.Ordinal) + 2, space).Insert(m.IndexOf("\":", StringComparison.Ordinal) + 1, space))) + space + "}" + space;
    }

    private static string Identifiers(Random random)
    {
        if (random.Next(10) == 0)
        {
            return random.Next(2) == 0 ? "null" : "{}";
        }

        int count = random.Next(10);
        var items = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var fields = new List<string>();
            if (random.Next(4) > 0)
            {
                fields.Add("\"type\":" + Pick(random, ["\"email\"", "\"EMAIL\"", "\"Email\"", "\"username\"", "\"phone_number\"", "null", "\"émail\""], common: "\"email\""));
            }

            if (random.Next(4) > 0)
            {
                fields.Add("\"value\":" + Pick(random, Texts, common: "\"partner@example.com\""));
            }

            if (random.Next(2) > 0)
            {
                fields.Add("\"verified\":" + Pick(random, Booleans, common: "false"));
            }

            if (random.Next(20) == 0)
            {
                fields.Add(Pick(random, ["\"Type\":\"email\"", "\"other\":1", "\"type\":\"x\""]));
            }

            items.Add("{" + string.Join(",", fields.OrderBy(_ => random.Next())) + "}");
        }

        return "[" + string.Join(",", items) + "]";
    }

    private static string Pick(Random random, string[] values, string? common = null) =>
        common is not null && random.Next(3) > 0 ? common : values[random.Next(values.Length)];
}
