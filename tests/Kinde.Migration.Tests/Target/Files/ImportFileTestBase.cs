using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using Kinde.Migration.Target;
using Kinde.Migration.Target.Files;

namespace Kinde.Migration.Tests.Target.Files;

/// <summary>A unique temporary directory per test, and sample users.</summary>
public abstract class ImportFileTestBase
{
    protected const string SampleBcryptHash = "$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq";

    protected string Dir { get; private set; } = null!;

    [SetUp]
    public void CreateTempDirectory()
    {
        Dir = Path.Combine(Path.GetTempPath(), "kinde-files-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    [TearDown]
    public void DeleteTempDirectory()
    {
        if (Directory.Exists(Dir))
        {
            Directory.Delete(Dir, recursive: true);
        }
    }

    /// <summary>The report's sample: bcrypt password, a verified email and a Google identity, one organization.</summary>
    protected static KindeUser SampleUser()
    {
        var user = new KindeUser
        {
            Id = "auth0|5f7c8ec7c33c6c004bbafe82",
            FirstName = "Ada",
            LastName = "Lovelace",
            Password = new KindePassword { HashedPassword = SampleBcryptHash, HashingMethod = "bcrypt" },
        };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "ada@example.com", IsVerified: true));
        user.Identities.Add(new KindeIdentity("oauth2:google", "108234567890123456789") { Provider = "google" });
        user.Organizations.Add(new KindeOrganizationMembership("org_acme") { Roles = ["admin"] });
        return user;
    }

    /// <summary>Deterministic users covering every field: passwords of several methods (some none), salts,
    /// phones, usernames, social identities with profiles, properties, 0–3 organizations.</summary>
    protected static List<KindeUser> ManyUsers(int count)
    {
        string[] methods = ["bcrypt", "md5", "sha256", "crypt", "wordpress", "pbkdf2"];
        var users = new List<KindeUser>(count);
        for (int i = 0; i < count; i++)
        {
            var user = new KindeUser
            {
                Id = $"auth0|{i:D6}",
                FirstName = i % 7 == 3 ? null : $"First{i}",
                LastName = i % 5 == 4 ? null : $"Last{i}",
            };
            string method = methods[i % methods.Length];
            if (i % 4 != 1)
            {
                user.Password = new KindePassword
                {
                    HashedPassword = method == "bcrypt" ? SampleBcryptHash : $"{i:x8}deadbeef",
                    HashingMethod = method,
                    Salt = method is "md5" or "sha256" ? $"salt{i}" : null,
                    SaltPosition = method is "md5" or "sha256" ? (i % 2 == 0 ? "prefix" : "suffix") : null,
                    SaltFormat = method is "md5" or "sha256" ? "string" : null,
                };
            }

            user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, $"user{i}@example.com", IsVerified: i % 3 == 0 ? null : i % 2 == 0));
            if (i % 3 == 1)
            {
                user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Phone, $"+6155511{i:D4}", IsVerified: true));
            }

            if (i % 4 == 2)
            {
                user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, $"user_{i}"));
            }

            if (i % 5 == 0)
            {
                user.Identities.Add(new KindeIdentity("oauth2:github", $"{1000 + i}", IsVerified: true)
                {
                    Provider = "github",
                    Profile = new JsonObject { ["login"] = $"octo{i}", ["public_repos"] = i, ["site_admin"] = false },
                });
            }

            if (i % 6 == 0)
            {
                user.Properties["kp_usr_city"] = $"City {i}";
                user.Properties["kp_usr_industry"] = "Finance";
            }

            for (int o = 0; o < i % 4; o++)
            {
                user.Organizations.Add(new KindeOrganizationMembership($"org_{o}")
                {
                    Roles = o == 0 ? ["admin", "member"] : [],
                    Permissions = o == 1 ? ["read:reports", "write:reports"] : [],
                });
            }

            users.Add(user);
        }

        return users;
    }

    protected KindeImportFileOptions Options(KindeImportFileFormat format, long maxFileBytes = KindeImportFileOptions.DefaultMaxFileBytes, string? directory = null) =>
        new() { OutputDirectory = directory ?? Dir, Format = format, MaxFileBytes = maxFileBytes };

    protected static async Task<(IReadOnlyList<string> Paths, KindeImportFileWriter Writer)> WriteAllAsync(KindeImportFileOptions options, IEnumerable<KindeUser> users)
    {
        await using var writer = await KindeImportFileWriter.CreateAsync(options);
        foreach (KindeUser user in users)
        {
            await writer.WriteAsync(user);
        }

        return (await writer.CompleteAsync(), writer);
    }

    protected static string ReadText(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.That(bytes.Take(3), Is.Not.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "no UTF-8 BOM");
        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
    }

    protected static string[] ReadLines(string path)
    {
        string text = ReadText(path);
        Assert.That(text, Does.Not.Contain("\r"));
        Assert.That(text.Length == 0 || text.EndsWith('\n'), Is.True, "the last line ends with \\n");
        return text.Length == 0 ? [] : text[..^1].Split('\n');
    }

    protected static List<string[]> ReadCsv(string path)
    {
        using var reader = new StringReader(ReadText(path));
        using var csv = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" });
        var rows = new List<string[]>();
        while (csv.Read())
        {
            rows.Add(csv.Record!);
        }

        return rows;
    }
}
