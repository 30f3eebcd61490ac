using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Auth0.Reading;

public class PasswordHashReaderTests
{
    private const string AdaHash = "$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";

    [Test]
    public async Task ClassicShape_ExposesTheUserIdItBelongsTo()
    {
        var records = await TestData.ReadHashesAsync(TestData.PathOf("auth0/hashes-classic.ndjson"));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        Assert.That(records.Select(r => r.Value!.Auth0UserId), Is.EqualTo(new[]
        {
            "auth0|65a1f202e4b0a1b2c3d4e5f6",
            "auth0|636223809f8e7d6c5b4a3928",
            "auth0|legacy-000123",
        }));

        var ada = records[0].Value!;
        Assert.That(ada.Id, Is.EqualTo("65a1f202e4b0a1b2c3d4e5f6"));
        Assert.That(ada.Email, Is.EqualTo("ada.lovelace@example.com"));
        Assert.That(ada.EmailVerified, Is.True);
        Assert.That(ada.PasswordHash, Is.EqualTo(AdaHash));
        Assert.That(ada.PasswordSetDate, Is.EqualTo(new DateTimeOffset(2024, 1, 13, 2, 14, 26, 498, TimeSpan.Zero)));
        Assert.That(ada.Tenant, Is.EqualTo("acme-prod"));
        Assert.That(ada.Connection, Is.EqualTo("Username-Password-Authentication"));
        Assert.That(ada.TmpIsUnique, Is.True);

        var legacy = records[2].Value!;
        Assert.That(legacy.Id, Is.EqualTo("5f0c1d2e3a4b5c6d7e8f9012"));
        Assert.That(legacy.AltId, Is.EqualTo("legacy-000123"));
    }

    [Test]
    public async Task Version11Shape_FallsBackToIdentifiersForEmail()
    {
        var records = await TestData.ReadHashesAsync(TestData.PathOf("auth0/hashes-v11.ndjson"));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        var ada = records[0].Value!;
        Assert.That(ada.Version, Is.EqualTo("1.1"));
        Assert.That(ada.Username, Is.EqualTo("ada_l"));
        Assert.That(ada.PasswordSetDate, Is.Null);
        Assert.That(ada.LastPasswordReset, Is.EqualTo(new DateTimeOffset(2025, 1, 5, 14, 22, 10, 1, TimeSpan.Zero)));
        Assert.That(ada.Identifiers.Select(i => (i.Type, i.Value, i.Verified)), Is.EqualTo(new (string?, string?, bool?)[]
        {
            ("email", "ada.lovelace@example.com", true),
            ("username", "ada_l", null),
        }));

        var partner = records[1].Value!;
        Assert.That(partner.Email, Is.Null);
        Assert.That(partner.EffectiveEmail, Is.EqualTo("partner.user@example.com"));
        Assert.That(partner.Auth0UserId, Is.EqualTo("auth0|649f0b450a1b2c3d4e5f6071"));
    }

