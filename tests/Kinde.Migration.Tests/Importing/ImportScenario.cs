using Kinde.Migration.Importing;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Kinde.Migration.Testing;
using Kinde.Migration.Testing.Emulator;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Importing;

/// <summary>A generated Auth0 export, what the offline pipeline accepts from it (the expected Kinde state), and runs of
/// the API importer against an emulator.</summary>
internal sealed class ImportScenario : IDisposable
{
    private ImportScenario(TempDirectory directory, string usersPath, string passwordsPath, IReadOnlyList<KindeUser> expected)
    {
        Directory = directory;
        UsersPath = usersPath;
        PasswordsPath = passwordsPath;
        Expected = expected;
    }

    public TempDirectory Directory { get; }

    public string UsersPath { get; }

    public string PasswordsPath { get; }

    /// <summary>The users the mapper and validator accept: what Kinde must hold afterwards.</summary>
    public IReadOnlyList<KindeUser> Expected { get; }

    public string Output => Directory.File("out");

    public string LedgerPath => Directory.File("ledger.sqlite");

    /// <summary>Roles go to the default organization, organization ids to organizations: memberships for every user
    /// with metadata.</summary>
    public static void ConfigureMapping(MigrationOptions options)
    {
        options.Mapping.RolesPath = "app_metadata.roles";
        options.Mapping.OrganizationsPath = "app_metadata.org.id";
    }

    public static async Task<ImportScenario> CreateAsync(int users, int seed = 7)
    {
        var directory = new TempDirectory();
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { UserCount = users, Seed = seed });
        string usersPath = directory.File("users.ndjson");
        string passwordsPath = directory.File("passwords.ndjson");
        await generator.WriteUsersNdjsonAsync(usersPath, gzip: false);
        await generator.WritePasswordHashesAsync(passwordsPath, gzip: false);

        var capture = new CapturingImporter();
        var offline = new MigrationBuilder()
            .Configure(o =>
            {
                ConfigureMapping(o);
                o.OutputDirectory = directory.File("expected");
            })
            .UseImporter(capture)
            .Build();
        await offline.RunAsync(usersPath, passwordsPath);
        return new ImportScenario(directory, usersPath, passwordsPath, capture.Users);
    }

    public static KindeApiOptions ApiOptions(KindeEmulator emulator, Action<KindeApiOptions>? configure = null)
    {
        var options = new KindeApiOptions
        {
            Domain = emulator.BaseAddress,
            ClientId = emulator.Options.ClientId,
            ClientSecret = emulator.Options.ClientSecret,
            RequestsPerSecond = null,
        };
        configure?.Invoke(options);
        return options;
    }

    public async Task<(MigrationReport Report, string? RunId)> MigrateAsync(
        KindeEmulator emulator,
        MigrationMode mode = MigrationMode.WithPasswords,
        Action<KindeApiImportOptions>? configure = null,
        Action<KindeApiOptions>? configureApi = null,
        bool dryRun = false,
        IProgress<MigrationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var options = new KindeApiImportOptions { LedgerPath = LedgerPath, RunDescription = "test " + mode };
        configure?.Invoke(options);
        using var importer = KindeApiImporter.Create(ApiOptions(emulator, configureApi), options, dryRun);
        ClearReports();
        var runner = new MigrationBuilder()
            .Configure(o =>
            {
                ConfigureMapping(o);
                o.Mode = mode;
                o.OutputDirectory = Output;
            })
            .UseImporter(importer)
            .Build();
        var report = await runner.RunAsync(UsersPath, PasswordsPath, progress, cancellationToken);
        return (report, importer.RunId);
    }

    /// <summary>A re-run writes its reports afresh; the ledger is what carries over.</summary>
    public void ClearReports()
    {
        System.IO.Directory.CreateDirectory(Output);
        foreach (string file in new[] { "report.json", "rejected.ndjson", "failed.ndjson" })
        {
            File.Delete(Path.Combine(Output, file));
        }
    }

    public void Dispose() => Directory.Dispose();
}
