using System.Runtime.CompilerServices;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Joining;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Joining;

/// <summary>The password join, end to end through <see cref="MigrationRunner"/> with a capturing importer.</summary>
public class PasswordJoinTests
{
    private const string AdaHash = "$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";
    private const string AlanHash = "$2b$10$2DGRmR.IdiwgciKWNuyDmuPq7G1vxuSoh.pL6kzna3mDoBqz5MT9a";
    private const string PartnerHash = "$2b$10$6Jnq7GNiiYmgnwjVobQicOEOhPP6foaUzfw7oiBn1cASzjqejRhIy";
    private const string LegacyHash = "$2a$10$Legacy2aSaltValue0000uOZiYlP1dABanO4M7ZT6kdCEWtOW/gkS";

    private static async Task<(MigrationReport Report, CapturingImporter Importer)> RunAsync(
        string users, string? passwords, Action<MigrationOptions>? configure = null)
    {
        using var output = new TempDirectory();
        var importer = new CapturingImporter();
        var runner = new MigrationBuilder()
            .Configure(o =>
            {
                o.OutputDirectory = output.Path;
                o.Mapping.RewriteBcrypt2bTo2a = false;
                configure?.Invoke(o);
            })
            .UseImporter(importer)
            .Build();
        var report = await runner.RunAsync(users, passwords);
        Assert.That(report.UsersRead, Is.EqualTo(report.UsersAccepted + report.UsersRejected + report.UsersMerged), "counts add up");
        return (report, importer);
    }

    private static Dictionary<string, string?> PasswordsById(CapturingImporter importer) =>
        importer.Users.ToDictionary(u => u.Id!, u => u.Password?.HashedPassword);

    [Test]
    public async Task ClassicHashes_JoinExactlyAsTheReferenceSays()
    {
        var (report, importer) = await RunAsync(TestData.PathOf("auth0/job-export.ndjson"), TestData.PathOf("auth0/hashes-classic.ndjson"));
        var passwords = PasswordsById(importer);
        Assert.That(passwords["auth0|65a1f202e4b0a1b2c3d4e5f6"], Is.EqualTo(AdaHash));
        Assert.That(passwords["auth0|legacy-000123"], Is.EqualTo(LegacyHash), "joined through alt_id, not auth0|5f0c…");
        Assert.That(importer.Users.Count(u => u.Password is not null), Is.EqualTo(2));

        // Line 2 (alan, auth0|636223…) has no user in §8.2: an orphan.
        Assert.That(report.HashesRead, Is.EqualTo(3));
        Assert.That(report.HashesJoined, Is.EqualTo(2));
        Assert.That(report.HashesOrphaned, Is.EqualTo(1));
        Assert.That(report.HashesJoinedBy, Is.EqualTo(new Dictionary<string, long> { ["id"] = 2 }));
        Assert.That(report.UsersWithoutHashByProvider.ContainsKey("auth0"), Is.False, "both database users of §8.2 found their hash");
    }

    [Test]
    public async Task UsersInAnotherOrderOnTheSecondPass_StillGetTheirOwnHash()
    {
        // The second pass reuses what the first found at each place in the export, but only for the same user: a
        // reader that returns the users in another order the second time must not hand out the wrong hashes.
        var users = (await TestData.ReadUsersAsync(TestData.PathOf("auth0/job-export.ndjson"))).Select(r => r.Value!).ToList();
        using var output = new TempDirectory();
        var options = new MigrationOptions { OutputDirectory = output.Path };
        options.Mapping.RewriteBcrypt2bTo2a = false;
        var importer = new CapturingImporter();
        var runner = new MigrationRunner(options, new DefaultUserMapper(options.Mapping), importer, new ReorderingReader(users));

        var report = await runner.RunAsync(TestData.PathOf("auth0/job-export.ndjson"), TestData.PathOf("auth0/hashes-classic.ndjson"));

        var passwords = PasswordsById(importer);
        Assert.That(passwords["auth0|65a1f202e4b0a1b2c3d4e5f6"], Is.EqualTo(AdaHash));
        Assert.That(passwords["auth0|legacy-000123"], Is.EqualTo(LegacyHash));
        Assert.That(importer.Users.Count(u => u.Password is not null), Is.EqualTo(2));
        Assert.That(report.HashesJoined, Is.EqualTo(2));
    }

    /// <summary>Returns the users as given the first time, reversed every other time.</summary>
    private sealed class ReorderingReader(List<Auth0User> users) : IAuth0UserReader
    {
        private int _calls;

        public async IAsyncEnumerable<ExportRecord<Auth0User>> ReadAsync(ExportSource source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var order = Interlocked.Increment(ref _calls) == 1 ? users : Enumerable.Reverse(users).ToList();
            for (int i = 0; i < order.Count; i++)
            {
                await Task.Yield();
                yield return ExportRecord<Auth0User>.Success(order[i], i + 1);
            }
        }
    }

