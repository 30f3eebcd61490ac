using System.Text.Json.Nodes;
using Kinde.Migration.Auth0;
using Kinde.Migration.Importing;
using Kinde.Migration.Joining;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Kinde.Migration.Testing.Emulator;
using Kinde.Migration.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kinde.Migration.Tests.DependencyInjection;

/// <summary>Kinde.Migration as a host application wires it: configuration, DI, a custom mapper with its own service.</summary>
[TestFixture]
public sealed class KindeMigrationServiceCollectionTests
{
    private const string AdaId = "auth0|65a1f202e4b0a1b2c3d4e5f6";
    private const string SamlId = "samlp|acme-saml|E12345";

    private TempDirectory _temp = null!;

    /// <summary>The run's output directory (not created yet: the runner creates it).</summary>
    private string _dir => _temp.File("out");

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task HostApp_SelectsTheKindeApiImporter_WithOptionsFromConfiguration()
    {
        await using var emulator = await KindeEmulator.StartAsync();
        IConfiguration config = KindeApiConfiguration(emulator, new()
        {
            ["KindeMigration:Kinde:MaxConcurrency"] = "4",
            ["KindeMigration:Kinde:RequestTimeout"] = "00:00:30",
            ["KindeMigration:Kinde:ExistingUsers"] = "FillMissing",
            ["KindeMigration:Kinde:LedgerPath"] = _temp.File("ledger.sqlite"),
        });
        var services = new ServiceCollection();
        services.AddKindeMigration(config.GetSection(MigrationOptions.SectionName)).UseKindeApi(config.GetSection("KindeMigration:Kinde"));

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var api = provider.GetRequiredService<IOptions<KindeApiOptions>>().Value;
        Assert.That((api.MaxConcurrency, api.RequestsPerSecond, api.RequestTimeout), Is.EqualTo((4, 0d, TimeSpan.FromSeconds(30))));
        Assert.That(provider.GetRequiredService<IOptions<KindeApiImportOptions>>().Value.ExistingUsers, Is.EqualTo(ExistingUserPolicy.FillMissing));
        Assert.That(provider.GetRequiredService<IKindeImporter>(), Is.InstanceOf<KindeApiImporter>());

        var report = await provider.GetRequiredService<MigrationRunner>().RunAsync(TestData.SampleUsers, TestData.SamplePasswords);

        Assert.That(report.ImporterCounters["imported"], Is.EqualTo(report.UsersAccepted));
        Assert.That(emulator.State.Users, Has.Count.EqualTo(report.UsersAccepted));
    }

    [Test]
    public async Task HostApp_LogsOfAnApiMigration_HoldNoEmailHashOrSecretAboveTrace()
    {
        await using var emulator = await KindeEmulator.StartAsync(new() { CommitThenDropRate = 0.2, FailureRate = 0.1 });
        IConfiguration config = KindeApiConfiguration(emulator, []);
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddKindeMigration(config.GetSection(MigrationOptions.SectionName)).UseKindeApi(config.GetSection("KindeMigration:Kinde"));
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<MigrationRunner>().RunAsync(TestData.SampleUsers, TestData.SamplePasswords);

        var visible = logs.Messages.Where(m => m.Level > LogLevel.Trace).Select(m => m.Text).ToList();
        Assert.That(visible, Is.Not.Empty, "the run logged");
        Assert.That(visible, Has.None.Contain("@").And.None.Contain("%40"), "no email above Trace");
        Assert.That(visible, Has.None.Contain("$2a$").And.None.Contain("$2b$").And.None.Contain(emulator.Options.ClientSecret));
        Assert.That(visible, Has.None.Contain("Bearer").And.None.Contain("access_token"));
    }

