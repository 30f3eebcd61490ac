using Kinde.Migration.Target;
using Kinde.Migration.Target.Files;

namespace Kinde.Migration.Tests.Target.Files;

public class OrganizationsCsvWriterTests : ImportFileTestBase
{
    [Test]
    public async Task WritesNameAndId_SortedByIdOrdinal_DistinctById()
    {
        (string, string)[] organizations =
        [
            ("Zeta, Inc.", "org_z"),
            ("Acme", "org_a"),
            ("Acme again", "org_a"),
            ("Default", ""),
            ("Upper", "ORG_B"),
            ("=HYPERLINK(\"x\")", "org_f"),
        ];

        string path = await OrganizationsCsvWriter.WriteAsync(Dir, organizations);

        Assert.That(path, Is.EqualTo(Path.Combine(Path.GetFullPath(Dir), "organizations.csv")));
        Assert.That(ReadText(path), Is.EqualTo(
            "name,id\nUpper,ORG_B\nAcme,org_a\n\"=HYPERLINK(\"\"x\"\")\",org_f\n\"Zeta, Inc.\",org_z\n"));
    }

    [Test]
    public async Task ReplacesAnExistingFile_OwnerOnly()
    {
        string existing = Path.Combine(Dir, "organizations.csv");
        await File.WriteAllTextAsync(existing, "old content that is longer than the new one\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        string path = await OrganizationsCsvWriter.WriteAsync(Dir, [("Acme", "org_a")]);

        Assert.That(ReadText(path), Is.EqualTo("name,id\nAcme,org_a\n"));
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes do not apply on Windows.");
            return;
        }

        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }
}

public class SecretsInToStringTests
{
    [Test]
    public void ToString_NeverShowsTheHash()
    {
        const string hash = "$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq";
        var password = new KindePassword { HashedPassword = hash, HashingMethod = "bcrypt", Salt = "pepper-salt" };
        var user = new KindeUser { Id = "auth0|1", Password = password };

        Assert.That(password.ToString(), Does.Not.Contain(hash).And.Not.Contain("t8Jz3h").And.Not.Contain("pepper-salt"));
        Assert.That(user.ToString(), Does.Not.Contain(hash).And.Not.Contain("t8Jz3h"));
        Assert.That(new KindeIdentity(KindeIdentityTypes.Email, "a@example.com").ToString(), Does.Not.Contain("$2a$"));
    }
}