    [Test]
    public async Task Version11Hashes_JoinTheLinkedSecondaryIdentity()
    {
        var (report, importer) = await RunAsync(TestData.PathOf("auth0/job-export.ndjson"), TestData.PathOf("auth0/hashes-v11.ndjson"));
        var passwords = PasswordsById(importer);
        Assert.That(passwords["auth0|65a1f202e4b0a1b2c3d4e5f6"], Is.EqualTo(AdaHash));
        Assert.That(passwords["oauth2|partner-idp|u-77af"], Is.EqualTo(PartnerHash), "found through identities[provider=auth0].user_id");
        Assert.That(report.HashesJoinedBy, Is.EqualTo(new Dictionary<string, long> { ["id"] = 1, ["linked_identity"] = 1 }));
        Assert.That(report.HashesOrphaned, Is.Zero);
    }

    [Test]
    public async Task PlainStringIdHashes_Join()
    {
        var (report, importer) = await RunAsync(TestData.PathOf("auth0/job-export.ndjson"), TestData.PathOf("auth0/hashes-plain-id.ndjson"));
        Assert.That(PasswordsById(importer)["auth0|65a1f202e4b0a1b2c3d4e5f6"], Is.EqualTo(AdaHash));

        // The same _id twice (plain string, then "_ID"): the second record is a duplicate.
        Assert.That(report.HashesDuplicate, Is.EqualTo(1));
        Assert.That(report.HashesJoined, Is.EqualTo(1));
    }

    [Test]
    public async Task UsersWithoutHash_AreReportedByProvider()
    {
        var (report, _) = await RunAsync(TestData.PathOf("auth0/job-export.ndjson"), TestData.PathOf("auth0/hashes-classic.ndjson"));
        Assert.That(report.UsersWithoutHash, Is.EqualTo(6));
        Assert.That(report.UsersWithoutHashByProvider, Is.EqualTo(new Dictionary<string, long>
        {
            ["email"] = 1, ["github"] = 1, ["google-oauth2"] = 1, ["oauth2"] = 1, ["samlp"] = 1, ["sms"] = 1,
        }));
    }

    [Test]
    public async Task EmailFallback_IsUsedOnlyWhenNoIdMatches_CaseInsensitively()
    {
        using var dir = new TempDirectory();
        string users = dir.Write("users.ndjson",
            "{\"user_id\":\"auth0|new-id\",\"email\":\"Mixed.Case@Example.com\"}\n" +
            "{\"user_id\":\"auth0|a1\",\"email\":\"owner@example.com\"}\n");
        string hashes = dir.Write("hashes.ndjson",
            $"{{\"_id\":\"old-id\",\"identifiers\":[{{\"type\":\"email\",\"value\":\"mixed.case@example.com\"}}],\"passwordHash\":\"{AlanHash}\"}}\n" +
            $"{{\"_id\":\"a1\",\"email\":\"someone.else@example.com\",\"passwordHash\":\"{AdaHash}\"}}\n");
        var (report, importer) = await RunAsync(users, hashes);
        Assert.That(PasswordsById(importer)["auth0|new-id"], Is.EqualTo(AlanHash));
        Assert.That(PasswordsById(importer)["auth0|a1"], Is.EqualTo(AdaHash), "id wins over a different email");
        Assert.That(report.HashesJoinedBy, Is.EqualTo(new Dictionary<string, long> { ["email"] = 1, ["id"] = 1 }));
    }

    [Test]
    public async Task HashTakenById_IsNeverGivenToAnotherUserByEmail()
    {
        using var dir = new TempDirectory();
        string users = dir.Write("users.ndjson",
            "{\"user_id\":\"google-oauth2|1\",\"email\":\"shared@example.com\"}\n" +
            "{\"user_id\":\"auth0|a1\",\"email\":\"other@example.com\"}\n");
        string hashes = dir.Write("hashes.ndjson", $"{{\"_id\":\"a1\",\"email\":\"shared@example.com\",\"passwordHash\":\"{AdaHash}\"}}\n");
        var (_, importer) = await RunAsync(users, hashes);
        Assert.That(PasswordsById(importer)["google-oauth2|1"], Is.Null);
        Assert.That(PasswordsById(importer)["auth0|a1"], Is.EqualTo(AdaHash));
    }

