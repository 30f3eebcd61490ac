using System.Text.Json;
using Kinde.Migration.Cli;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Cli;

public class InspectCommandTests
{
    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await Program.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [TestCase("auth0/extension-export.ndjson", "ndjson", 3)]
    [TestCase("auth0/job-export.ndjson", "ndjson", 8)]
    [TestCase("sample/users.ndjson.gz", "ndjson", 8)]
    [TestCase("auth0/job-export.csv", "csv", 3)]
    [TestCase("auth0/job-export-unescaped.csv", "csv", 3)]
    [TestCase("auth0/legacy-v1.tsv", "tsv", 2)]
    [TestCase("auth0/legacy-v1.json", "json-array", 2)]
    [TestCase("auth0/auth0-import-users.json", "json-array", 4)]
    public async Task Json_ReportsEachSampleExactly(string file, string format, int records)
    {
        var (exit, stdout, stderr) = await RunAsync("inspect", "--users", TestData.PathOf(file), "--json");
        Assert.That(exit, Is.EqualTo(0), stderr);
        using var doc = JsonDocument.Parse(stdout);
        var users = doc.RootElement.GetProperty("users");
        Assert.That(users.GetProperty("format").GetString(), Is.EqualTo(format));
        Assert.That(users.GetProperty("compressed").GetBoolean(), Is.EqualTo(file.EndsWith(".gz", StringComparison.Ordinal)));
        Assert.That(users.GetProperty("records_read").GetInt64(), Is.EqualTo(records));
        Assert.That(users.GetProperty("records_ok").GetInt64(), Is.EqualTo(records));
        Assert.That(users.GetProperty("records_rejected").GetInt64(), Is.Zero);
        Assert.That(users.GetProperty("rejections").GetArrayLength(), Is.Zero);
        Assert.That(doc.RootElement.GetProperty("passwords").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [TestCase("auth0/hashes-classic.ndjson", 3)]
    [TestCase("auth0/hashes-v11.ndjson", 2)]
    [TestCase("auth0/hashes-plain-id.ndjson", 2)]
    [TestCase("sample/passwords.ndjson", 4)]
    public async Task Json_ReportsEachHashSampleExactlyAndNeverPrintsAHash(string file, int records)
    {
        var (exit, stdout, stderr) = await RunAsync("inspect", "--users", TestData.SampleUsers, "--passwords", TestData.PathOf(file), "--json");
        Assert.That(exit, Is.EqualTo(0), stderr);
        using var doc = JsonDocument.Parse(stdout);
        var passwords = doc.RootElement.GetProperty("passwords");
        Assert.That(passwords.GetProperty("format").GetString(), Is.EqualTo("ndjson"));
        Assert.That(passwords.GetProperty("records_read").GetInt64(), Is.EqualTo(records));
        Assert.That(passwords.GetProperty("records_ok").GetInt64(), Is.EqualTo(records));
        Assert.That(stdout + stderr, Does.Not.Contain("$2b$").And.Not.Contain("$2a$"));
    }

    [Test]
    public async Task Json_ListsEveryRejectionWithPositionAndReason()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kinde-{Guid.NewGuid():N}.ndjson");
        await File.WriteAllTextAsync(path, "{\"user_id\":\"auth0|1\"}\n{\"user_id\":\"auth0|2\",\"email\":5}\nnot json\n{\"user_id\":\"auth0|4\"}\n");
        try
        {
            var (exit, stdout, _) = await RunAsync("inspect", "--users", path, "--json");
            Assert.That(exit, Is.EqualTo(0));
            using var doc = JsonDocument.Parse(stdout);
            var users = doc.RootElement.GetProperty("users");
            Assert.That(users.GetProperty("records_read").GetInt64(), Is.EqualTo(4));
            Assert.That(users.GetProperty("records_ok").GetInt64(), Is.EqualTo(2));
            Assert.That(users.GetProperty("records_rejected").GetInt64(), Is.EqualTo(2));
            var rejections = users.GetProperty("rejections").EnumerateArray().ToList();
            Assert.That(rejections.Select(r => r.GetProperty("position").GetInt64()), Is.EqualTo(new long[] { 2, 3 }));
            Assert.That(rejections[0].GetProperty("field").GetString(), Is.EqualTo("email"));
            Assert.That(rejections[0].GetProperty("reason").GetString(), Is.EqualTo("expected a string, got a number"));
            Assert.That(rejections[1].GetProperty("reason").GetString(), Does.StartWith("invalid JSON"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task Text_SummarisesFormatAndCounts()
    {
        var (exit, stdout, _) = await RunAsync("inspect", "--users", TestData.SampleUsers, "--passwords", TestData.SamplePasswords);
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("users: users.ndjson.gz — ndjson, gzip-compressed; 8 read, 8 ok, 0 rejected"));
        Assert.That(stdout, Does.Contain("passwords: passwords.ndjson — ndjson; 4 read, 4 ok, 0 rejected"));
    }

    [Test]
    public async Task MissingFile_ExitsOne()
    {
        var (exit, _, stderr) = await RunAsync("inspect", "--users", "/nonexistent/users.json");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("users file not found"));
    }

    [Test]
    public async Task EncryptedFile_ExitsOneWithDecryptAdvice()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kinde-{Guid.NewGuid():N}.json.pgp");
        await File.WriteAllTextAsync(path, "-----BEGIN PGP MESSAGE-----\n\nhQIMA\n-----END PGP MESSAGE-----\n");
        try
        {
            var (exit, _, stderr) = await RunAsync("inspect", "--users", TestData.SampleUsers, "--passwords", path);
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(stderr, Does.Contain("Decrypt it first"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase]
    [TestCase("inspect")]
    [TestCase("inspect", "--users")]
    [TestCase("inspect", "--users", "a.json", "--bogus")]
    [TestCase("frobnicate")]
    public async Task UsageErrors_ExitTwo(params string[] args)
    {
        var (exit, _, stderr) = await RunAsync(args);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("error:"));
    }
}
