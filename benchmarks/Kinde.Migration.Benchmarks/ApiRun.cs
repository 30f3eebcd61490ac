using System.Diagnostics;
using System.Globalization;
using Kinde.Migration.Importing;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Testing;
using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Benchmarks;

/// <summary>
/// <c>api --users N [--rate R] [--client-rate C] [--dir D]</c>: the Management API importer against the in-process
/// emulator (loopback). Every user has a password hash and metadata naming one of 50 organizations. Without <c>--rate</c> the
/// emulator is unlimited; with it the emulator answers 429 above R requests a second and the client limits itself to
/// C (default R).
/// </summary>
internal static class ApiRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        int users = 20_000;
        int? rate = null;
        double? clientRate = null;
        string dir = Path.Combine(Path.GetTempPath(), "kinde-api-bench");
        for (int i = 0; i < args.Length - 1; i += 2)
        {
            switch (args[i])
            {
                case "--users": users = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--rate": rate = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--client-rate": clientRate = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--dir": dir = args[i + 1]; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        Directory.CreateDirectory(dir);
        string usersPath = Path.Combine(dir, $"api-users-{users}-org50.ndjson");
        string hashesPath = Path.Combine(dir, $"api-hashes-{users}-org50.ndjson");
        if (!File.Exists(usersPath) || !File.Exists(hashesPath))
        {
            var generator = new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 42, UserCount = users, DatabaseFraction = 1.0, MetadataFraction = 1.0, OrganizationCount = 50 });
            await generator.WriteUsersNdjsonAsync(usersPath, gzip: false);
            await generator.WritePasswordHashesAsync(hashesPath, gzip: false);
        }

        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { RequestsPerSecond = rate, RecordRequests = true });
        string output = Path.Combine(dir, "out-" + Guid.NewGuid().ToString("N")[..8]);
        var apiOptions = new KindeApiOptions
        {
            Domain = emulator.BaseAddress,
            ClientId = emulator.Options.ClientId,
            ClientSecret = emulator.Options.ClientSecret,
            RequestsPerSecond = clientRate ?? rate,
        };
        using var importer = KindeApiImporter.Create(apiOptions, new KindeApiImportOptions());
        var runner = new MigrationBuilder()
            .Configure(o =>
            {
                o.OutputDirectory = output;
                o.Mapping.OrganizationsPath = "app_metadata.org.id";
            })
            .UseImporter(importer)
            .Build();

        var clock = Stopwatch.StartNew();
        var report = await runner.RunAsync(usersPath, hashesPath);
        double seconds = clock.Elapsed.TotalSeconds;
        long requests = report.ImporterCounters["requests"];
        long throttled = report.ImporterCounters["throttled_429"];
        long imported = report.ImporterCounters["imported"];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"users {report.UsersAccepted:N0} accepted, {imported:N0} imported, {report.ImporterCounters["failed"]} failed, {report.ImporterCounters["passwords_set"]:N0} passwords"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time {seconds:F1} s (whole run: read, join, map, spool, preflight, import)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"users/s {imported / seconds:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests {requests:N0} = {(double)requests / Math.Max(1, imported):F2} a user; 429s {throttled:N0} = {100.0 * throttled / Math.Max(1, requests):F2} %; retries {report.ImporterCounters["retries"]:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"achieved rate {requests / seconds:N0} requests/s{(rate is { } r ? $" = {requests / seconds / r:F2} R (R = {r}/s)" : "")}"));
        foreach (var operation in emulator.RecordedRequests
            .GroupBy(r => r.Method + " " + string.Join('/', r.Path.Split('/').Select(p => p.StartsWith("kp_", StringComparison.Ordinal) || p.StartsWith("org_", StringComparison.Ordinal) ? "{id}" : p)))
            .OrderByDescending(g => g.Count()))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {operation.Count(),9:N0}  {operation.Key}"));
        }

        Directory.Delete(output, recursive: true);
        return 0;
    }
}