    [Test]
    public async Task EmailMatchingSeveralHashes_IsAmbiguous()
    {
        using var dir = new TempDirectory();
        string users = dir.Write("users.ndjson", "{\"user_id\":\"auth0|x\",\"email\":\"twice@example.com\"}\n");
        string hashes = dir.Write("hashes.ndjson",
            $"{{\"_id\":\"h1\",\"email\":\"twice@example.com\",\"passwordHash\":\"{AdaHash}\"}}\n" +
            $"{{\"_id\":\"h2\",\"email\":\"TWICE@example.com\",\"passwordHash\":\"{AlanHash}\"}}\n");
        var (report, importer) = await RunAsync(users, hashes);
        Assert.That(importer.Users.Single().Password, Is.Null, "no guess");
        Assert.That(report.HashesAmbiguous, Is.EqualTo(1));
        Assert.That(report.HashesOrphaned, Is.EqualTo(2));
    }

    [Test]
    public async Task EmailMatchingSeveralUsers_IsAmbiguous()
    {
        using var dir = new TempDirectory();
        string users = dir.Write("users.ndjson",
            "{\"user_id\":\"auth0|u1\",\"email\":\"same@example.com\"}\n" +
            "{\"user_id\":\"auth0|u2\",\"email\":\"same@example.com\"}\n");
        string hashes = dir.Write("hashes.ndjson", $"{{\"_id\":\"h1\",\"email\":\"same@example.com\",\"passwordHash\":\"{AdaHash}\"}}\n");
        var (report, importer) = await RunAsync(users, hashes, o => o.DuplicateEmails = DuplicateEmailPolicy.Reject);
        Assert.That(importer.Users.All(u => u.Password is null), Is.True);
        Assert.That(report.HashesAmbiguous, Is.EqualTo(2));
    }

    [Test]
    public async Task ManyUsersOfOneEnterpriseConnection_StayDistinct()
    {
        // samlp|acme|E1 … samlp|acme|E50: peers that split on every '|' collapse these into one id.
        using var dir = new TempDirectory();
        string users = dir.Write("users.ndjson", string.Concat(Enumerable.Range(1, 50).Select(i =>
            $"{{\"user_id\":\"samlp|acme|E{i}\",\"email\":\"e{i}@example.com\",\"identities\":[{{\"provider\":\"samlp\",\"user_id\":\"acme|E{i}\",\"connection\":\"acme\"}}]}}\n")));
        var (report, importer) = await RunAsync(users, null);
        Assert.That(importer.Users.Select(u => u.Id).Distinct().Count(), Is.EqualTo(50));
        Assert.That(importer.Users.Select(u => u.Email).Distinct().Count(), Is.EqualTo(50));
        Assert.That(report.Warnings["enterprise_connection:acme"], Is.EqualTo(50));
    }

    [Test]
    public async Task SpillingTheHashIndexToDisk_GivesTheSameJoin()
    {
        var (inMemory, memoryImporter) = await RunAsync(TestData.SampleUsers, TestData.SamplePasswords);
        var (spilled, diskImporter) = await RunAsync(TestData.SampleUsers, TestData.SamplePasswords, o => o.HashIndexMemoryBytes = 0);
        Assert.That(PasswordsById(diskImporter), Is.EqualTo(PasswordsById(memoryImporter)));
        Assert.That(spilled.HashesJoined, Is.EqualTo(inMemory.HashesJoined).And.EqualTo(3));
    }

    [Test]
    public void KeyHash_IsStableAndCaseFoldsEmails()
    {
        Assert.That(KeyHash.OfEmail(" Ada@Example.COM "), Is.EqualTo(KeyHash.OfEmail("ada@example.com")));
        Assert.That(KeyHash.Of("auth0|a"), Is.Not.EqualTo(KeyHash.Of("auth0|b")));
        Assert.That(KeyHash.Both("auth0|a", ignoreCase: false).Check, Is.Not.EqualTo(KeyHash.Of("auth0|a")));
    }

    [Test]
    public async Task HashRejections_AreCountedWithoutTheirText()
    {
        using var dir = new TempDirectory();
        string hashes = dir.Write("hashes.ndjson", $"{{\"_id\":\"h1\",\"passwordHash\":\"{AdaHash}\"\n{{\"email\":\"x@example.com\",\"passwordHash\":\"{AlanHash}\"}}\n");
        var (report, _) = await RunAsync(TestData.PathOf("auth0/job-export.ndjson"), hashes);
        Assert.That(report.HashesRead, Is.EqualTo(2));
        Assert.That(report.HashesRejected, Is.EqualTo(2));
        Assert.That(report.HashRejections.Select(r => r.Position), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(report.HashRejections.Select(r => r.ToString()), Has.All.Not.Contain("$2b$"));
    }

    [Test]
    public void KindeUserWithPassword_NeverShowsTheHash()
    {
        var password = new KindePassword { HashedPassword = AdaHash, HashingMethod = "bcrypt" };
        Assert.That(password.ToString(), Does.Not.Contain("$2b$"));
    }
}
