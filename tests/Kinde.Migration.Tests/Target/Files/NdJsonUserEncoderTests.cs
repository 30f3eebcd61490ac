using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kinde.Migration.Target;
using Kinde.Migration.Target.Files.Internal;

namespace Kinde.Migration.Tests.Target.Files;

/// <summary>The encoder writes its bytes itself: they must be exactly what <see cref="Utf8JsonWriter"/> wrote.</summary>
public class NdJsonUserEncoderTests
{
    private static readonly string[] Awkward =
    [
        "",
        "plain ascii 123",
        "quote \" and backslash \\ and slash /",
        "\"\\\"\\",
        "control \0 \u0001 \b \t \n \f \r \u001b \u001f \u007f end",
        "html < > & ' + ` = @ # $ % ^ * ( ) [ ] { } | ~",
        "</script><script>alert(1)</script> & more",
        "O'Brien",
        "Ünïcödé — “smart quotes” ñ ß ø",
        "花子 山田 Ольга Ἀθηνᾶ עברית العربية हिन्दी",
        "emoji \uD83E\uDD8A pair \uD83D\uDE00\uD83D\uDE00",
        "lone high \uD83E end",
        "lone low \uDD8A end",
        "ends with high \uD83E",
        "\uDD8A starts with low",
        "line sep \u2028 para sep \u2029 nbsp \u00A0 bom \uFEFF zwj \u200D soft\u00AD",
        "replacement \uFFFD nonchar \uFFFF \uFFFE private \uE000 unassigned \u0378",
        "combining e\u0301 and ideographic space \u3000",
        new string('a', 5000),
        new string('<', 300),
        string.Concat(Enumerable.Repeat("é\"<\uD83E\uDD8A", 200)),
        new string('x', 127) + "<",
        new string('x', 200) + "\n",
    ];

    [Test]
    public void AwkwardStrings_InEveryField_MatchUtf8JsonWriter()
    {
        foreach (string text in Awkward)
        {
            AssertSameBytes(UserWith(text));
        }
    }

    [Test]
    public void NullAndEmptyValues_MatchUtf8JsonWriter()
    {
        AssertSameBytes(new KindeUser());
        AssertSameBytes(new KindeUser { Id = "", FirstName = "", LastName = "" });

        var user = new KindeUser { Id = null, FirstName = null, LastName = "Last" };
        user.Password = new KindePassword { HashedPassword = null!, HashingMethod = null! };
        user.Identities.Add(new KindeIdentity(null!, null!));
        user.Identities.Add(new KindeIdentity("email", "", false));
        user.Organizations.Add(new KindeOrganizationMembership(null!) { Roles = [null!, ""], Permissions = [] });
        user.Organizations.Add(new KindeOrganizationMembership(""));
        user.Properties["empty"] = "";
        user.Properties["null"] = null!;
        AssertSameBytes(user);
    }

    [Test]
    public void Profiles_MatchUtf8JsonWriter()
    {
        var user = new KindeUser { Id = "google-oauth2|1" };
        user.Identities.Add(new KindeIdentity("oauth2:google", "1", true)
        {
            Provider = "google",
            Profile = JsonNode.Parse("""{"name":"Ada <Lovelace>","n":1.50,"big":12345678901234567890,"ok":true,"none":null,"list":[1,"\u00e9",{"a":"\ud83e\udd8a"}],"nested":{"deep":{"x":"'+&"}}}""")!.AsObject(),
        });
        user.Identities.Add(new KindeIdentity("oauth2:github", "2", true) { Provider = "github", Profile = [] });
        user.Properties["after"] = "profile";
        AssertSameBytes(user);
    }

    [Test]
    public void RandomUsers_MatchUtf8JsonWriter()
    {
        var random = new Random(1234);
        for (int i = 0; i < 3000; i++)
        {
            var user = new KindeUser
            {
                Id = RandomText(random),
                FirstName = random.Next(4) == 0 ? null : RandomText(random),
                LastName = random.Next(4) == 0 ? null : RandomText(random),
            };
            if (random.Next(2) == 0)
            {
                user.Password = new KindePassword
                {
                    HashedPassword = RandomText(random),
                    HashingMethod = "bcrypt",
                    Salt = random.Next(2) == 0 ? null : RandomText(random),
                    SaltFormat = random.Next(2) == 0 ? null : "hex",
                    SaltPosition = random.Next(2) == 0 ? null : "prefix",
                };
            }

            for (int j = random.Next(4); j > 0; j--)
            {
                user.Identities.Add(new KindeIdentity(RandomText(random), RandomText(random), random.Next(3) switch { 0 => null, 1 => true, _ => false })
                {
                    Provider = random.Next(2) == 0 ? null : RandomText(random),
                });
            }

            for (int j = random.Next(9); j > 0; j--)
            {
                user.Properties[RandomText(random) + j] = RandomText(random);
            }

            for (int j = random.Next(3); j > 0; j--)
            {
                user.Organizations.Add(new KindeOrganizationMembership(RandomText(random) + j) { Roles = [RandomText(random)], Permissions = [RandomText(random), RandomText(random)] });
            }

            AssertSameBytes(user);
        }
    }

