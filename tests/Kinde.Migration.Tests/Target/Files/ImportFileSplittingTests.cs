using System.Text.Json;
using Kinde.Migration.Target;
using Kinde.Migration.Target.Files;

namespace Kinde.Migration.Tests.Target.Files;

public class ImportFileSplittingTests : ImportFileTestBase
{
    [TestCase(KindeImportFileFormat.NdJson)]
    [TestCase(KindeImportFileFormat.Csv)]
    public async Task SmallLimit_SplitsIntoSeveralFiles_NoneOverTheLimit_UsersNeverSplit(KindeImportFileFormat format)
    {
        List<KindeUser> users = ManyUsers(50);
        var (paths, writer) = await WriteAllAsync(Options(format, maxFileBytes: 1024), users);

        Assert.That(paths, Has.Count.GreaterThan(2));
        string ext = format == KindeImportFileFormat.Csv ? "csv" : "ndjson";
        Assert.That(paths.Select(Path.GetFileName), Is.EqualTo(Enumerable.Range(1, paths.Count).Select(i => $"users-{i:D4}.{ext}")));
        Assert.That(paths, Has.All.Matches<string>(p => Path.IsPathFullyQualified(p) && Path.GetDirectoryName(p) == Path.GetFullPath(Dir)));
        Assert.That(paths.Select(p => new FileInfo(p).Length), Has.All.LessThanOrEqualTo(1024).And.All.GreaterThan(0));
        Assert.That(Directory.GetFiles(Dir), Is.EquivalentTo(paths));

        List<List<string>> idsPerFile = paths.Select(p => UserIdsIn(p, format)).ToList();
        Assert.That(idsPerFile, Has.All.Not.Empty);
        // Users in order, each in exactly one file (all of a CSV user's rows are consecutive in one file).
        Assert.That(idsPerFile.SelectMany(ids => ids.Distinct()), Is.EqualTo(users.Select(u => u.Id)));
        Assert.That(writer.UsersWritten, Is.EqualTo(50));
        Assert.That(writer.Warnings.ContainsKey(KindeImportWarnings.UserExceedsMaxFileBytes), Is.False);

        // Each file is as full as it can be: the first user of the next file would not have fitted.
        for (int i = 0; i + 1 < paths.Count; i++)
        {
            long size = new FileInfo(paths[i]).Length;
            long nextUser = FirstUserBytes(paths[i + 1], format);
            Assert.That(size + nextUser, Is.GreaterThan(1024), $"file {i + 1}");
        }
    }

    [TestCase(KindeImportFileFormat.NdJson)]
    [TestCase(KindeImportFileFormat.Csv)]
    public async Task OversizeUser_GoesAloneIntoItsOwnFile_AndIsCounted(KindeImportFileFormat format)
    {
        List<KindeUser> users = ManyUsers(20);
        users[10].FirstName = new string('x', 3000);
        var (paths, writer) = await WriteAllAsync(Options(format, maxFileBytes: 1024), users);

        List<List<string>> idsPerFile = paths.Select(p => UserIdsIn(p, format).Distinct().ToList()).ToList();
        int index = idsPerFile.FindIndex(ids => ids.Contains(users[10].Id!));
        Assert.That(idsPerFile[index], Is.EqualTo(new[] { users[10].Id }));
        Assert.That(new FileInfo(paths[index]).Length, Is.GreaterThan(3000));
        Assert.That(paths.Where((_, i) => i != index).Select(p => new FileInfo(p).Length), Has.All.LessThanOrEqualTo(1024));
        Assert.That(idsPerFile.SelectMany(ids => ids), Is.EqualTo(users.Select(u => u.Id)));
        Assert.That(writer.Warnings[KindeImportWarnings.UserExceedsMaxFileBytes], Is.EqualTo(1));
    }