    [TestCase("{\"_id\":\"a\\ud800\",\"passwordHash\":\"x\"}")]
    [TestCase("{\"_id\":\"a1\",\"passwordHash\":\"x\",\"identifiers\":[{\"type\":\"email\",\"value\":\"\\udc00\"}]}")]
    public async Task LoneSurrogateEscapes_RejectTheRecord_NotTheRead(string line)
    {
        var records = await TestData.ReadHashesFromTextAsync(line + "\n{\"_id\":\"a2\",\"passwordHash\":\"x\"}\n");
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].Error!.Reason, Does.Contain("lone surrogate"));
        Assert.That(records[1].Value!.Id, Is.EqualTo("a2"));
    }

    [Test]
    public async Task PlainStringIdAndUpperCaseKey_AreAccepted()
    {
        var records = await TestData.ReadHashesAsync(TestData.PathOf("auth0/hashes-plain-id.ndjson"));
        Assert.That(records.All(r => r.IsSuccess), Is.True);
        Assert.That(records.Select(r => r.Value!.Auth0UserId), Is.EqualTo(new[] { "auth0|65a1f202e4b0a1b2c3d4e5f6", "auth0|65a1f202e4b0a1b2c3d4e5f6" }));
    }

    [TestCase("{\"$date\":\"2020-03-01T00:00:00.000Z\"}")]
    [TestCase("{\"$date\":{\"$numberLong\":\"1583020800000\"}}")]
    [TestCase("\"2020-03-01T00:00:00Z\"")]
    [TestCase("1583020800000")]
    public async Task PasswordSetDate_AcceptsEveryMongoShape(string date)
    {
        var records = await TestData.ReadHashesFromTextAsync($"{{\"_id\":\"a1\",\"passwordHash\":\"{AdaHash}\",\"password_set_date\":{date}}}\n");
        Assert.That(records.Single().Value!.PasswordSetDate, Is.EqualTo(new DateTimeOffset(2020, 3, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public async Task JsonArrayOfHashes_IsRead()
    {
        var records = await TestData.ReadHashesFromTextAsync($"[{{\"_id\":{{\"$oid\":\"a1\"}},\"passwordHash\":\"{AdaHash}\"}},\n{{\"_id\":\"b2\",\"alt_id\":\"euclid\",\"passwordHash\":\"{AdaHash}\"}}]");
        Assert.That(records.Select(r => r.Value!.Auth0UserId), Is.EqualTo(new[] { "auth0|a1", "auth0|euclid" }));
    }

    [TestCase("{\"email\":\"x@example.com\",\"passwordHash\":\"" + AdaHash + "\"}", "_id")]
    [TestCase("{\"_id\":{\"$oid\":\"a1\"},\"email\":\"x@example.com\"}", "passwordHash")]
    [TestCase("{\"_id\":{\"$oid\":\"a1\"},\"passwordHash\":\"\"}", "passwordHash")]
    [TestCase("{\"_id\":{\"$oid\":\"a1\"},\"passwordHash\":\"" + AdaHash + "\",\"email_verified\":\"perhaps\"}", "email_verified")]
    public async Task BadRecords_AreRejectedWithoutRevealingTheHash(string line, string field)
    {
        var records = await TestData.ReadHashesFromTextAsync(line + "\n{\"_id\":\"ok\",\"passwordHash\":\"" + AdaHash + "\"}\n");
        Assert.That(records, Has.Count.EqualTo(2));
        var error = records[0].Error!;
        Assert.That(error.Field, Is.EqualTo(field));
        Assert.That(error.RawRecord, Is.Null);
        Assert.That(error.ToString(), Does.Not.Contain("$2b$"));
        Assert.That(records[1].Value!.Id, Is.EqualTo("ok"));
    }

    [Test]
    public async Task SyntaxErrors_NeverQuoteTheRecord()
    {
        var records = await TestData.ReadHashesFromTextAsync("{\"_id\":\"a1\",\"passwordHash\":\"$2b$10$abc\" \"oops\"}\n{\"_id\":\"a1\",\"passwordHash\":\"$2b$10$trunc");
        Assert.That(records.All(r => r.Error is not null), Is.True);
        Assert.That(records.Select(r => r.Error!.ToString()), Has.All.Not.Contain("$2b$").And.All.Not.Contain("abc"));
    }

    [Test]
    public void ToString_HidesTheHash()
    {
        var record = new Auth0PasswordHash { Id = "a1", PasswordHash = AdaHash, Email = "x@example.com" };
        Assert.That(record.ToString(), Is.EqualTo("auth0|a1 (password hash hidden)"));
        Assert.That(record.ToString(), Does.Not.Contain("$2b$"));
    }

    [Test]
    public async Task CsvInput_IsRefused()
    {
        await using var source = await ExportSource.OpenAsync(new MemoryStream("_id,passwordHash\na1,x\n"u8.ToArray()), "hashes.csv");
        var ex = Assert.ThrowsAsync<ExportFormatException>(async () =>
        {
            await foreach (var record in new PasswordHashReader().ReadAsync(source))
            {
            }
        });
        Assert.That(ex!.Message, Does.Contain("not a password-hash export"));
    }
}
