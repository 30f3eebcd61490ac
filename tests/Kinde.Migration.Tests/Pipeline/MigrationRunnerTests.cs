using System.Text.Json;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target.Files;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Pipeline;

public class MigrationRunnerTests
{
    private const string AdaHash = "$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private MigrationBuilder Builder(Action<MigrationOptions>? configure = null) => new MigrationBuilder().Configure(o =>
    {
        o.OutputDirectory = _dir.File("out");
        configure?.Invoke(o);
    });

    [Test]
    public async Task SameEmailUsers_AreMergedIntoOneKindeUserWithBothIdentities()
    {
        string users = _dir.Write("users.ndjson",
            "{\"user_id\":\"google-oauth2|g1\",\"email\":\"dup@example.com\",\"email_verified\":true,\"given_name\":\"Dee\",\"identities\":[{\"provider\":\"google-oauth2\",\"user_id\":\"g1\",\"connection\":\"google-oauth2\",\"isSocial\":true}]}\n" +
            "{\"user_id\":\"auth0|d1\",\"email\":\"dup@example.com\",\"email_verified\":false,\"family_name\":\"Upe\",\"identities\":[{\"provider\":\"auth0\",\"user_id\":\"d1\",\"connection\":\"Username-Password-Authentication\"}]}\n" +
            "{\"user_id\":\"auth0|solo\",\"email\":\"solo@example.com\"}\n");
        string hashes = _dir.Write("hashes.ndjson", $"{{\"_id\":\"d1\",\"email\":\"dup@example.com\",\"passwordHash\":\"{AdaHash}\"}}\n");
        var importer = new CapturingImporter();
        var report = await Builder().UseImporter(importer).Build().RunAsync(users, hashes);

        Assert.That(report.UsersRead, Is.EqualTo(3));
        Assert.That(report.UsersAccepted, Is.EqualTo(2));
        Assert.That(report.UsersMerged, Is.EqualTo(1));
        Assert.That(report.UsersRejected, Is.Zero);
        var merged = importer.ById("google-oauth2|g1");
        Assert.That(merged.SourceUserIds, Is.EqualTo(new[] { "google-oauth2|g1", "auth0|d1" }));
        Assert.That(merged.Identities.Select(i => (i.Type, i.Value)), Is.EquivalentTo(new[] { ("email", "dup@example.com"), ("oauth2:google", "g1") }));
        Assert.That(merged.Identities.Single(i => i.Type == "email").IsVerified, Is.True);
        Assert.That(merged.Password!.HashingMethod, Is.EqualTo("bcrypt"));
        Assert.That((merged.FirstName, merged.LastName), Is.EqualTo(("Dee", "Upe")));
        Assert.That(importer.Users.Select(u => u.Id), Is.EqualTo(new[] { "google-oauth2|g1", "auth0|solo" }).Or.EqualTo(new[] { "auth0|solo", "google-oauth2|g1" }));
    }

    [TestCase("\"app_metadata\":{\"plan\":\"\\ud800\"}")]
    [TestCase("\"user_metadata\":{\"nested\":{\"x\":[\"\\udc00\"]}}")]
    [TestCase("\"user_metadata\":{\"\\ud83d\":1}")]
    [TestCase("\"user_metadata.theme\":\"\\ud800\"")]
    [TestCase("\"custom_field\":\"\\ud800\"")]
    public async Task LoneSurrogateEscape_AnywhereInARecord_RejectsThatRecordAndTheRunGoesOn(string member)
    {
        string users = _dir.Write("users.ndjson",
            "{\"user_id\":\"auth0|bad\",\"email\":\"bad@example.com\"," + member + "}\n" +
            "{\"user_id\":\"auth0|pair\",\"email\":\"pair@example.com\",\"user_metadata\":{\"emoji\":\"\\ud83d\\ude00\",\"text\":\"a\\\\ud800\"}}\n" +
            "{\"user_id\":\"auth0|ok\",\"email\":\"ok@example.com\"}\n");
        var importer = new CapturingImporter();

        var report = await Builder().UseImporter(importer).Build().RunAsync(users);

        Assert.That(importer.Users.Select(u => u.Id), Is.EqualTo(new[] { "auth0|pair", "auth0|ok" }), "a surrogate pair and an escaped backslash are fine");
        Assert.That((report.UsersRead, report.UsersRejected), Is.EqualTo((3, 1)));
        string rejected = await File.ReadAllTextAsync(Path.Combine(_dir.File("out"), "rejected.ndjson"));
        Assert.That(rejected, Does.Contain("lone surrogate").And.Contain("\"position\":1,\"stage\":\"read\""), "rejected at read, with its line");
    }

    [Test]
    public async Task RejectPolicy_KeepsTheFirstAndRejectsTheOthers()
    {
        string users = _dir.Write("users.ndjson",
            "{\"user_id\":\"auth0|a\",\"email\":\"dup@example.com\"}\n{\"user_id\":\"auth0|b\",\"email\":\"DUP@example.com\"}\n");
        var importer = new CapturingImporter();
        var report = await Builder(o => o.DuplicateEmails = DuplicateEmailPolicy.Reject).UseImporter(importer).Build().RunAsync(users);
        Assert.That(importer.Users.Select(u => u.Id), Is.EqualTo(new[] { "auth0|a" }));
        Assert.That(report.RejectedByStage["duplicate"], Is.EqualTo(1));
        string rejected = await File.ReadAllTextAsync(_dir.File("out/rejected.ndjson"));
        Assert.That(rejected, Does.Contain("\"user_id\":\"auth0|b\"").And.Contain("duplicate email policy"));
    }

    [Test]
    public async Task RejectedFile_CanBeFixedAndFedBack()
    {
        string users = _dir.Write("users.ndjson",
            "{\"user_id\":\"auth0|ok\",\"email\":\"ok@example.com\"}\n" +
            "{\"user_id\":\"auth0|bad-email\",\"email\":\"not-an-email\"}\n" +
            "{\"user_id\":\"auth0|broken\",\n");
        var report = await Builder().Build().RunAsync(users);
        Assert.That(report.UsersRejected, Is.EqualTo(2));
        Assert.That(report.RejectedByStage, Is.EqualTo(new Dictionary<string, long> { ["read"] = 1, ["validate"] = 1 }));

        string[] lines = await File.ReadAllLinesAsync(_dir.File("out/rejected.ndjson"));
        Assert.That(lines, Has.Length.EqualTo(2));
        using (var first = JsonDocument.Parse(lines[0]))
        {
            var rejection = first.RootElement.GetProperty("_rejection");
            Assert.That(rejection.GetProperty("stage").GetString(), Is.EqualTo("validate"));
            Assert.That(rejection.GetProperty("position").GetInt64(), Is.EqualTo(2));
            Assert.That(rejection.GetProperty("reasons").GetArrayLength(), Is.GreaterThan(0));
        }

        using (var second = JsonDocument.Parse(lines[1]))
        {
            Assert.That(second.RootElement.GetProperty("_raw").GetString(), Is.EqualTo("{\"user_id\":\"auth0|broken\","));
            Assert.That(second.RootElement.GetProperty("_rejection").GetProperty("stage").GetString(), Is.EqualTo("read"));
        }

        // Fix the first line's email and feed the file back: the annotation is ignored and the user goes through.
        string fixedPath = _dir.Write("fixed.ndjson", lines[0].Replace("not-an-email", "fixed@example.com", StringComparison.Ordinal) + "\n");
        var records = await TestData.ReadUsersAsync(fixedPath);
        Assert.That(records.Single().Value!.AdditionalProperties, Is.Empty);
        var importer = new CapturingImporter();
        var again = await new MigrationBuilder().Configure(o => o.OutputDirectory = _dir.File("again")).UseImporter(importer).Build().RunAsync(fixedPath);
        Assert.That(again.UsersAccepted, Is.EqualTo(1));
        Assert.That(importer.Users.Single().Email, Is.EqualTo("fixed@example.com"));
    }

    [TestCase(MigrationMode.UsersOnly)]
    [TestCase(MigrationMode.NoPasswords)]
    [TestCase(MigrationMode.Passwordless)]
    public async Task ModesWithoutPasswords_WriteNoPassword(MigrationMode mode)
    {
        var report = await Builder(o => o.Mode = mode).Build().RunAsync(TestData.SampleUsers, TestData.SamplePasswords);
        string content = await File.ReadAllTextAsync(_dir.File("out/users-0001.ndjson"));
        Assert.That(content, Does.Not.Contain("\"password\"").And.Not.Contain("$2"));
        Assert.That(report.ImporterCounters["passwords_set"], Is.Zero);
        Assert.That(report.HashesJoined, Is.EqualTo(3), "the join still runs, so the report says who will get a password later");
    }

    [Test]
    public async Task PasswordsOnly_WritesACleanedHashFileForAcceptedUsersOnly()
    {
        var report = await Builder(o => o.Mode = MigrationMode.PasswordsOnly).Build().RunAsync(TestData.SampleUsers, TestData.SamplePasswords);
        string path = _dir.File("out/passwords-0001.json");
        Assert.That(File.Exists(_dir.File("out/users-0001.ndjson")), Is.False);
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }

        var hashes = await ReadHashesAsync(path);
        Assert.That(hashes.Select(h => h.Auth0UserId), Is.EquivalentTo(new[]
        {
            "auth0|65a1f202e4b0a1b2c3d4e5f6", "auth0|649f0b450a1b2c3d4e5f6071", "auth0|legacy-000123",
        }), "alan's orphan hash is left out");
        Assert.That(hashes.Single(h => h.AltId == "legacy-000123").Id, Is.EqualTo("5f0c1d2e3a4b5c6d7e8f9012"));
        Assert.That(report.ImporterCounters["passwords_written"], Is.EqualTo(3));
    }

    [Test]
    public async Task WithPasswords_WritesUsersAndOrganizationsFiles()
    {
        var report = await Builder(o =>
        {
            o.Mapping.OrganizationsPath = "app_metadata.external_org_ids";
            o.Mapping.RolesPath = "app_metadata.roles";
            o.Mapping.RolesOrganization = "org_7Hq2";
        }).Build().RunAsync(TestData.SampleUsers, TestData.SamplePasswords);

        Assert.That(report.UsersAccepted, Is.EqualTo(7));
        Assert.That(report.Files.Select(Path.GetFileName), Is.EquivalentTo(new[] { "users-0001.ndjson", "organizations.csv", "rejected.ndjson", "report.json" }));
        string organizations = await File.ReadAllTextAsync(_dir.File("out/organizations.csv"));
        Assert.That(organizations, Is.EqualTo("name,id\norg_7Hq2,org_7Hq2\norg_9Zx1,org_9Zx1\n"));
        string ada = (await File.ReadAllLinesAsync(_dir.File("out/users-0001.ndjson")))[0];
        using var doc = JsonDocument.Parse(ada);
        var orgs = doc.RootElement.GetProperty("organizations").EnumerateArray().ToList();
        Assert.That(orgs.Select(o => o.GetProperty("external_id").GetString()), Is.EquivalentTo(new[] { "org_7Hq2", "org_9Zx1" }));
        Assert.That(orgs.Single(o => o.GetProperty("external_id").GetString() == "org_7Hq2").GetProperty("roles")[0].GetString(), Is.EqualTo("admin"));
        Assert.That(report.MetadataKeys["app_metadata.roles"][MetadataKeyFate.Mapped], Is.EqualTo(1));
    }

    [Test]
    public async Task MetadataFatesAndWarnings_FromACustomMapper_AreAllCounted()
    {
        // The runner counts fates and warnings per run and adds them to the report at the end: none may be lost,
        // not even a fate value the enum does not define.
        var report = await Builder().UseMapper((source, user, context) =>
        {
            context.RecordMetadataFate("app_metadata.custom", MetadataKeyFate.Mapped);
            context.RecordMetadataFate("app_metadata.custom", (MetadataKeyFate)9);
            context.AddWarning("custom_warning");
        }).Build().RunAsync(TestData.SampleUsers);

        long mapped = report.UsersRead - Rejected(report, "read") - Rejected(report, "map");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.MetadataKeys["app_metadata.custom"][MetadataKeyFate.Mapped], Is.EqualTo(mapped));
            Assert.That(report.MetadataKeys["app_metadata.custom"][(MetadataKeyFate)9], Is.EqualTo(mapped));
            Assert.That(report.Warnings["custom_warning"], Is.EqualTo(mapped));
            Assert.That(report.MetadataKeys["app_metadata.plan"][MetadataKeyFate.Property], Is.GreaterThan(0));
        }
    }

    private static long Rejected(MigrationReport report, string stage) => report.RejectedByStage.TryGetValue(stage, out long count) ? count : 0;

    [Test]
    public async Task ReportJson_HasEveryDocumentedKeyAndAddsUp()
    {
        await Builder().Build().RunAsync(TestData.SampleUsers, TestData.SamplePasswords);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(_dir.File("out/report.json")));
        var root = doc.RootElement;
        foreach (string key in new[]
        {
            "users_read", "users_accepted", "users_rejected", "users_merged", "hashes_read", "hashes_joined", "hashes_orphaned",
            "hashes_ambiguous", "users_without_hash", "passwords_unsupported", "files", "warnings", "metadata_keys",
        })
        {
            Assert.That(root.TryGetProperty(key, out _), Is.True, key);
        }

        Assert.That(root.GetProperty("users_read").GetInt64(), Is.EqualTo(
            root.GetProperty("users_accepted").GetInt64() + root.GetProperty("users_rejected").GetInt64() + root.GetProperty("users_merged").GetInt64()));
        Assert.That(root.GetProperty("users_read").GetInt64(), Is.EqualTo(8));
        Assert.That(root.ToString(), Does.Not.Contain("$2b$").And.Not.Contain("$2a$").And.Not.Contain("@example"));
    }

    [Test]
    public async Task Progress_IsReportedAndEndsWithDone()
    {
        var phases = new List<string>();
        var progress = new SynchronousProgress<MigrationProgress>(p => phases.Add(p.Phase));
        await Builder().Build().RunAsync(TestData.SampleUsers, TestData.SamplePasswords, progress);
        Assert.That(phases, Does.Contain("indexing passwords"));
        Assert.That(phases[^1], Is.EqualTo("done"));
    }

    [Test]
    public void Cancellation_StopsTheRun()
    {
        using var cts = new CancellationTokenSource();
        var runner = Builder().UseMapper(async (source, context, next, ct) =>
        {
            await cts.CancelAsync();
            return await next();
        }).Build();
        Assert.CatchAsync<OperationCanceledException>(() => runner.RunAsync(TestData.SampleUsers, null, null, cts.Token));
    }

    [Test]
    public void MissingInput_Throws()
    {
        Assert.ThrowsAsync<FileNotFoundException>(() => Builder().Build().RunAsync(_dir.File("nope.ndjson")));
    }

    [Test]
    public void MissingUsers_WithHashesSpilledToDisk_FailsAndLeavesNoSpillFile()
    {
        // The hash index is built while the users are scanned: when the scan fails, the index must still be disposed.
        string spill = _dir.File("spill");
        Assert.ThrowsAsync<FileNotFoundException>(() => Builder(o => { o.HashIndexMemoryBytes = 0; o.TempDirectory = spill; })
            .Build().RunAsync(_dir.File("nope.ndjson"), TestData.SamplePasswords));
        Assert.That(Directory.Exists(spill) ? Directory.GetFiles(spill) : [], Is.Empty);
    }

    [Test]
    public void UnreadableHashes_FailTheRun_WhileTheUsersAreScanned()
    {
        string hashes = _dir.Write("hashes.csv", "_id,passwordHash\nabc,x\n");
        Assert.ThrowsAsync<ExportFormatException>(() => Builder().Build().RunAsync(TestData.SampleUsers, hashes));
        Assert.That(File.Exists(_dir.File("out/report.json")), Is.False);
    }

    [Test]
    public async Task EarlierOutput_IsNeverMixedWithANewRun()
    {
        await Builder().Build().RunAsync(TestData.SampleUsers);
        string rejected = await File.ReadAllTextAsync(_dir.File("out/rejected.ndjson"));
        Assert.That(rejected, Is.Not.Empty);
        Assert.ThrowsAsync<IOException>(() => Builder().Build().RunAsync(TestData.SampleUsers));

        // Regression: the refused second run used to truncate the first run's rejected.ndjson before failing.
        Assert.That(await File.ReadAllTextAsync(_dir.File("out/rejected.ndjson")), Is.EqualTo(rejected));
    }

    [Test]
    public async Task CsvFormat_WritesCustomCsv()
    {
        await Builder().UseImporter(new KindeImportFilesImporter(KindeImportFileFormat.Csv)).Build()
            .RunAsync(TestData.SampleUsers, TestData.SamplePasswords);
        string[] lines = await File.ReadAllLinesAsync(_dir.File("out/users-0001.csv"));
        Assert.That(lines[0], Is.EqualTo("id,email,email_verified,phone,phone_verified,username,first_name,last_name,hashed_password,hashing_method,salt,salt_position,salt_format,external_organization_id,roles,permissions"));
        Assert.That(lines, Has.Length.EqualTo(8));
    }

    private static async Task<List<Kinde.Migration.Auth0.Auth0PasswordHash>> ReadHashesAsync(string path)
    {
        await using var source = await ExportSource.OpenAsync(path);
        var list = new List<Kinde.Migration.Auth0.Auth0PasswordHash>();
        await foreach (var record in new PasswordHashReader().ReadAsync(source))
        {
            Assert.That(record.Error, Is.Null);
            list.Add(record.Value!);
        }

        return list;
    }
}