    [Test]
    public async Task UserExactlyFillingTheLimit_IsNotSplitOrWarned()
    {
        // Find the size of one line, then set the limit to exactly two lines.
        var probe = await WriteAllAsync(Options(KindeImportFileFormat.NdJson, directory: Path.Combine(Dir, "probe")), [Padded(0)]);
        long lineBytes = new FileInfo(probe.Paths[0]).Length;
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.NdJson, maxFileBytes: lineBytes * 2), Enumerable.Range(0, 5).Select(Padded));

        Assert.That(paths.Select(p => new FileInfo(p).Length), Is.EqualTo(new[] { lineBytes * 2, lineBytes * 2, lineBytes }));
        Assert.That(writer.Warnings, Is.Empty);

        KindeUser Padded(int i) => new() { Id = $"auth0|{i}", FirstName = new string('p', 1100) };
    }

    [TestCase(KindeImportFileFormat.NdJson)]
    [TestCase(KindeImportFileFormat.Csv)]
    public async Task TwoRuns_ProduceByteIdenticalFiles(KindeImportFileFormat format)
    {
        var first = await WriteAllAsync(Options(format, maxFileBytes: 4096, directory: Path.Combine(Dir, "a")), ManyUsers(80));
        var second = await WriteAllAsync(Options(format, maxFileBytes: 4096, directory: Path.Combine(Dir, "b")), ManyUsers(80));

        Assert.That(first.Paths.Select(Path.GetFileName), Is.EqualTo(second.Paths.Select(Path.GetFileName)));
        Assert.That(first.Paths, Has.Count.GreaterThan(1));
        for (int i = 0; i < first.Paths.Count; i++)
        {
            Assert.That(File.ReadAllBytes(second.Paths[i]), Is.EqualTo(File.ReadAllBytes(first.Paths[i])), first.Paths[i]);
        }
    }

    [Test]
    public async Task PropertyInsertionOrderDoesNotChangeTheBytes()
    {
        var a = new KindeUser { Id = "auth0|1" };
        a.Properties["b"] = "2";
        a.Properties["a"] = "1";
        var b = new KindeUser { Id = "auth0|1" };
        b.Properties["a"] = "1";
        b.Properties["b"] = "2";
        var first = await WriteAllAsync(Options(KindeImportFileFormat.NdJson, directory: Path.Combine(Dir, "a")), [a]);
        var second = await WriteAllAsync(Options(KindeImportFileFormat.NdJson, directory: Path.Combine(Dir, "b")), [b]);

        Assert.That(File.ReadAllBytes(second.Paths[0]), Is.EqualTo(File.ReadAllBytes(first.Paths[0])));
    }

    [TestCase(KindeImportFileFormat.NdJson)]
    [TestCase(KindeImportFileFormat.Csv)]
    public async Task EveryFileIsReadableAndWritableByTheOwnerOnly(KindeImportFileFormat format)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes do not apply on Windows.");
            return;
        }

        string directory = Path.Combine(Dir, "new", "nested");
        var (paths, _) = await WriteAllAsync(Options(format, maxFileBytes: 1024, directory: directory), ManyUsers(30));

        Assert.That(paths, Has.Count.GreaterThan(1));
        foreach (string path in paths)
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), path);
        }

        Assert.That(File.GetUnixFileMode(directory), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public async Task NoUsers_LeavesOneHeaderOnlyCsv()
    {
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.Csv), []);

        Assert.That(paths, Has.Count.EqualTo(1));
        Assert.That(ReadLines(paths[0]), Has.Length.EqualTo(1));
        Assert.That(writer.UsersWritten, Is.Zero);
        Assert.That(writer.RowsWritten, Is.Zero);
    }

    [Test]
    public async Task FilesOfAnEarlierRun_AreNotOverwritten()
    {
        await File.WriteAllTextAsync(Path.Combine(Dir, "users-0003.ndjson"), "old\n");
        await File.WriteAllTextAsync(Path.Combine(Dir, "users-0001.csv"), "other format\n");
        await File.WriteAllTextAsync(Path.Combine(Dir, "users-notes.ndjson"), "not a part\n");

        Assert.That(async () => await KindeImportFileWriter.CreateAsync(Options(KindeImportFileFormat.NdJson)),
            Throws.InstanceOf<IOException>().With.Message.Contains("users-0003.ndjson"));
        await using var other = await KindeImportFileWriter.CreateAsync(new KindeImportFileOptions { OutputDirectory = Dir, FilePrefix = "batch2" });
        Assert.That(await other.CompleteAsync(), Is.EqualTo(new[] { Path.Combine(Path.GetFullPath(Dir), "batch2-0001.ndjson") }));
        Assert.That(await File.ReadAllTextAsync(Path.Combine(Dir, "users-0003.ndjson")), Is.EqualTo("old\n"));
    }

    [TestCase(1023L)]
    [TestCase(0L)]
    [TestCase(-1L)]
    public void MaxFileBytesBelow1024_IsRejected(long maxFileBytes)
    {
        Assert.That(async () => await KindeImportFileWriter.CreateAsync(Options(KindeImportFileFormat.NdJson, maxFileBytes)),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [TestCase("")]
    [TestCase("a/b")]
    [TestCase("..")]
    public void BadPrefix_IsRejected(string prefix)
    {
        Assert.That(async () => await KindeImportFileWriter.CreateAsync(new KindeImportFileOptions { OutputDirectory = Dir, FilePrefix = prefix }),
            Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void OptionDefaults()
    {
        var options = new KindeImportFileOptions { OutputDirectory = "out" };
        Assert.That(options.Format, Is.EqualTo(KindeImportFileFormat.NdJson));
        Assert.That(options.MaxFileBytes, Is.EqualTo(20 * 1024 * 1024));
        Assert.That(options.FilePrefix, Is.EqualTo("users"));
    }

    [Test]
    public async Task WriteAfterComplete_Throws_CompleteTwiceReturnsTheSamePaths()
    {
        await using var writer = await KindeImportFileWriter.CreateAsync(Options(KindeImportFileFormat.NdJson));
        await writer.WriteAsync(SampleUser());
        IReadOnlyList<string> paths = await writer.CompleteAsync();

        Assert.That(async () => await writer.WriteAsync(SampleUser()), Throws.InvalidOperationException);
        Assert.That(await writer.CompleteAsync(), Is.EqualTo(paths));
    }

    [Test]
    public async Task CancelledWrite_WritesNothing()
    {
        await using var writer = await KindeImportFileWriter.CreateAsync(Options(KindeImportFileFormat.NdJson));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Assert.That(async () => await writer.WriteAsync(SampleUser(), cts.Token), Throws.InstanceOf<OperationCanceledException>());
        await writer.WriteAsync(SampleUser());
        IReadOnlyList<string> paths = await writer.CompleteAsync();
        Assert.That(ReadLines(paths[0]), Has.Length.EqualTo(1));
        Assert.That(writer.UsersWritten, Is.EqualTo(1));
    }

    private static List<string> UserIdsIn(string path, KindeImportFileFormat format)
    {
        if (format == KindeImportFileFormat.NdJson)
        {
            return ReadLines(path).Select(line =>
            {
                using var doc = JsonDocument.Parse(line);
                return doc.RootElement.GetProperty("id").GetString()!;
            }).ToList();
        }

        List<string[]> rows = ReadCsv(path);
        Assert.That(rows[0][0], Is.EqualTo("id"), "every CSV file starts with the header");
        return rows.Skip(1).Select(r => r[0]).ToList();
    }

    private static long FirstUserBytes(string path, KindeImportFileFormat format)
    {
        List<string> ids = UserIdsIn(path, format);
        string[] lines = ReadLines(path);
        // Sample data has no line breaks inside values, so a line is a row.
        IEnumerable<string> userLines = format == KindeImportFileFormat.NdJson
            ? lines.Take(1)
            : lines.Skip(1).Take(ids.TakeWhile(id => id == ids[0]).Count());
        return userLines.Sum(l => System.Text.Encoding.UTF8.GetByteCount(l) + 1);
    }
}
