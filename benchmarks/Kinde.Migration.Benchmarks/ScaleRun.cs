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
    private static bool s_discard;
    private static bool s_noHashes;
    private static bool s_allocations;
    private static int s_rounds = 2;
    private static int? s_channel;
    private static long? s_hashMemory;
    private static string? s_hashes;
    private static string? s_out;
    private static Kinde.Migration.Pipeline.MigrationMode s_mode = Kinde.Migration.Pipeline.MigrationMode.WithPasswords;

    public static async Task<int> RunAsync(string[] args)
    {
        int users = 1_000_000;
        double? databaseFraction = null;
        bool convert = false;
        string dir = Path.Combine(Path.GetTempPath(), "kinde-scale");
        if (args.Length > 0 && args[0] == "convert")
        {
            convert = true;
            args = args[1..];
        }

        for (int i = 0; i < args.Length - 1; i += 2)
        {
            switch (args[i])
            {
                case "--users": users = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--dir": dir = args[i + 1]; break;
                case "--database-fraction": databaseFraction = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--discard": s_discard = args[i + 1] == "true"; break;
                case "--no-hashes": s_noHashes = args[i + 1] == "true"; break;
                case "--mode": s_mode = Enum.Parse<Kinde.Migration.Pipeline.MigrationMode>(args[i + 1], ignoreCase: true); break;
                case "--map-only": break;
                case "--out": s_out = args[i + 1]; break;
                case "--index-only": break;
                case "--join-only": break;
                case "--allocations": s_allocations = args[i + 1] == "true"; break;
                case "--rounds": s_rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--channel": s_channel = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--hash-memory-mib": s_hashMemory = long.Parse(args[i + 1], CultureInfo.InvariantCulture) << 20; break;
                case "--hashes": s_hashes = args[i + 1]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        Directory.CreateDirectory(dir);
        string suffix = databaseFraction is { } f ? $"-db{f.ToString(CultureInfo.InvariantCulture)}" : "";
        string path = Path.Combine(dir, $"users-{users}{suffix}.ndjson.gz");
        string hashes = s_hashes ?? Path.Combine(dir, $"hashes-{users}{suffix}.ndjson.gz");
        var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 42, UserCount = users, DatabaseFraction = databaseFraction });
        if (!File.Exists(path))
        {
            var sw = Stopwatch.StartNew();
            var summary = await generator.WriteUsersNdjsonAsync(path, gzip: true);
            Console.WriteLine($"generated {summary} in {sw.Elapsed.TotalSeconds:F1} s");
        }

        if (args.Contains("--index-only"))
        {
            for (int run = 1; run <= 4; run++)
            {
                await MeasureAsync(async () =>
                {
                    using var index = new Kinde.Migration.Joining.PasswordHashIndex(32L << 20, dir);
                    await using var source = await ExportSource.OpenAsync(hashes);
                    await index.AddAllAsync(new PasswordHashReader(), source, default);
                    return index.Count;
                }, "index hashes");
                await MeasureAsync(() => DecompressAsync(hashes), "decompress hashes only");
            }

            return 0;
        }

        if (args.Contains("--join-only"))
        {
            // The single pass's join alone (what the map stage does per user before mapping), over users held in memory.
            var all = new List<Kinde.Migration.Auth0.Auth0User?>();
            await using (var source = await ExportSource.OpenAsync(path))
            {
                await foreach (var record in new Auth0UserReader().ReadAsync(source))
                {
                    all.Add(record.Value);
                }
            }

            for (int round = 1; round <= 3; round++)
            {
                using var index = new Kinde.Migration.Joining.PasswordHashIndex(32L << 20, dir);
                await using (var source = await ExportSource.OpenAsync(hashes))
                {
                    await index.AddAllAsync(new PasswordHashReader(), source, default);
                }

                var emails = new Kinde.Migration.Joining.EmailKeyLog();
                TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                var sw = Stopwatch.StartNew();
                long joined = 0;
                foreach (var user in all)
                {
                    var lookup = index.LookUp(user);
                    emails.Add(lookup.Email);
                    var join = index.ClaimAndResolve(lookup);
                    joined += join.Hash?.PasswordHash.Length > 0 ? 1 : 0;
                }

                Console.WriteLine($"join round {round}: {sw.Elapsed.TotalSeconds:F2} s, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F2} CPU-s, " +
                    $"{(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)all.Count:N0} B/user, {joined:N0} joined");
            }

            return 0;
        }

        if (args.Contains("--map-only"))
        {
            var list = new List<Kinde.Migration.Auth0.Auth0User>();
            await using (var source = await ExportSource.OpenAsync(path))
            {
                await foreach (var record in new Auth0UserReader().ReadAsync(source))
                {
                    if (record.Value is { } u && list.Count < 200_000)
                    {
                        list.Add(u);
                    }
                }
            }

            // Three rounds, the last one reported: the first runs tier-0 code.
            for (int round = 1; round <= 3; round++)
            {
                var mapper = new Kinde.Migration.Mapping.DefaultUserMapper(new Kinde.Migration.Mapping.MappingOptions());
                var validator = new Kinde.Migration.Validation.KindeUserValidator();
                var ctx = new Kinde.Migration.Mapping.MappingContext(Kinde.Migration.Pipeline.MigrationMode.WithPasswords, default, _ => { }, (_, _) => { });
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                var sw = Stopwatch.StartNew();
                var mapped = new List<Kinde.Migration.Target.KindeUser>();
                foreach (var u in list)
                {
                    var r = await mapper.MapAsync(u, ctx);
                    if (r.User is { } k)
                    {
                        mapped.Add(k);
                    }
                }

                Console.WriteLine($"round {round}");
                Console.WriteLine($"map: {list.Count / sw.Elapsed.TotalSeconds:N0} users/s, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / list.Count:N0} B/user");
                allocated = GC.GetTotalAllocatedBytes(precise: true);
                sw.Restart();
                int bad = 0;
                foreach (var k in mapped)
                {
                    bad += validator.Validate(k).Count > 0 ? 1 : 0;
                }

                Console.WriteLine($"validate: {mapped.Count / sw.Elapsed.TotalSeconds:N0} users/s, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / mapped.Count:N0} B/user ({bad} invalid)");
                using var encoder = new Kinde.Migration.Target.Files.Internal.NdJsonUserEncoder();
                var buffer = new System.Buffers.ArrayBufferWriter<byte>(1 << 16);
                var warnings = new Kinde.Migration.Target.Files.Internal.WarningSet();
                allocated = GC.GetTotalAllocatedBytes(precise: true);
                sw.Restart();
                long bytes = 0;
                foreach (var k in mapped)
                {
                    encoder.Encode(k, buffer, warnings);
                    bytes += buffer.WrittenCount;
                    buffer.ResetWrittenCount();
                }

                Console.WriteLine($"encode: {mapped.Count / sw.Elapsed.TotalSeconds:N0} users/s, {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / mapped.Count:N0} B/user ({bytes / mapped.Count} B/line)");
            }

            return 0;
        }

        if (convert)
        {
            if (!File.Exists(hashes))
            {
                Console.WriteLine($"generated {await generator.WritePasswordHashesAsync(hashes, gzip: true)}");
            }

            return await ConvertAsync(path, hashes, dir);
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

            var plain = await MeasureAsync(async () => await DecompressAsync(path) / 600);
            Console.WriteLine($"  decompress only {plain.Seconds:F2} s");
            Console.WriteLine(
                $"run {run}: baseline {baseline.Records / baseline.Seconds:N0} rec/s ({baseline.Seconds:F2} s, {baseline.AllocatedPerRecord:N0} B/rec) | " +
                $"reader {reader.Records / reader.Seconds:N0} users/s ({reader.Seconds:F2} s, {reader.AllocatedPerRecord:N0} B/user) | " +
                $"ratio {baseline.Seconds / reader.Seconds:F2}x");
        }

        return 0;
    }

    /// <summary>Decompresses <paramref name="path"/> and nothing else; returns its plain length.</summary>
    private static async Task<long> DecompressAsync(string path)
    {
        await using var source = await ExportSource.OpenAsync(path);
        byte[] buffer = new byte[1 << 20];
        long bytes = 0;
        int read;
        while ((read = await source.Content.ReadAsync(buffer)) > 0)
        {
            bytes += read;
        }

        return bytes;
    }

    /// <summary>End to end (join, map, validate, write NDJSON import files) next to reading the users alone, in one process.</summary>
    private static async Task<int> ConvertAsync(string users, string hashes, string dir)
    {
        Console.WriteLine($"users: {users}; hashes: {hashes}");
        var ratios = new List<double>();
        for (int run = 1; run <= s_rounds; run++)
        {
            using var readSampler = s_allocations && run == 2 ? new AllocationSampler() : null;
            readSampler?.Start();
            var read = await MeasureAsync(async () =>
            {
                await using var source = await ExportSource.OpenAsync(users);
                long n = 0;
                await foreach (var record in new Auth0UserReader().ReadAsync(source))
                {
                    n += record.IsSuccess ? 1 : 0;
                }

                return n;
            }, "read only");
            readSampler?.Print(read.Records, top: 12);
            readSampler?.Dispose();

            // --out keeps concurrent runs (other worktrees) from deleting each other's output.
            string output = s_out ?? Path.Combine(dir, "convert-out");
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }

            Kinde.Migration.Pipeline.MigrationReport? report = null;
            var phases = new List<(string Phase, double Seconds)>();
            var clock = Stopwatch.StartNew();
            var progress = new PhaseClock(phases, clock);
            using var sampler = s_allocations && run == 2 ? new AllocationSampler() : null;
            sampler?.Start();
            var convert = await MeasureAsync(async () =>
            {
                var builder = new Kinde.Migration.Pipeline.MigrationBuilder().Configure(o => { o.OutputDirectory = output; o.Mode = s_mode; o.ChannelCapacity = s_channel ?? o.ChannelCapacity; o.HashIndexMemoryBytes = s_hashMemory ?? o.HashIndexMemoryBytes; });
                if (s_discard)
                {
                    builder.UseImporter(new DiscardImporter());
                }

                report = await builder.Build().RunAsync(users, s_noHashes ? null : hashes, progress);
                return report.UsersRead;
            }, "convert");
            sampler?.Print(convert.Records);
            Console.WriteLine($"  GC: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}, paused {GC.GetTotalPauseDuration().TotalSeconds:F2} s (process totals)");
            Console.WriteLine("  phases (start, s): " + string.Join(", ", phases.Select(p => $"{p.Phase} {p.Seconds:F2}")));

            Console.WriteLine(
                $"run {run}: read-only {read.Records / read.Seconds:N0} users/s ({read.Seconds:F2} s) | " +
                $"convert {convert.Records / convert.Seconds:N0} users/s ({convert.Seconds:F2} s, {convert.AllocatedPerRecord:N0} B/user) | " +
                $"ratio {read.Seconds / convert.Seconds:F2}x | accepted {report!.UsersAccepted:N0}, merged {report.UsersMerged:N0}, rejected {report.UsersRejected:N0}, " +
                $"hashes {report.HashesRead:N0} read / {report.HashesJoined:N0} joined");
            if (run > 1)
            {
                ratios.Add(read.Seconds / convert.Seconds);
            }
        }

        if (ratios.Count > 1)
        {
            ratios.Sort();
            Console.WriteLine($"warm rounds: ratio median {ratios[ratios.Count / 2]:F2}x, range {ratios[0]:F2} – {ratios[^1]:F2}x");
        }

        return 0;
    }

    /// <summary>Consumes users and writes nothing: separates the pipeline's cost from the file writer's.</summary>
    private sealed class DiscardImporter : Kinde.Migration.Pipeline.IKindeImporter
    {
        public async Task<Kinde.Migration.Pipeline.KindeImportResult> ImportAsync(IAsyncEnumerable<Kinde.Migration.Target.KindeUser> users, Kinde.Migration.Pipeline.KindeImportContext context, CancellationToken cancellationToken = default)
        {
            await foreach (var user in users.WithCancellation(cancellationToken))
            {
                GC.KeepAlive(user);
            }

            return new Kinde.Migration.Pipeline.KindeImportResult();
        }
    }

    private sealed class PhaseClock(List<(string Phase, double Seconds)> phases, Stopwatch clock) : IProgress<Kinde.Migration.Pipeline.MigrationProgress>
    {
        public void Report(Kinde.Migration.Pipeline.MigrationProgress value)
        {
            lock (phases)
            {
                if (phases.Count == 0 || phases[^1].Phase != value.Phase)
                {
                    phases.Add((value.Phase, clock.Elapsed.TotalSeconds));
                }
            }
        }
    }

    /// <summary>Times <paramref name="work"/>; the CPU time (all threads) is printed too: on a shared machine it is
    /// steadier than the elapsed time.</summary>
    private static async Task<(long Records, double Seconds, double AllocatedPerRecord)> MeasureAsync(Func<Task<long>> work, string name = "")
    {
        GC.Collect();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        long records = await work();
        double seconds = sw.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double perRecord = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(records, 1);
        Console.WriteLine($"  {seconds:F2} s elapsed, {cpuSeconds:F2} s CPU, {name}");
        return (records, seconds, perRecord);
    }
}