    [Test]
    public void RandomLongStringsAndProfiles_ThroughOneEncoder_MatchUtf8JsonWriter()
    {
        // One encoder for every user, as the writer uses it (its line, property array and profile writer are reused),
        // and strings whose first character to escape falls either side of the stack thresholds (128 chars, 128 / 6).
        var random = new Random(4321);
        using var encoder = new NdJsonUserEncoder();
        for (int i = 0; i < 1500; i++)
        {
            var user = new KindeUser { Id = LongText(random), FirstName = random.Next(3) == 0 ? null : LongText(random), LastName = LongText(random) };
            user.Password = random.Next(2) == 0 ? null : new KindePassword { HashedPassword = LongText(random), HashingMethod = LongText(random), Salt = LongText(random) };
            for (int j = random.Next(3); j > 0; j--)
            {
                user.Identities.Add(new KindeIdentity(LongText(random), LongText(random), random.Next(2) == 0) { Profile = random.Next(2) == 0 ? null : RandomProfile(random, 0) });
            }

            for (int j = random.Next(40); j > 0; j--)
            {
                user.Properties[LongText(random) + j] = LongText(random);
            }

            if (random.Next(3) == 0)
            {
                user.Organizations.Add(new KindeOrganizationMembership(random.Next(4) == 0 ? null! : LongText(random)) { Roles = [LongText(random)] });
            }

            var buffer = new ArrayBufferWriter<byte>();
            encoder.Encode(user, buffer, new WarningSet());
            byte[] expected = Reference(user);
            Assert.That(buffer.WrittenSpan.ToArray(), Is.EqualTo(expected), () => Encoding.UTF8.GetString(expected));
        }
    }

    private static string LongText(Random random)
    {
        var builder = new StringBuilder();
        builder.Append('a', random.Next(4) switch { 0 => 0, 1 => random.Next(15, 30), 2 => random.Next(120, 140), _ => random.Next(300) });
        for (int k = random.Next(4); k > 0; k--)
        {
            builder.Append(RandomText(random));
            builder.Append('b', random.Next(150));
        }

        return builder.ToString();
    }

    private static JsonObject RandomProfile(Random random, int depth)
    {
        var profile = new JsonObject();
        for (int k = random.Next(4); k > 0; k--)
        {
            profile[LongText(random) + k] = random.Next(4) switch
            {
                0 when depth < 4 => RandomProfile(random, depth + 1),
                1 => new JsonArray(LongText(random), random.Next(), null, true),
                2 => null,
                _ => LongText(random),
            };
        }

        return profile;
    }

    [Test]
    public void DeepProfiles_MatchUtf8JsonWriter_ToItsDepthLimit([Range(994, 1001)] int levels)
    {
        // The writer allowed 1000 levels in all, and the profile sits three deep in the line.
        var profile = new JsonObject();
        JsonObject innermost = profile;
        for (int i = 1; i < levels; i++)
        {
            var next = new JsonObject();
            innermost["k"] = next;
            innermost = next;
        }

        var user = new KindeUser { Id = "u1" };
        user.Identities.Add(new KindeIdentity("oauth2:github", "1") { Profile = profile });
        string expected = Outcome(() => Reference(user));
        string actual = Outcome(() =>
        {
            using var encoder = new NdJsonUserEncoder();
            var buffer = new ArrayBufferWriter<byte>();
            encoder.Encode(user, buffer, new WarningSet());
            return buffer.WrittenSpan.ToArray();
        });
        Assert.That(actual, Is.EqualTo(expected));
    }

    private static string Outcome(Func<byte[]> encode)
    {
        try
        {
            return Convert.ToHexString(encode());
        }
        catch (InvalidOperationException ex)
        {
            return ex.GetType().Name;
        }
    }

