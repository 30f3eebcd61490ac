using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Testing;

namespace Kinde.Migration.Tests.Testing;

[TestFixture]
public sealed partial class Auth0ExportGeneratorTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(TestContext.CurrentContext.WorkDirectory, "auth0-export-generator", TestContext.CurrentContext.Test.ID);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public async Task SameSeed_WritesByteIdenticalFiles()
    {
        var options = new Auth0ExportGeneratorOptions { Seed = 5, UserCount = 500, PasswordCoverage = 0.7 };
        string[] first = await WriteAllAsync(new Auth0ExportGenerator(options), "a");
        string[] second = await WriteAllAsync(new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 5, UserCount = 500, PasswordCoverage = 0.7 }), "b");

        using (Assert.EnterMultipleScope())
        {
            for (int i = 0; i < first.Length; i++)
            {
                Assert.That(File.ReadAllBytes(second[i]), Is.EqualTo(File.ReadAllBytes(first[i])), Path.GetFileName(first[i]));
            }
        }
    }

    [Test]
    public async Task DifferentSeed_WritesDifferentFiles()
    {
        string[] one = await WriteAllAsync(new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 1, UserCount = 200 }), "s1");
        string[] two = await WriteAllAsync(new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 2, UserCount = 200 }), "s2");

        using (Assert.EnterMultipleScope())
        {
            for (int i = 0; i < one.Length; i++)
            {
                Assert.That(File.ReadAllBytes(two[i]), Is.Not.EqualTo(File.ReadAllBytes(one[i])), Path.GetFileName(one[i]));
            }
        }
    }

    [Test]
    public void GenerateUsers_IsRepeatableAndMatchesTheWrittenLines()
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 9, UserCount = 300 });

        var first = generator.GenerateUsers().ToList();
        var second = generator.GenerateUsers().ToList();

        Assert.That(second, Is.EqualTo(first));
        Assert.That(first.Select(u => u.Index), Is.EqualTo(Enumerable.Range(0, 300)));
    }

    [Test]
    public async Task WrittenFiles_AreTheGeneratedLinesEachEndingWithNewline()
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 3, UserCount = 400, PasswordCoverage = 0.5 });
        string users = Path.Combine(_dir, "users.json");
        string hashes = Path.Combine(_dir, "hashes.json");
        await generator.WriteUsersNdjsonAsync(users, gzip: false);
        await generator.WritePasswordHashesAsync(hashes, gzip: false);
        var generated = generator.GenerateUsers().ToList();

        string expectedUsers = string.Concat(generated.Select(u => u.NdjsonLine + "\n"));
        string expectedHashes = string.Concat(generated.Where(u => u.PasswordHashLine is not null).Select(u => u.PasswordHashLine + "\n"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.ReadAllText(users, Encoding.UTF8), Is.EqualTo(expectedUsers));
            Assert.That(File.ReadAllText(hashes, Encoding.UTF8), Is.EqualTo(expectedHashes));
            Assert.That(File.ReadAllBytes(users), Does.Not.Contain((byte)'\r'));
            Assert.That(File.ReadAllBytes(users).Take(3), Is.Not.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "no BOM");
        }
    }

    [Test]
    public void EveryFamily_AppearsIn200Users_AndInEveryRunOf50()
    {
        var users = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 11, UserCount = 200 }).GenerateUsers().ToList();

        Assert.That(users.Select(u => u.Family).Distinct(), Is.EquivalentTo(GeneratedUserFamily.All));
        for (int start = 0; start + 50 <= users.Count; start += 7)
        {
            Assert.That(users.Skip(start).Take(50).Select(u => u.Family).Distinct(), Is.EquivalentTo(GeneratedUserFamily.All), $"window at {start}");
        }
    }

    [Test]
    public void Families_HaveTheirAuth0IdShapes()
    {
        var users = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 12, UserCount = 200 }).GenerateUsers().ToList();

        using (Assert.EnterMultipleScope())
        {
            foreach (var user in users)
            {
                using var doc = JsonDocument.Parse(user.NdjsonLine);
                JsonElement root = doc.RootElement;
                JsonElement identity = root.GetProperty("identities")[0];
                Assert.That(root.GetProperty("user_id").GetString(), Is.EqualTo(user.UserId));
                switch (user.Family)
                {
                    case GeneratedUserFamily.Database:
                        Assert.That(user.UserId, Does.Match("^auth0\\|[0-9a-f]{24}$"));
                        Assert.That(identity.GetProperty("provider").GetString(), Is.EqualTo("auth0"));
                        break;
                    case GeneratedUserFamily.DatabaseAltId:
                        Assert.That(user.UserId, Does.Match("^auth0\\|legacy-[0-9]{6}$"));
                        break;
                    case GeneratedUserFamily.Google:
                        Assert.That(user.UserId, Does.Match("^google-oauth2\\|[0-9]{21}$"));
                        break;
                    case GeneratedUserFamily.GitHub:
                        Assert.That(user.UserId, Does.Match("^github\\|[0-9]+$"));
                        Assert.That(identity.GetProperty("user_id").ValueKind, Is.EqualTo(JsonValueKind.Number), user.UserId);
                        Assert.That("github|" + identity.GetProperty("user_id").GetInt64(), Is.EqualTo(user.UserId));
                        break;
                    case GeneratedUserFamily.WindowsLive:
                        Assert.That(user.UserId, Does.Match("^windowslive\\|[0-9a-f]{16}$"));
                        break;
                    case GeneratedUserFamily.Email:
                        Assert.That(user.UserId, Does.Match("^email\\|[0-9a-f]{24}$"));
                        Assert.That(user.Email, Is.Not.Null);
                        break;
                    case GeneratedUserFamily.Sms:
                        Assert.That(user.UserId, Does.Match("^sms\\|[0-9a-f]{24}$"));
                        Assert.That(user.Email, Is.Null);
                        Assert.That(root.GetProperty("phone_number").GetString(), Does.Match("^\\+1555555[0-9]{4}$"));
                        break;
                    case GeneratedUserFamily.Saml or GeneratedUserFamily.OAuth2 or GeneratedUserFamily.ActiveDirectory:
                        Assert.That(user.UserId.Count(c => c == '|'), Is.EqualTo(2), user.UserId);
                        Assert.That(user.UserId, Does.StartWith(user.Family + "|"));
                        Assert.That(identity.GetProperty("user_id").GetString(), Does.Contain('|'));
                        Assert.That(user.Family + "|" + identity.GetProperty("user_id").GetString(), Is.EqualTo(user.UserId));
                        break;
                    case GeneratedUserFamily.Linked:
                        JsonElement secondary = root.GetProperty("identities")[1];
                        Assert.That(secondary.GetProperty("provider").GetString(), Is.EqualTo("auth0"));
                        Assert.That(secondary.GetProperty("connection").GetString(), Is.EqualTo("Username-Password-Authentication"));
                        Assert.That(secondary.GetProperty("isSocial").GetBoolean(), Is.False);
                        Assert.That(secondary.GetProperty("user_id").GetString(), Does.Match("^[0-9a-f]{24}$"));
                        Assert.That(secondary.GetProperty("profileData").ValueKind, Is.EqualTo(JsonValueKind.Object));
                        Assert.That(user.UserId, Does.StartWith("oauth2|").Or.StartWith("google-oauth2|"));
                        break;
                    default:
                        Assert.Fail("unexpected family " + user.Family);
                        break;
                }
            }
        }
    }

    [Test]
    public void GeneratedData_IsSyntheticAndVaried()
    {
        var users = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 13, UserCount = 2000 }).GenerateUsers().ToList();
        string all = string.Join("\n", users.Select(u => u.NdjsonLine + "\n" + u.PasswordHashLine));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(users.Select(u => u.UserId).Distinct().Count(), Is.EqualTo(users.Count), "user ids are unique");
            Assert.That(users.Where(u => u.Email is not null).Select(u => u.Email).Distinct().Count(), Is.EqualTo(users.Count(u => u.Email is not null)), "emails are unique");
            var phones = PhonePattern().Matches(all).Select(m => m.Groups[1].Value).ToList();
            Assert.That(phones, Is.Not.Empty.And.Unique.And.All.Match("^\\+1555[0-9]{7}$"));
            Assert.That(EmailPattern().Matches(all).Select(m => m.Groups[1].Value).Distinct(), Is.SubsetOf(new[] { "example.com", "example.org", "example.net" }));
            Assert.That(IpPattern().Matches(all).Select(m => m.Groups[1].Value), Has.All.Match("^(203\\.0\\.113\\.[0-9]{1,3}|2001:db8:.*)$"));
            Assert.That(HashPattern().Matches(all).Select(m => m.Groups[1].Value), Has.All.Match("^\\$2b\\$10\\$[./A-Za-z0-9]{53}$"));
            Assert.That(DatePattern().Matches(all).Select(m => m.Groups[1].Value), Has.All.Match("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"));
            Assert.That(users.Count(u => u.Blocked), Is.GreaterThan(0));
            Assert.That(users.Where(u => u.Blocked).Select(u => u.NdjsonLine), Has.All.Contain("\"blocked\":true"));
            Assert.That(users.Where(u => !u.Blocked).Select(u => u.NdjsonLine), Has.None.Contain("\"blocked\":true"));
            Assert.That(users.Count(u => u.NdjsonLine.Contains("\"app_metadata\":{", StringComparison.Ordinal)), Is.GreaterThan(users.Count / 10));
            Assert.That(users.Count(u => u.NdjsonLine.Contains("\"user_metadata\":{", StringComparison.Ordinal)), Is.GreaterThan(users.Count / 10));

            // Unicode stays readable (relaxed escaping), and escaping is still correct for quotes and control characters.
            Assert.That(all, Does.Contain("Zoë Ångström").And.Contain("李小龍").And.Contain("Søren"));
            Assert.That(all, Does.Contain("Alan \\\"The Bombe\\\" Turing"));
            Assert.That(all, Does.Contain("Line one\\nLine two"));
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task UserNdjson_ReadsBackWithoutRejections(bool gzip)
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 21, UserCount = 1000 });
        string path = Path.Combine(_dir, gzip ? "users.json.gz" : "users.json");
        var summary = await generator.WriteUsersNdjsonAsync(path, gzip);
        var generated = generator.GenerateUsers().ToList();

        var (users, errors, source) = await ReadUsersAsync(path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(errors, Is.Empty);
            Assert.That(source.Format, Is.EqualTo(ExportFormat.NdJson));
            Assert.That(source.IsCompressed, Is.EqualTo(gzip));
            Assert.That(summary.UsersWritten, Is.EqualTo(1000));
            Assert.That(summary.HashesWritten, Is.Zero);
            Assert.That(users, Has.Count.EqualTo(summary.UsersWritten));
            Assert.That(summary.BytesWritten, Is.EqualTo(new FileInfo(path).Length));
            Assert.That(gzip ? summary.BytesWritten < summary.UncompressedBytes : summary.BytesWritten == summary.UncompressedBytes, Is.True);
            Assert.That(users.Select(u => u.UserId), Is.EqualTo(generated.Select(u => u.UserId)));
            Assert.That(users.Select(u => u.Email), Is.EqualTo(generated.Select(u => u.Email)));
            Assert.That(users.Select(u => u.Blocked == true), Is.EqualTo(generated.Select(u => u.Blocked)));
            Assert.That(users.Select(u => u.Identities[0].FullUserId), Is.EqualTo(users.Select(u => u.UserId)));
            Assert.That(users.Where(u => u.Provider == "github").Select(u => u.Identities[0].UserId), Has.All.Match("^[0-9]+$"));
            Assert.That(users.Select(u => u.CreatedAt), Has.None.Null);
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task PasswordHashes_ReadBackAndJoinToTheirUsers(bool gzip)
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 22, UserCount = 1000 });
        string usersPath = Path.Combine(_dir, "users.json");
        string hashesPath = Path.Combine(_dir, gzip ? "hashes.json.gz" : "hashes.json");
        await generator.WriteUsersNdjsonAsync(usersPath, gzip: false);
        var summary = await generator.WritePasswordHashesAsync(hashesPath, gzip);
        var generated = generator.GenerateUsers().ToList();
        var (users, _, _) = await ReadUsersAsync(usersPath);
        var (hashes, errors, source) = await ReadHashesAsync(hashesPath);

        // A hash joins to a database user's root user_id, or to a linked user's secondary auth0 identity.
        var databaseUserIds = users.Where(u => u.Provider == "auth0").Select(u => u.UserId!).ToHashSet();
        var secondaryOwners = users
            .SelectMany(u => u.Identities.Skip(1).Where(i => i.Provider == "auth0").Select(i => (Key: "auth0|" + i.UserId, Owner: u.UserId!)))
            .ToDictionary(p => p.Key, p => p.Owner);
        var withHash = generated.Where(u => u.PasswordHashLine is not null).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(errors, Is.Empty);
            Assert.That(source.IsCompressed, Is.EqualTo(gzip));
            Assert.That(summary.UsersWritten, Is.Zero);
            Assert.That(hashes, Has.Count.EqualTo(summary.HashesWritten));
            Assert.That(hashes, Has.Count.EqualTo(withHash.Count));
            Assert.That(summary.HashesWritten, Is.EqualTo(generated.Count(u => GeneratedUserFamily.CarriesPassword(u.Family))), "coverage 1.0 gives every database and linked user a hash");
            Assert.That(generated.Where(u => !GeneratedUserFamily.CarriesPassword(u.Family)).Select(u => u.PasswordHashLine), Has.All.Null);
            Assert.That(secondaryOwners, Has.Count.EqualTo(generated.Count(u => u.Family == GeneratedUserFamily.Linked)));

            for (int i = 0; i < hashes.Count && i < withHash.Count; i++)
            {
                Auth0PasswordHash hash = hashes[i];
                GeneratedUser owner = withHash[i];
                Assert.That(hash.Auth0UserId, Is.EqualTo(owner.HashAuth0UserId));
                if (owner.Family == GeneratedUserFamily.Linked)
                {
                    Assert.That(secondaryOwners.TryGetValue(hash.Auth0UserId, out string? root), Is.True, hash.Auth0UserId);
                    Assert.That(owner.HashOwnerUserId, Is.EqualTo(root));
                    Assert.That(owner.HashOwnerUserId, Is.EqualTo(owner.UserId));
                    Assert.That(databaseUserIds, Does.Not.Contain(hash.Auth0UserId));
                }
                else
                {
                    Assert.That(databaseUserIds, Does.Contain(hash.Auth0UserId));
                    Assert.That(owner.HashOwnerUserId, Is.EqualTo(hash.Auth0UserId));
                }

                Assert.That(hash.EffectiveEmail, Is.EqualTo(owner.Email));
                Assert.That(hash.PasswordHash, Does.Match("^\\$2b\\$10\\$[./A-Za-z0-9]{53}$"));
                Assert.That(hash.Tenant, Is.EqualTo("acme-synthetic"));
            }
        }
    }

    [Test]
    public async Task PasswordHashes_ComeInAllThreeShapes()
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 23, UserCount = 400 });
        string path = Path.Combine(_dir, "hashes.json");
        await generator.WritePasswordHashesAsync(path, gzip: false);
        string[] lines = File.ReadAllLines(path);
        var (hashes, errors, _) = await ReadHashesAsync(path);

        var noRootEmail = hashes.Where(h => h.Email is null).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(errors, Is.Empty);
            Assert.That(noRootEmail, Is.Not.Empty, "some records lack a root email");
            Assert.That(noRootEmail.Select(h => h.Identifiers.FirstOrDefault(i => i.Type == "email")?.Value), Has.None.Null);
            Assert.That(noRootEmail.Select(h => h.EffectiveEmail), Has.All.Contain('@'));
            Assert.That(hashes.Count(h => h.Version == "1.1"), Is.GreaterThan(0));
            Assert.That(hashes.Count(h => h.PasswordSetDate is not null), Is.GreaterThan(0), "classic records carry password_set_date");
            Assert.That(hashes.Count(h => h.LastPasswordReset is not null), Is.GreaterThan(0));
            Assert.That(hashes.Count(h => h.AltId is not null), Is.GreaterThan(0));
            Assert.That(hashes.Where(h => h.AltId is not null).Select(h => h.Auth0UserId), Has.All.StartWith("auth0|legacy-"));
            Assert.That(hashes.Where(h => h.AltId is not null).Select(h => h.Id), Has.All.Match("^[0-9a-f]{24}$"));
            Assert.That(lines.Count(l => l.StartsWith("{\"_id\":{\"$oid\":\"", StringComparison.Ordinal)), Is.GreaterThan(0));
            Assert.That(lines.Count(l => l.StartsWith("{\"_id\":\"", StringComparison.Ordinal)), Is.GreaterThan(0), "plain-string _id");
            Assert.That(lines.Count(l => l.Contains("\"username\"", StringComparison.Ordinal)), Is.GreaterThan(0));
        }
    }

    [Test]
    public async Task PasswordCoverage_SelectsAFractionWithoutChangingTheUserFile()
    {
        string full = Path.Combine(_dir, "full.json");
        string half = Path.Combine(_dir, "half.json");
        string none = Path.Combine(_dir, "none.json");
        var fullGen = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 30, UserCount = 2000, PasswordCoverage = 1.0 });
        var halfGen = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 30, UserCount = 2000, PasswordCoverage = 0.5 });
        var noneGen = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 30, UserCount = 2000, PasswordCoverage = 0.0 });

        var fullSummary = await fullGen.WritePasswordHashesAsync(full, gzip: false);
        var halfSummary = await halfGen.WritePasswordHashesAsync(half, gzip: false);
        var noneSummary = await noneGen.WritePasswordHashesAsync(none, gzip: false);
        await fullGen.WriteUsersNdjsonAsync(Path.Combine(_dir, "u-full.json"), gzip: false);
        await halfGen.WriteUsersNdjsonAsync(Path.Combine(_dir, "u-half.json"), gzip: false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(fullSummary.HashesWritten, Is.EqualTo(1100), "11 password-carrying users per 20");
            Assert.That(halfSummary.HashesWritten, Is.InRange(450, 650));
            Assert.That(noneSummary.HashesWritten, Is.Zero);
            Assert.That(new FileInfo(none).Length, Is.Zero);
            Assert.That(halfGen.GenerateUsers().Count(u => u.HashOwnerUserId is not null), Is.EqualTo(halfSummary.HashesWritten));
            Assert.That(File.ReadAllBytes(Path.Combine(_dir, "u-half.json")), Is.EqualTo(File.ReadAllBytes(Path.Combine(_dir, "u-full.json"))));
        }
    }

    [Test]
    public async Task Csv_ReadsBackWithoutRejectionsAndWithApostrophesStripped()
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 40, UserCount = 1000, MetadataFraction = 0.5 });
        string csv = Path.Combine(_dir, "users.csv");
        string ndjson = Path.Combine(_dir, "users.json");
        var summary = await generator.WriteUsersCsvAsync(csv);
        await generator.WriteUsersNdjsonAsync(ndjson, gzip: false);

        var (fromCsv, errors, source) = await ReadUsersAsync(csv);
        var (fromJson, _, _) = await ReadUsersAsync(ndjson);
        string[] lines = File.ReadAllText(csv, Encoding.UTF8).Split('\n');

        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines[0], Is.EqualTo(Auth0ExportGenerator.CsvHeader));
            Assert.That(lines[0].Split(','), Has.Length.LessThanOrEqualTo(30));
            Assert.That(lines[^1], Is.Empty, "the file ends with a newline");
            Assert.That(lines[1], Does.StartWith("\"'"));
            Assert.That(source.Format, Is.EqualTo(ExportFormat.Csv));
            Assert.That(errors, Is.Empty);
            Assert.That(summary.UsersWritten, Is.EqualTo(1000));
            Assert.That(fromCsv, Has.Count.EqualTo(summary.UsersWritten));
            Assert.That(fromCsv.Select(u => u.UserId), Has.None.StartWith("'"));
            Assert.That(fromCsv.Select(u => u.Email), Has.None.StartWith("'"));
            Assert.That(fromCsv.Select(u => u.Name), Has.None.StartWith("'"));
            Assert.That(fromCsv.Select(u => u.UserId), Is.EqualTo(fromJson.Select(u => u.UserId)));
            Assert.That(fromCsv.Select(u => u.Email), Is.EqualTo(fromJson.Select(u => u.Email)));
            Assert.That(fromCsv.Select(u => u.EmailVerified), Is.EqualTo(fromJson.Select(u => u.EmailVerified)));
            Assert.That(fromCsv.Select(u => u.Username), Is.EqualTo(fromJson.Select(u => u.Username)));
            Assert.That(fromCsv.Select(u => u.PhoneNumber), Is.EqualTo(fromJson.Select(u => u.PhoneNumber)));
            Assert.That(fromCsv.Select(u => u.GivenName), Is.EqualTo(fromJson.Select(u => u.GivenName)));
            Assert.That(fromCsv.Select(u => u.FamilyName), Is.EqualTo(fromJson.Select(u => u.FamilyName)));
            Assert.That(fromCsv.Select(u => u.Name), Is.EqualTo(fromJson.Select(u => u.Name)));
            Assert.That(fromCsv.Select(u => u.Nickname), Is.EqualTo(fromJson.Select(u => u.Nickname)));
            Assert.That(fromCsv.Select(u => u.CreatedAt), Is.EqualTo(fromJson.Select(u => u.CreatedAt)));
            Assert.That(fromCsv.Select(u => u.UpdatedAt), Is.EqualTo(fromJson.Select(u => u.UpdatedAt)));
            Assert.That(fromCsv.Select(u => u.LastLogin), Is.EqualTo(fromJson.Select(u => u.LastLogin)));
            Assert.That(fromCsv.Select(u => u.LastIp), Is.EqualTo(fromJson.Select(u => u.LastIp)));
            Assert.That(fromCsv.Select(u => u.LoginsCount), Is.EqualTo(fromJson.Select(u => u.LoginsCount)));
            Assert.That(fromCsv.Select(u => u.Blocked), Is.EqualTo(fromJson.Select(u => u.Blocked)));
            Assert.That(fromCsv.Select(u => u.Connection), Is.EqualTo(fromJson.Select(u => u.Identities[0].Connection)));
            Assert.That(fromCsv.Select(u => Leaf(u.UserMetadata, "theme")), Is.EqualTo(fromJson.Select(u => Leaf(u.UserMetadata, "theme"))));
            Assert.That(fromCsv.Select(u => Leaf(u.UserMetadata, "bio")), Is.EqualTo(fromJson.Select(u => Leaf(u.UserMetadata, "bio"))));
            Assert.That(fromCsv.Select(u => Leaf(u.AppMetadata, "plan")), Is.EqualTo(fromJson.Select(u => Leaf(u.AppMetadata, "plan"))));

            // Quotes are doubled inside the escaped cell and come back single; formula-looking text stays inert text.
            Assert.That(File.ReadAllText(csv, Encoding.UTF8), Does.Contain("\"'Alan \"\"The Bombe\"\" Turing\""));
            Assert.That(fromCsv.Select(u => u.Name), Does.Contain("Alan \"The Bombe\" Turing"));
            Assert.That(fromCsv.Select(u => Leaf(u.UserMetadata, "theme")), Does.Contain("=SUM(1+1)"));
        }
    }

    [Test]
    public async Task Csv_WritesBareBooleansNumbersAndDates()
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 41, UserCount = 60 });
        string csv = Path.Combine(_dir, "users.csv");
        await generator.WriteUsersCsvAsync(csv);

        string firstRow = File.ReadAllLines(csv)[1];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(firstRow, Does.Match(",(true|false),"));
            Assert.That(firstRow, Does.Match(",[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z,"));
            Assert.That(firstRow, Does.Not.Contain("\"'true\"").And.Not.Contain("\"'false\""));
            Assert.That(firstRow, Does.Not.Match("\"'[0-9]{4}-[0-9]{2}-[0-9]{2}T"));
        }
    }

    [Test]
    public async Task GzipFile_IsAGzipStreamOfTheSameContent()
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 50, UserCount = 300 });
        string plain = Path.Combine(_dir, "users.json");
        string gz = Path.Combine(_dir, "users.json.gz");
        await generator.WriteUsersNdjsonAsync(plain, gzip: false);
        var summary = await generator.WriteUsersNdjsonAsync(gz, gzip: true);

        await using var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
        using var decompressed = new MemoryStream();
        await input.CopyToAsync(decompressed);
        Assert.That(decompressed.ToArray(), Is.EqualTo(File.ReadAllBytes(plain)));
        Assert.That(summary.UncompressedBytes, Is.EqualTo(new FileInfo(plain).Length));
    }

    [Test]
    public void Options_AreValidated()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new Auth0ExportGenerator(null!), Throws.ArgumentNullException);
            Assert.That(() => new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { UserCount = -1 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { PasswordCoverage = 1.5 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { MetadataFraction = double.NaN }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { UserCount = 0 }).GenerateUsers(), Is.Empty);
        }
    }

    [Test]
    public async Task Writers_HonourCancellation()
    {
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { UserCount = 10 });
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Assert.That(async () => await generator.WriteUsersNdjsonAsync(Path.Combine(_dir, "c.json"), gzip: true, cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    private static string? Leaf(System.Text.Json.Nodes.JsonObject? metadata, string key) =>
        metadata is not null && metadata.TryGetPropertyValue(key, out var node) ? node?.GetValue<string>() : null;

    private async Task<string[]> WriteAllAsync(Auth0ExportGenerator generator, string prefix)
    {
        string[] paths =
        [
            Path.Combine(_dir, prefix + "-users.json"),
            Path.Combine(_dir, prefix + "-users.json.gz"),
            Path.Combine(_dir, prefix + "-users.csv"),
            Path.Combine(_dir, prefix + "-hashes.json"),
            Path.Combine(_dir, prefix + "-hashes.json.gz"),
        ];
        await generator.WriteUsersNdjsonAsync(paths[0], gzip: false);
        await generator.WriteUsersNdjsonAsync(paths[1], gzip: true);
        await generator.WriteUsersCsvAsync(paths[2]);
        await generator.WritePasswordHashesAsync(paths[3], gzip: false);
        await generator.WritePasswordHashesAsync(paths[4], gzip: true);
        return paths;
    }

    private static async Task<(List<Auth0User> Users, List<ExportReadError> Errors, ExportSourceInfo Source)> ReadUsersAsync(string path)
    {
        await using var src = await ExportSource.OpenAsync(path);
        var users = new List<Auth0User>();
        var errors = new List<ExportReadError>();
        await foreach (var record in new Auth0UserReader().ReadAsync(src))
        {
            if (record.IsSuccess)
            {
                users.Add(record.Value!);
            }
            else
            {
                errors.Add(record.Error!);
            }
        }

        return (users, errors, new ExportSourceInfo(src.Format, src.IsCompressed));
    }

    private static async Task<(List<Auth0PasswordHash> Hashes, List<ExportReadError> Errors, ExportSourceInfo Source)> ReadHashesAsync(string path)
    {
        await using var src = await ExportSource.OpenAsync(path);
        var hashes = new List<Auth0PasswordHash>();
        var errors = new List<ExportReadError>();
        await foreach (var record in new PasswordHashReader().ReadAsync(src))
        {
            if (record.IsSuccess)
            {
                hashes.Add(record.Value!);
            }
            else
            {
                errors.Add(record.Error!);
            }
        }

        return (hashes, errors, new ExportSourceInfo(src.Format, src.IsCompressed));
    }

    [GeneratedRegex("@(example\\.[a-z]+|[a-z0-9.-]+\\.[a-z]+)\"")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("\"phone_number\":\"([^\"]*)\"")]
    private static partial Regex PhonePattern();

    [GeneratedRegex("\"last_ip\":\"([^\"]*)\"")]
    private static partial Regex IpPattern();

    [GeneratedRegex("\"passwordHash\":\"([^\"]*)\"")]
    private static partial Regex HashPattern();

    [GeneratedRegex("\"(?:created_at|updated_at|last_login|\\$date)\":\"([^\"]*)\"")]
    private static partial Regex DatePattern();

    private sealed record ExportSourceInfo(ExportFormat Format, bool IsCompressed);
}
