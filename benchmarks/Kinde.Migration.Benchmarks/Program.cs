using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

namespace Kinde.Migration.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- scale [options]</c> runs the whole-file scale measurements;
/// <c>-- api [options]</c> measures the Management API importer against the emulator;
/// anything else goes to BenchmarkDotNet (<c>-- --filter *</c>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "scale")
        {
            return await ScaleRun.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "api")
        {
            return await ApiRun.RunAsync(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(args, DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default));
        return 0;
    }
}
