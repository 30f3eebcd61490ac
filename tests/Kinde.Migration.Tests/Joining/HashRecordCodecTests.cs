using System.Buffers;
using System.Text.Json;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading.Internal;
using Kinde.Migration.Joining;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Joining;

/// <summary>The join stores hash records in a compact form: what comes back must equal what went in, field for field.</summary>
public class HashRecordCodecTests
{
    [TestCase("auth0/hashes-classic.ndjson")]
    [TestCase("auth0/hashes-plain-id.ndjson")]
    [TestCase("auth0/hashes-v11.ndjson")]
    [TestCase("sample/passwords.ndjson")]
    public async Task EveryExportRecord_RoundTrips(string file)
    {
        var records = (await TestData.ReadHashesAsync(TestData.PathOf(file))).Where(r => r.IsSuccess).Select(r => r.Value!).ToList();
        Assert.That(records, Is.Not.Empty);
        foreach (var record in records)
        {
            AssertRoundTrips(record);
        }
    }

    [Test]
    public void EveryField_EmptyNullAndOddValues_RoundTrip()
    {
        var full = new Auth0PasswordHash
        {
            Id = "5b82727158f410ba7cc2e151",
            AltId = "legacy-ü-000004",
            Email = "Zoë.Łukasz@例え.jp",
            EmailVerified = false,
            Username = new string('u', 300),
            PasswordHash = "$2b$10$7gq84N5bx7rSH7g3uos7gAoXrwvQueveFFTV.Xoh2aC8.7z9enecm",
            PasswordSetDate = new DateTimeOffset(2018, 8, 26, 9, 27, 13, 141, TimeSpan.Zero),
            LastPasswordReset = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.FromHours(5.5)).AddTicks(7),
            Tenant = "acme",
            Connection = "Username-Password-Authentication",
            Version = "1.1",
            TmpIsUnique = true,
        };
        full.Identifiers.Add(new Auth0Identifier("email", "zoe@example.com", true));
        full.Identifiers.Add(new Auth0Identifier(null, null, null));
        full.Identifiers.Add(new Auth0Identifier("username", "", false));
        AssertRoundTrips(full);

        AssertRoundTrips(new Auth0PasswordHash { Id = "", PasswordHash = "x" });

        // A lone surrogate cannot be UTF-8: it must still come back as it was.
        AssertRoundTrips(new Auth0PasswordHash { Id = "a\uD800b", PasswordHash = "\uDC00", Email = new string('é', 200) + "\uD83D" });
    }

    private static void AssertRoundTrips(Auth0PasswordHash record)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write<byte>([0xEE]);
        HashRecordCodec.Write(record, buffer);
        var back = HashRecordCodec.Read(buffer.WrittenSpan[1..], new LowCardinalityStrings());
        using (Assert.EnterMultipleScope())
        {
            Assert.That((back.Id, back.AltId, back.Email, back.Username, back.PasswordHash), Is.EqualTo((record.Id, record.AltId, record.Email, record.Username, record.PasswordHash)));
            Assert.That(back.Identifiers, Is.EqualTo(record.Identifiers));
            Assert.That(back.PasswordSetDate?.Offset, Is.EqualTo(record.PasswordSetDate?.Offset));
            Assert.That(back.LastPasswordReset?.Offset, Is.EqualTo(record.LastPasswordReset?.Offset));
            Assert.That(JsonSerializer.Serialize(back), Is.EqualTo(JsonSerializer.Serialize(record)), record.Id);
        }
    }
}
