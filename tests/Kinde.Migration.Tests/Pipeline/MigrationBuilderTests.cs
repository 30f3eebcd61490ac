using System.Text.Json.Nodes;
using Kinde.Migration.Auth0;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Pipeline;

/// <summary>The fluent builder: composing a run in code, without dependency injection.</summary>
[TestFixture]
public sealed class MigrationBuilderTests
{
    private const string AdaId = "auth0|65a1f202e4b0a1b2c3d4e5f6";
    private const string SmsId = "sms|664c7340abcdef0123456789";
    private const string SamlId = "samlp|acme-saml|E12345";

    private TempDirectory _temp = null!;

    /// <summary>The run's output directory (not created yet: the runner creates it).</summary>
    private string _dir => _temp.File("out");

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task Build_RunsTheSampleToTheOutputDirectory_WithTheLambdaMapperApplied()
    {
        var runner = new MigrationBuilder()
            .Configure(o =>
            {
                o.OutputDirectory = _dir;
                o.Mode = MigrationMode.WithPasswords;
            })
            .UseMapper((auth0, kinde, context) => kinde.Properties["source"] = "auth0")
            .Build();

        var report = await runner.RunAsync(TestData.SampleUsers, TestData.SamplePasswords);

        var lines = ReadUserLines();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.UsersRead, Is.EqualTo(8));
            Assert.That(report.UsersRead, Is.EqualTo(report.UsersAccepted + report.UsersRejected + report.UsersMerged));
            Assert.That(report.UsersAccepted, Is.EqualTo(lines.Count));
            Assert.That(report.UsersRejected, Is.EqualTo(1));
            Assert.That(lines.Select(l => (string?)l["id"]), Has.No.Member(SamlId));
            Assert.That(lines.Select(l => Properties(l)["source"]), Is.All.EqualTo("auth0"));
            Assert.That(report.HashesRead, Is.EqualTo(4));
            Assert.That(report.HashesJoined, Is.EqualTo(report.ImporterCounters["passwords_set"]));
            Assert.That(report.HashesJoined, Is.GreaterThanOrEqualTo(1));
            Assert.That(report.Files, Has.Some.EndsWith("users-0001.ndjson"));
            Assert.That(File.Exists(Path.Combine(_dir, "report.json")), Is.True);
            Assert.That(File.Exists(Path.Combine(_dir, "rejected.ndjson")), Is.True);
        }

        var ada = lines.Single(l => (string?)l["id"] == AdaId);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)ada["password"]?["hashing_algorithm"], Is.EqualTo("bcrypt"));
            Assert.That((string?)ada["password"]?["hashed_password"], Is.EqualTo("$2a$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO"));
        }

        string rejected = await File.ReadAllTextAsync(Path.Combine(_dir, "rejected.ndjson"));
        Assert.That(rejected, Does.Contain("acme-saml"));
    }

    [Test]
    public async Task UseMapper_AllThreeOverloads_ApplyInOrder()
    {
        var order = new List<string>();
        var importer = new CapturingImporter();
        var runner = new MigrationBuilder()
            .Configure(o => o.OutputDirectory = _dir)
            .UseMapper(inner => new TaggingMapper(inner, order))
            .UseMapper((source, context, next, ct) => source.UserId == SmsId
                ? ValueTask.FromResult(MappingResult.Reject("sms users move to email codes separately"))
                : next())
            .UseMapper((auth0, kinde, context) =>
            {
                order.Add("enrich:" + auth0.UserId);
                kinde.Properties["enriched"] = "true";
            })
            .UseImporter(importer)
            .Build();

        var report = await runner.RunAsync(TestData.SampleUsers);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.UsersRejected, Is.EqualTo(2), "SAML (default mapper) and SMS (delegate)");
            Assert.That(report.RejectedByStage["map"], Is.EqualTo(2));
            Assert.That(importer.Users.Select(u => u.Id), Has.No.Member(SmsId).And.No.Member(SamlId));
            Assert.That(importer.Users, Has.Count.EqualTo(6));
            Assert.That(importer.Users.Select(u => u.Properties["enriched"]), Is.All.EqualTo("true"));
            Assert.That(importer.Users.Select(u => u.Properties["tagged"]), Is.All.EqualTo("true"), "the outermost mapper sees the enriched result");
            Assert.That(order, Has.No.Member("enrich:" + SmsId).And.No.Member("enrich:" + SamlId));
            Assert.That(order.IndexOf("tag:" + AdaId), Is.GreaterThan(order.IndexOf("enrich:" + AdaId)), "first added is outermost, so it finishes last");
            Assert.That(Directory.GetFiles(_dir, "users-*"), Is.Empty, "the chosen importer replaced the import files");
        }
    }

    [Test]
    public async Task ReplaceDefaultMapper_IsUsedInnermost()
    {
        var importer = new CapturingImporter();
        var runner = new MigrationBuilder()
            .Configure(o => o.OutputDirectory = _dir)
            .ReplaceDefaultMapper(new EmailOnlyMapper())
            .UseMapper((_, kinde, _) => kinde.Properties["wrapped"] = "yes")
            .UseImporter(importer)
            .Build();

        var report = await runner.RunAsync(TestData.SampleUsers);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.UsersRead, Is.EqualTo(report.UsersAccepted + report.UsersRejected + report.UsersMerged));
            Assert.That(importer.Users, Is.Not.Empty);
            Assert.That(importer.Users.SelectMany(u => u.Properties.Keys), Is.All.EqualTo("wrapped"), "the default mapper's metadata properties are absent");
            Assert.That(importer.Users.Select(u => u.Id), Is.All.StartWith("e:"));
        }
    }

    [Test]
    public async Task Configure_MappingOptions_ReachTheDefaultMapper()
    {
        var importer = new CapturingImporter();
        var runner = new MigrationBuilder()
            .Configure(o =>
            {
                o.OutputDirectory = _dir;
                o.Mode = MigrationMode.NoPasswords;
                o.Mapping.RolesPath = "app_metadata.roles";
                o.Mapping.OrganizationsPath = "app_metadata.external_org_ids";
            })
            .UseImporter(importer)
            .Build();

        await runner.RunAsync(TestData.SampleUsers, TestData.SamplePasswords);

        var ada = importer.Users.Single(u => u.Id == AdaId);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ada.Organizations.Select(o => o.ExternalId), Is.EqualTo(new[] { "", "org_7Hq2", "org_9Zx1" }));
            Assert.That(ada.Organizations[0].Roles, Is.EqualTo(new[] { "admin" }));
            Assert.That(importer.Users.Select(u => u.Password), Is.All.Null, "NoPasswords");
        }
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return new TestCaseData((Action<MigrationOptions>)(o => o.Reader.MaxRecordBytes = 1), "MaxRecordBytes").SetName("Reader.MaxRecordBytes = 1");
        yield return new TestCaseData((Action<MigrationOptions>)(o => o.ChannelCapacity = 0), "ChannelCapacity").SetName("ChannelCapacity = 0");
        yield return new TestCaseData((Action<MigrationOptions>)(o => o.OutputDirectory = ""), "OutputDirectory").SetName("OutputDirectory empty");
        yield return new TestCaseData((Action<MigrationOptions>)(o => o.HashIndexMemoryBytes = -1), "HashIndexMemoryBytes").SetName("HashIndexMemoryBytes = -1");
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void InvalidOptions_ThrowArgumentExceptionAtBuild(Action<MigrationOptions> configure, string member)
    {
        var builder = new MigrationBuilder().Configure(o => o.OutputDirectory = _dir).Configure(configure);

        Assert.That(() => builder.Build(), Throws.ArgumentException.With.Message.Contains(member));
        Assert.That(Directory.Exists(_dir), Is.False, "nothing was written");
    }

    [Test]
    public void InvalidValidationOptions_ThrowArgumentExceptionAtBuild()
    {
        var builder = new MigrationBuilder().Configure(o =>
        {
            o.OutputDirectory = _dir;
            o.Validation.MaxNameLength = 0;
        });

        Assert.That(() => builder.Build(), Throws.InstanceOf<ArgumentException>().With.Message.Contains("MaxNameLength"));
    }

    [Test]
    public void Configure_AfterBuild_Throws()
    {
        // Regression: Configure after Build changed the already-built runner's options, skipping validation.
        var builder = new MigrationBuilder().Configure(o => o.OutputDirectory = _dir);
        builder.Build();
        Assert.Throws<InvalidOperationException>(() => builder.Configure(o => o.OutputDirectory = "elsewhere"));
    }

    [Test]
    public void NullArguments_Throw()
    {
        var builder = new MigrationBuilder();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => builder.Configure(null!), Throws.ArgumentNullException);
            Assert.That(() => builder.UseMapper((Func<IUserMapper, IUserMapper>)null!), Throws.ArgumentNullException);
            Assert.That(() => builder.UseMapper((Action<Auth0User, KindeUser, MappingContext>)null!), Throws.ArgumentNullException);
            Assert.That(() => builder.ReplaceDefaultMapper(null!), Throws.ArgumentNullException);
            Assert.That(() => builder.UseImporter(null!), Throws.ArgumentNullException);
            Assert.That(() => builder.UseTimeProvider(null!), Throws.ArgumentNullException);
        }
    }

    private List<JsonObject> ReadUserLines()
    {
        string path = Path.Combine(_dir, "users-0001.ndjson");
        Assert.That(File.Exists(path), Is.True, path);
        return [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];
    }

    private static Dictionary<string, string> Properties(JsonObject line) =>
        line["properties"] is JsonArray properties
            ? properties.ToDictionary(p => (string)p!["key"]!, p => (string)p!["value"]!)
            : [];

    private sealed class TaggingMapper(IUserMapper inner, List<string> order) : DelegatingUserMapper(inner)
    {
        public override async ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
        {
            var result = await base.MapAsync(source, context, cancellationToken);
            order.Add("tag:" + source.UserId);
            if (result.User is { } user)
            {
                user.Properties["tagged"] = user.Properties.TryGetValue("enriched", out string? enriched) ? enriched : "false";
            }

            return result;
        }
    }

    private sealed class EmailOnlyMapper : IUserMapper
    {
        public ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
        {
            if (source.Email is null)
            {
                return ValueTask.FromResult(MappingResult.Reject("no email"));
            }

            var user = new KindeUser { Id = "e:" + source.UserId };
            user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, source.Email, source.EmailVerified ?? false));
            return ValueTask.FromResult(MappingResult.Success(user));
        }
    }

    private sealed class CapturingImporter : IKindeImporter
    {
        public List<KindeUser> Users { get; } = [];

        public async Task<KindeImportResult> ImportAsync(IAsyncEnumerable<KindeUser> users, KindeImportContext context, CancellationToken cancellationToken = default)
        {
            await foreach (var user in users.WithCancellation(cancellationToken))
            {
                Users.Add(user);
            }

            return new KindeImportResult();
        }
    }
}
