using System.Text.Json;
using Kinde.Migration.Cli;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Cli;

public class ConvertCommandTests
{
    // Kinde's documented "Custom NDJSON" keys, per level.
    private static readonly string[] TopKeys = ["id", "first_name", "last_name", "password", "identities", "properties", "feature_flags", "organizations"];
    private static readonly string[] PasswordKeys = ["hashed_password", "hashing_algorithm", "salt", "salt_format", "salt_position"];
    private static readonly string[] IdentityKeys = ["type", "identity", "is_verified", "provider", "profile"];
    private static readonly string[] OrganizationKeys = ["external_id", "roles", "permissions", "scopes"];

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await Program.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string[] SampleArgs(params string[] extra) =>
        ["convert", "--users", TestData.SampleUsers, "--passwords", TestData.SamplePasswords, "--out", _dir.File("out"), .. extra];

    [Test]
    public async Task Sample_ProducesSchemaConformingFilesAndAReportThatAddsUp()
    {
        var (exit, stdout, stderr) = await RunAsync(SampleArgs());
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("users: 8 read, 7 accepted, 1 rejected, 0 merged"));
        Assert.That(stdout + stderr, Does.Not.Contain("$2b$").And.Not.Contain("$2a$"));

        string[] lines = await File.ReadAllLinesAsync(_dir.File("out/users-0001.ndjson"));
        Assert.That(lines, Has.Length.EqualTo(7));
        foreach (string line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var user = doc.RootElement;
            Assert.That(user.EnumerateObject().Select(p => p.Name), Is.SubsetOf(TopKeys), line);
            Assert.That(user.GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.String));
            if (user.TryGetProperty("password", out var password))
            {
                Assert.That(password.EnumerateObject().Select(p => p.Name), Is.SubsetOf(PasswordKeys));
                Assert.That(password.GetProperty("hashing_algorithm").GetString(), Is.EqualTo("bcrypt"));
                Assert.That(password.GetProperty("hashed_password").GetString(), Does.StartWith("$2a$10$"));
            }

            foreach (var identity in user.GetProperty("identities").EnumerateArray())
            {
                Assert.That(identity.EnumerateObject().Select(p => p.Name), Is.SubsetOf(IdentityKeys));
                Assert.That(identity.GetProperty("type").GetString(), Is.AnyOf("email", "phone", "username").Or.StartsWith("oauth2:"));
            }

            foreach (var property in user.TryGetProperty("properties", out var properties) ? properties.EnumerateArray() : default)
            {
                Assert.That(property.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "key", "value" }));
                Assert.That(property.GetProperty("value").ValueKind, Is.EqualTo(JsonValueKind.String));
            }

            foreach (var organization in user.TryGetProperty("organizations", out var organizations) ? organizations.EnumerateArray() : default)
            {
                Assert.That(organization.EnumerateObject().Select(p => p.Name), Is.SubsetOf(OrganizationKeys));
            }
        }

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(_dir.File("out/report.json")));
        var r = report.RootElement;
        Assert.That(r.GetProperty("users_read").GetInt64(), Is.EqualTo(
            r.GetProperty("users_accepted").GetInt64() + r.GetProperty("users_rejected").GetInt64() + r.GetProperty("users_merged").GetInt64()));
        Assert.That(r.GetProperty("hashes_joined").GetInt64(), Is.EqualTo(3));
        Assert.That(r.GetProperty("hashes_orphaned").GetInt64(), Is.EqualTo(1));
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(_dir.File("out/users-0001.ndjson")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
    }

    [Test]
    public async Task Rerun_NeedsOverwrite_AndOverwriteReplacesOnlyOurFiles()
    {
        Assert.That((await RunAsync(SampleArgs())).Exit, Is.EqualTo(0));
        string mine = _dir.Write("out/notes.txt", "keep me");

        var (exit, _, stderr) = await RunAsync(SampleArgs());
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("already exists").And.Contain("--overwrite"));

        Assert.That((await RunAsync(SampleArgs("--overwrite"))).Exit, Is.EqualTo(0));
        Assert.That(File.ReadAllText(mine), Is.EqualTo("keep me"));
    }

    [Test]
    public async Task CsvFormat_AndPasswordsOnlyMode()
    {
        Assert.That((await RunAsync(SampleArgs("--format", "csv"))).Exit, Is.EqualTo(0));
        Assert.That(File.Exists(_dir.File("out/users-0001.csv")), Is.True);

        var (exit, _, stderr) = await RunAsync(
            "convert", "--users", TestData.SampleUsers, "--passwords", TestData.SamplePasswords,
            "--out", _dir.File("pw"), "--mode", "passwords-only");
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(File.ReadAllLines(_dir.File("pw/passwords-0001.json")), Has.Length.EqualTo(3));
    }

    [Test]
    public async Task ConfigFile_BindsTheKindeMigrationSection()
    {
        string config = _dir.Write("appsettings.json", """
            { "KindeMigration": { "Mapping": { "RolesPath": "app_metadata.roles", "OrganizationsPath": "app_metadata.external_org_ids" } } }
            """);
        var (exit, _, stderr) = await RunAsync(SampleArgs("--config", config));
        Assert.That(exit, Is.EqualTo(0), stderr);
        string ada = File.ReadAllLines(_dir.File("out/users-0001.ndjson"))[0];
        Assert.That(ada, Does.Contain("\"roles\":[\"admin\"]").And.Contain("org_7Hq2"));
        Assert.That(File.ReadAllText(_dir.File("out/organizations.csv")), Does.Contain("org_9Zx1"));
    }

    [Test]
    public async Task InvalidConfig_ExitsOne()
    {
        string config = _dir.Write("bad.json", """{ "KindeMigration": { "Reader": { "MaxRecordBytes": 1 } } }""");
        var (exit, _, stderr) = await RunAsync(SampleArgs("--config", config));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("invalid settings").And.Contain("MaxRecordBytes"));
    }

    [Test]
    public async Task MissingInput_ExitsOne()
    {
        var (exit, _, stderr) = await RunAsync("convert", "--users", _dir.File("nope.json"), "--out", _dir.File("out"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("not found"));
    }

    [Test]
    public async Task EncryptedHashFile_ExitsOne()
    {
        string pgp = _dir.Write("hashes.json.gpg", "-----BEGIN PGP MESSAGE-----\nhQIMA\n");
        var (exit, _, stderr) = await RunAsync("convert", "--users", TestData.SampleUsers, "--passwords", pgp, "--out", _dir.File("out"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("Decrypt it first"));
    }

    [TestCase("convert", "--users", "u.json")]
    [TestCase("convert", "--out", "o")]
    [TestCase("convert", "--users", "u.json", "--out", "o", "--mode", "sideways")]
    [TestCase("convert", "--users", "u.json", "--out", "o", "--format", "xml")]
    [TestCase("convert", "--users", "u.json", "--out", "o", "--max-file-mb", "0")]
    public async Task UsageErrors_ExitTwo(params string[] args)
    {
        var (exit, _, stderr) = await RunAsync(args);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("error:"));
    }
}
