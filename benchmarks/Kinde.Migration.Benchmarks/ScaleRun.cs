using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Testing;

namespace Kinde.Migration.Benchmarks;

/// <summary>
/// Whole-file measurements at scale: generates (once) an NDJSON.gz export of N users, then times, in one process,
/// the tokenize-only baseline and the real reader over the same file, each run three times (best kept).
/// </summary>
/// <remarks>Usage: <c>scale [--users N] [--dir DIR]</c>. Peak RSS of the CLI is measured separately with /usr/bin/time.</remarks>
internal static class ScaleRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        int users = 1_000_000;
        string dir = Path.Combine(Path.GetTempPath(), "kinde-scale");
        for (int i = 0; i < args.Length - 1; i += 2)
        {
            switch (args[i])
            {
                case "--users": users = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--dir": dir = args[i + 1]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"users-{users}.ndjson.gz");
        if (!File.Exists(path))
        {
            var sw = Stopwatch.StartNew();
            var summary = await new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 42, UserCount = users }).WriteUsersNdjsonAsync(path, gzip: true);
            Console.WriteLine($"generated {summary} in {sw.Elapsed.TotalSeconds:F1} s");
        }

        Console.WriteLine($"file: {path} ({new FileInfo(path).Length / 1048576.0:F1} MiB compressed)");
        for (int run = 1; run <= 3; run++)
        {
            var baseline = await MeasureAsync(async () =>
                await TokenizeBaseline.CountRecordsAsync(new GZipStream(File.OpenRead(path), CompressionMode.Decompress)));
            var reader = await MeasureAsync(async () =>
            {
                await using var source = await ExportSource.OpenAsync(path);
                long n = 0;
                await foreach (var record in new Auth0UserReader().ReadAsync(source))
                {
                    n += record.IsSuccess ? 1 : 0;
                }

                return n;
            });

            Console.WriteLine(
                $"run {run}: baseline {baseline.Records / baseline.Seconds:N0} rec/s ({baseline.Seconds:F2} s, {baseline.AllocatedPerRecord:N0} B/rec) | " +
                $"reader {reader.Records / reader.Seconds:N0} users/s ({reader.Seconds:F2} s, {reader.AllocatedPerRecord:N0} B/user) | " +
                $"ratio {baseline.Seconds / reader.Seconds:F2}x");
        }

        return 0;
    }

    private static async Task<(long Records, double Seconds, double AllocatedPerRecord)> MeasureAsync(Func<Task<long>> work)
    {
        GC.Collect();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        long records = await work();
        double seconds = sw.Elapsed.TotalSeconds;
        double perRecord = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(records, 1);
        return (records, seconds, perRecord);
    }
}