    [Test]
    public void HostApp_KindeApiWithoutCredentials_FailsValidationNamingTheOption()
    {
        IConfiguration config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["KindeMigration:Kinde:Domain"] = "https://example.kinde.com" })
            .Build();
        var services = new ServiceCollection();
        services.AddKindeMigration().UseKindeApi(config.GetSection("KindeMigration:Kinde"));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<MigrationRunner>());

        Assert.That(ex!.Message, Does.Contain("ClientId").And.Contain("ClientSecret"));
    }

    [Test]
    public async Task HostApp_ConfigurationBoundOptions_CustomMapperWithItsOwnService_RunsTheSample()
    {
        IConfiguration config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["KindeMigration:Mode"] = "UsersOnly",
                ["KindeMigration:OutputDirectory"] = _dir,
                ["KindeMigration:Mapping:RolesPath"] = "app_metadata.roles",
                ["KindeMigration:Reader:MaxRecordBytes"] = "65536",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<PlanCatalog>();
        services.AddKindeMigration(config.GetSection(MigrationOptions.SectionName)).AddUserMapper<YourPlanMapper>();

        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var options = provider.GetRequiredService<IOptions<MigrationOptions>>().Value;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Mode, Is.EqualTo(MigrationMode.UsersOnly));
            Assert.That(options.OutputDirectory, Is.EqualTo(_dir));
            Assert.That(options.Mapping.RolesPath, Is.EqualTo("app_metadata.roles"));
            Assert.That(options.Reader.MaxRecordBytes, Is.EqualTo(65536));
        }

        var runner = provider.GetRequiredService<MigrationRunner>();
        var report = await runner.RunAsync(TestData.SampleUsers, TestData.SamplePasswords);

        var lines = ReadUserLines();
        var catalog = provider.GetRequiredService<PlanCatalog>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.Mode, Is.EqualTo(MigrationMode.UsersOnly));
            Assert.That(report.UsersRead, Is.EqualTo(8));
            Assert.That(report.UsersRead, Is.EqualTo(report.UsersAccepted + report.UsersRejected + report.UsersMerged));
            Assert.That(report.UsersAccepted, Is.EqualTo(lines.Count));
            Assert.That(report.UsersRejected, Is.EqualTo(1), "the SAML user without an email");
            Assert.That(report.RejectedByStage, Is.EquivalentTo(new Dictionary<string, long> { ["map"] = 1 }));
            Assert.That(report.ImporterCounters["passwords_set"], Is.Zero);
            Assert.That(lines.Select(l => (string?)l["id"]), Has.No.Member(SamlId));

            // The custom mapper, with its DI service, ran for every accepted user.
            Assert.That(catalog.Lookups, Is.EqualTo(report.UsersAccepted + 1), "called for every mapped user, the rejected SAML user included");
            foreach (var line in lines)
            {
                Assert.That(Properties(line), Contains.Key("plan_tier"), (string?)line["id"]);
                Assert.That(line["password"], Is.Null, "UsersOnly carries no password: " + (string?)line["id"]);
            }

            var ada = lines.Single(l => (string?)l["id"] == AdaId);
            Assert.That(Properties(ada)["plan_tier"], Is.EqualTo("gold"));
            Assert.That(Properties(ada), Does.Not.ContainKey("auth0_app_roles"), "roles are mapped by RolesPath");
            var organizations = ada["organizations"]!.AsArray();
            Assert.That(organizations, Has.Count.EqualTo(1));
            Assert.That((string?)organizations[0]!["external_id"], Is.EqualTo(""));
            Assert.That(organizations[0]!["roles"]!.AsArray().Select(r => (string?)r), Is.EqualTo(new[] { "admin" }));
            Assert.That(lines.Where(l => (string?)l["id"] != AdaId).Select(l => Properties(l)["plan_tier"]), Is.All.EqualTo("standard"));
        }

        // report.json says the same.
        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)json["mode"], Is.EqualTo("users-only"));
            Assert.That((long)json["users_read"]!, Is.EqualTo((long)json["users_accepted"]! + (long)json["users_rejected"]! + (long)json["users_merged"]!));
            Assert.That((long)json["users_accepted"]!, Is.EqualTo(lines.Count));
            Assert.That(json["metadata_keys"]!["app_metadata.roles"]!["mapped"]?.GetValue<long>(), Is.EqualTo(1));
        }
    }

    [Test]
    public void ConfigurationBinding_NestedMappingCollections()
    {
        IConfiguration config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["KindeMigration:Mode"] = "NoPasswords",
                ["KindeMigration:DuplicateEmails"] = "Reject",
                ["KindeMigration:ChannelCapacity"] = "16",
                ["KindeMigration:Mapping:OrganizationsPath"] = "app_metadata.external_org_ids",
                ["KindeMigration:Mapping:RewriteBcrypt2bTo2a"] = "false",
                ["KindeMigration:Mapping:SocialConnections:partner-idp"] = "oauth2:partner",
                ["KindeMigration:Mapping:ExcludedMetadata:0"] = "user_metadata.consent",
                ["KindeMigration:Mapping:PropertyKeys:user_metadata.theme"] = "theme",
                ["KindeMigration:Validation:MaxNameLength"] = "80",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddKindeMigration(config.GetSection("KindeMigration"));

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<MigrationOptions>>().Value;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Mode, Is.EqualTo(MigrationMode.NoPasswords));
            Assert.That(options.DuplicateEmails, Is.EqualTo(DuplicateEmailPolicy.Reject));
            Assert.That(options.ChannelCapacity, Is.EqualTo(16));
            Assert.That(options.Mapping.OrganizationsPath, Is.EqualTo("app_metadata.external_org_ids"));
            Assert.That(options.Mapping.RewriteBcrypt2bTo2a, Is.False);
            Assert.That(options.Mapping.SocialConnections["partner-idp"], Is.EqualTo("oauth2:partner"));
            Assert.That(options.Mapping.SocialConnections["google-oauth2"], Is.EqualTo("oauth2:google"), "the defaults are kept");
            Assert.That(options.Mapping.ExcludedMetadata, Is.EquivalentTo(new[] { "user_metadata.consent" }));
            Assert.That(options.Mapping.PropertyKeys["user_metadata.theme"], Is.EqualTo("theme"));
            Assert.That(options.Validation.MaxNameLength, Is.EqualTo(80));
        }
    }

    [Test]
    public void InvalidOptions_ResolvingThemThrowsOptionsValidationException()
    {
        IConfiguration config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["KindeMigration:OutputDirectory"] = _dir,
                ["KindeMigration:Reader:MaxRecordBytes"] = "1",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddKindeMigration(config.GetSection("KindeMigration"));

        using var provider = services.BuildServiceProvider();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(
                () => provider.GetRequiredService<IOptions<MigrationOptions>>().Value,
                Throws.TypeOf<OptionsValidationException>().With.Message.Contains("MaxRecordBytes"));
            Assert.That(() => provider.GetRequiredService<MigrationRunner>(), Throws.TypeOf<OptionsValidationException>());
        }

        Assert.That(Directory.Exists(_dir), Is.False, "nothing was written");
    }

    [Test]
    public void InvalidOptions_FromTheConfigureOverload_Throw()
    {
        var services = new ServiceCollection();
        services.AddKindeMigration(o =>
        {
            o.OutputDirectory = "";
            o.ChannelCapacity = 0;
        });

        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<MigrationOptions>>().Value);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exception.Failures, Has.Some.Contains("OutputDirectory"));
            Assert.That(exception.Failures, Has.Some.Contains("ChannelCapacity"));
        }
    }

    [Test]
    public async Task UseImporter_ReplacesTheImportFiles()
    {
        var services = new ServiceCollection();
        services.AddKindeMigration(o => o.OutputDirectory = _dir).UseImporter<CapturingImporter>();

        await using var provider = services.BuildServiceProvider();
        var report = await provider.GetRequiredService<MigrationRunner>().RunAsync(TestData.SampleUsers, TestData.SamplePasswords);
        var importer = provider.GetRequiredService<IKindeImporter>();

        Assert.That(importer, Is.InstanceOf<CapturingImporter>());
        var captured = ((CapturingImporter)importer).Users;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(captured, Has.Count.EqualTo(report.UsersAccepted));
            Assert.That(captured, Has.Count.EqualTo(7));
            Assert.That(captured.Single(u => u.Id == AdaId).Password?.HashedPassword, Does.StartWith("$2a$10$"), "WithPasswords is the default mode");
            Assert.That(report.ImporterCounters["captured"], Is.EqualTo(7));
            Assert.That(Directory.GetFiles(_dir, "users-*"), Is.Empty, "the default importer did not run");
        }
    }

    [Test]
    public async Task ReplaceDefaultMapper_UsesTheReplacementInsideTheAddedMappers()
    {
        var services = new ServiceCollection();
        services.AddSingleton<PlanCatalog>();
        services.AddKindeMigration(o => o.OutputDirectory = _dir)
            .AddUserMapper((_, user, _) => user.Properties["wrapped"] = "yes")
            .ReplaceDefaultMapper<MinimalMapper>()
            .UseImporter<CapturingImporter>();

        await using var provider = services.BuildServiceProvider();
        var mapper = provider.GetRequiredService<IUserMapper>();
        var result = await mapper.MapAsync(
            new Auth0User { UserId = AdaId, Email = "ada.lovelace@example.com", AppMetadata = new JsonObject { ["plan"] = "enterprise" } },
            new MappingContext(MigrationMode.WithPasswords, new PasswordJoinResult(PasswordJoinOutcome.NotFound, null)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.User!.Id, Is.EqualTo("minimal:" + AdaId));
            Assert.That(result.User.Properties, Is.EquivalentTo(new Dictionary<string, string> { ["wrapped"] = "yes", ["tier"] = "gold" }), "no auth0_app_ property: the default mapper did not run");
        }

        var report = await provider.GetRequiredService<MigrationRunner>().RunAsync(TestData.SampleUsers);
        var captured = ((CapturingImporter)provider.GetRequiredService<IKindeImporter>()).Users;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(report.UsersRead, Is.EqualTo(report.UsersAccepted + report.UsersRejected + report.UsersMerged));
            Assert.That(captured, Is.Not.Empty);
            Assert.That(captured.Select(u => u.Id), Is.All.StartWith("minimal:"));
            Assert.That(captured.Select(u => u.Properties["wrapped"]), Is.All.EqualTo("yes"));
        }
    }

    [Test]
    public async Task AddKindeMigrationTwice_KeepsOneMapperChain_AndAppliesTheMapperOnce()
    {
        var services = new ServiceCollection();
        int calls = 0;
        var first = services.AddKindeMigration(o => o.OutputDirectory = _dir);
        first.AddUserMapper((_, user, _) =>
        {
            Interlocked.Increment(ref calls);
            user.Properties["count"] = (user.Properties.TryGetValue("count", out string? n) ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) + 1 : 1)
                .ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        var second = services.AddKindeMigration(o => o.Mode = MigrationMode.UsersOnly);
        second.UseImporter<CapturingImporter>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.Mappers, Is.SameAs(first.Mappers));
            Assert.That(services.Count(d => d.ServiceType == typeof(UserMapperChain)), Is.EqualTo(1));
            Assert.That(services.Count(d => d.ServiceType == typeof(IUserMapper)), Is.EqualTo(1));
            Assert.That(services.Count(d => d.ServiceType == typeof(MigrationRunner)), Is.EqualTo(1));
            Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<MigrationOptions>)), Is.EqualTo(1));
        }

        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<MigrationOptions>>().Value;
        var report = await provider.GetRequiredService<MigrationRunner>().RunAsync(TestData.SampleUsers, TestData.SamplePasswords);
        var captured = ((CapturingImporter)provider.GetRequiredService<IKindeImporter>()).Users;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.OutputDirectory, Is.EqualTo(_dir), "both configure delegates applied");
            Assert.That(options.Mode, Is.EqualTo(MigrationMode.UsersOnly), "both configure delegates applied");
            Assert.That(captured, Has.Count.EqualTo(report.UsersAccepted));
            Assert.That(captured.Select(u => u.Properties["count"]), Is.All.EqualTo("1"));
            Assert.That(calls, Is.EqualTo(report.UsersAccepted));
        }
    }

    [Test]
    public void AddUserMapper_WithAnUnregisteredService_FailsWhenTheChainIsResolved()
    {
        var services = new ServiceCollection();
        services.AddKindeMigration(o => o.OutputDirectory = _dir).AddUserMapper<YourPlanMapper>();

        using var provider = services.BuildServiceProvider();

        Assert.That(() => provider.GetRequiredService<IUserMapper>(), Throws.InvalidOperationException.With.Message.Contains(nameof(PlanCatalog)));
    }

    [Test]
    public void Singletons_MapperChainIsBuiltOnce_RunnerIsTransient()
    {
        var services = new ServiceCollection();
        services.AddSingleton<PlanCatalog>();
        services.AddKindeMigration(o => o.OutputDirectory = _dir).AddUserMapper<YourPlanMapper>();

        using var provider = services.BuildServiceProvider();
        var mapper1 = provider.GetRequiredService<IUserMapper>();
        var mapper2 = provider.GetRequiredService<IUserMapper>();
        var runner1 = provider.GetRequiredService<MigrationRunner>();
        var runner2 = provider.GetRequiredService<MigrationRunner>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(mapper2, Is.SameAs(mapper1));
            Assert.That(mapper1, Is.InstanceOf<YourPlanMapper>());
            Assert.That(runner2, Is.Not.SameAs(runner1));
        }
    }

    private List<JsonObject> ReadUserLines()
    {
        string path = Path.Combine(_dir, "users-0001.ndjson");
        Assert.That(File.Exists(path), Is.True, path);
        Assert.That(File.Exists(Path.Combine(_dir, "users-0002.ndjson")), Is.False);
        return [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];
    }

    private static Dictionary<string, string> Properties(JsonObject line) =>
        line["properties"] is JsonArray properties
            ? properties.ToDictionary(p => (string)p!["key"]!, p => (string)p!["value"]!)
            : [];

    /// <summary>A host service the custom mapper needs.</summary>
    private sealed class PlanCatalog
    {
        private int _lookups;

        public int Lookups => _lookups;

        public string TierFor(string? plan)
        {
            Interlocked.Increment(ref _lookups);
            return plan == "enterprise" ? "gold" : "standard";
        }
    }

    /// <summary>The host's mapper: wraps the default one, adds a property from <see cref="PlanCatalog"/>.</summary>
    private sealed class YourPlanMapper(IUserMapper inner, PlanCatalog catalog) : DelegatingUserMapper(inner)
    {
        public override async ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
        {
            var result = await base.MapAsync(source, context, cancellationToken);
            string tier = catalog.TierFor(source.AppMetadata?["plan"]?.GetValue<string>());
            result.User?.Properties.Add("plan_tier", tier);
            return result;
        }
    }

    /// <summary>A replacement for the default mapper, created by DI.</summary>
    private sealed class MinimalMapper(PlanCatalog catalog) : IUserMapper
    {
        public ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
        {
            if (source.UserId is null || (source.Email is null && source.PhoneNumber is null))
            {
                return ValueTask.FromResult(MappingResult.Reject("needs a user_id and an email or phone"));
            }

            var user = new KindeUser { Id = "minimal:" + source.UserId };
            user.Identities.Add(source.Email is not null
                ? new KindeIdentity(KindeIdentityTypes.Email, source.Email, source.EmailVerified ?? false)
                : new KindeIdentity(KindeIdentityTypes.Phone, source.PhoneNumber!, source.PhoneVerified ?? false));
            user.Properties["tier"] = catalog.TierFor(source.AppMetadata?["plan"]?.GetValue<string>());
            return ValueTask.FromResult(MappingResult.Success(user));
        }
    }

    /// <summary>Configuration as a host app would have it: output directory, the emulator's address and credentials, no
    /// client-side rate limit, plus <paramref name="extra"/>.</summary>
    private IConfiguration KindeApiConfiguration(KindeEmulator emulator, Dictionary<string, string?> extra)
    {
        var values = new Dictionary<string, string?>(extra)
        {
            ["KindeMigration:OutputDirectory"] = _dir,
            ["KindeMigration:Kinde:Domain"] = emulator.BaseAddress.ToString(),
            ["KindeMigration:Kinde:ClientId"] = emulator.Options.ClientId,
            ["KindeMigration:Kinde:ClientSecret"] = emulator.Options.ClientSecret,
            ["KindeMigration:Kinde:RequestsPerSecond"] = "0",
        };
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly List<(LogLevel Level, string Text)> _messages = [];

        public IReadOnlyList<(LogLevel Level, string Text)> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._messages)
                {
                    owner._messages.Add((logLevel, formatter(state, exception) + " " + exception?.Message));
                }
            }
        }
    }
}
