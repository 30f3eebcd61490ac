using Kinde.Migration.Tests.Helpers;
using Microsoft.Extensions.Configuration;
using MyCompany.Migration;

namespace Kinde.Migration.Tests.Samples;

/// <summary>The README's code sample compiles (it is ReadmeSample.cs, word for word) and does what the README says.</summary>
public class ReadmeSampleTests
{
    private static string RepositoryFile(string relative)
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Kinde.Migration.sln")))
        {
            directory = directory.Parent;
        }

        Assert.That(directory, Is.Not.Null, "the repository root");
        return File.ReadAllText(Path.Combine(directory!.FullName, relative)).ReplaceLineEndings("\n");
    }

    [Test]
    public void Readme_ShowsTheCompiledSampleVerbatim()
    {
        string sample = RepositoryFile("tests/Kinde.Migration.Tests/Samples/ReadmeSample.cs").Trim();
        Assert.That(RepositoryFile("README.md"), Does.Contain("```csharp\n" + sample + "\n```"));
    }

    [Test]
    public async Task Sample_RunsTheMigrationWithBothMappers()
    {
        using var output = new TempDirectory();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["KindeMigration:OutputDirectory"] = output.Path })
            .Build();

        var report = await HostMigration.RunAsync(configuration, TestData.SampleUsers, TestData.SamplePasswords, CancellationToken.None);

        Assert.That(report.UsersRead, Is.EqualTo(8));
        Assert.That(report.UsersRejected, Is.EqualTo(2), "the SAML user without email, and the retired plan");
        string[] lines = await File.ReadAllLinesAsync(output.File("users-0001.ndjson"));
        Assert.That(lines, Has.Length.EqualTo(6));
        Assert.That(lines, Has.All.Contain("{\"key\":\"source\",\"value\":\"auth0\"}"));
        Assert.That(await File.ReadAllTextAsync(output.File("rejected.ndjson")), Does.Contain("the plan was retired"));
    }
}