    [Test]
    public void ConsecutiveUsers_EachGetTheirOwnLine()
    {
        using var encoder = new NdJsonUserEncoder();
        var buffer = new ArrayBufferWriter<byte>();
        var expected = new List<byte>();
        foreach (string text in Awkward)
        {
            KindeUser user = UserWith(text);
            encoder.Encode(user, buffer, new WarningSet());
            expected.AddRange(Reference(user));
        }

        Assert.That(buffer.WrittenSpan.ToArray(), Is.EqualTo(expected.ToArray()));
    }

    private static string RandomText(Random random)
    {
        const string pool = "abcXYZ019 _-.@|/$\"\\<>&'+`\0\n\t\u001f\u007f\u00e9\u00fc\u00df\u4e2d\u6587\u2028\uFEFF\uFFFD\uE000";
        int length = random.Next(12);
        var builder = new StringBuilder(length + 2);
        for (int i = 0; i < length; i++)
        {
            switch (random.Next(20))
            {
                case 0:
                    builder.Append("\uD83E\uDD8A");
                    break;
                case 1:
                    builder.Append((char)random.Next(0xD800, 0xE000));
                    break;
                case 2:
                    builder.Append((char)random.Next(0x80, 0x10000));
                    break;
                default:
                    builder.Append(pool[random.Next(pool.Length)]);
                    break;
            }
        }

        return builder.ToString();
    }

    private static KindeUser UserWith(string text)
    {
        var user = new KindeUser { Id = text, FirstName = text, LastName = text, Picture = text };
        user.Password = new KindePassword { HashedPassword = text, HashingMethod = text, Salt = text, SaltFormat = text, SaltPosition = text };
        user.Identities.Add(new KindeIdentity(text, text, true) { Provider = text });
        user.Identities.Add(new KindeIdentity("email", text, false));
        user.Identities.Add(new KindeIdentity("username", text));
        user.Properties[text] = text;
        user.Properties["k"] = text;
        user.Organizations.Add(new KindeOrganizationMembership(text) { Roles = [text, text], Permissions = [text] });
        return user;
    }

    private static void AssertSameBytes(KindeUser user)
    {
        using var encoder = new NdJsonUserEncoder();
        var buffer = new ArrayBufferWriter<byte>();
        encoder.Encode(user, buffer, new WarningSet());
        byte[] expected = Reference(user);
        Assert.That(buffer.WrittenSpan.ToArray(), Is.EqualTo(expected), () => Encoding.UTF8.GetString(expected));
    }

    /// <summary>The encoder as it was written with <see cref="Utf8JsonWriter"/>: the bytes to match.</summary>
    private static byte[] Reference(KindeUser user)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = NdJsonUserEncoder.Escaper, Indented = false }))
        {
            w.WriteStartObject();
            WriteOptional(w, "id", user.Id);
            WriteOptional(w, "first_name", user.FirstName);
            WriteOptional(w, "last_name", user.LastName);
            if (user.Password is { } password)
            {
                w.WriteStartObject("password");
                w.WriteString("hashed_password", password.HashedPassword);
                w.WriteString("hashing_algorithm", password.HashingMethod);
                WriteOptional(w, "salt", password.Salt);
                WriteOptional(w, "salt_format", password.SaltFormat);
                WriteOptional(w, "salt_position", password.SaltPosition);
                w.WriteEndObject();
            }

            if (user.Identities.Count > 0)
            {
                w.WriteStartArray("identities");
                foreach (KindeIdentity identity in user.Identities)
                {
                    w.WriteStartObject();
                    w.WriteString("type", identity.Type);
                    w.WriteString("identity", identity.Value);
                    if (identity.IsVerified is { } verified)
                    {
                        w.WriteBoolean("is_verified", verified);
                    }

                    WriteOptional(w, "provider", identity.Provider);
                    if (identity.Profile is { } profile)
                    {
                        w.WritePropertyName("profile");
                        profile.WriteTo(w);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (user.Properties.Count > 0)
            {
                w.WriteStartArray("properties");
                foreach (var property in user.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    w.WriteStartObject();
                    w.WriteString("key", property.Key);
                    w.WriteString("value", property.Value);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (user.Organizations.Count > 0)
            {
                w.WriteStartArray("organizations");
                foreach (KindeOrganizationMembership organization in user.Organizations)
                {
                    w.WriteStartObject();
                    w.WriteString("external_id", organization.ExternalId ?? string.Empty);
                    w.WriteStartArray("roles");
                    foreach (string role in organization.Roles)
                    {
                        w.WriteStringValue(role);
                    }

                    w.WriteEndArray();
                    w.WriteStartArray("permissions");
                    foreach (string permission in organization.Permissions)
                    {
                        w.WriteStringValue(permission);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        return [.. buffer.WrittenSpan, (byte)'\n'];
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
