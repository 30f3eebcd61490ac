using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Testing;

namespace Kinde.Migration.Benchmarks;

/// <summary>Reading 10,000 generated users from gzip NDJSON held in memory, against the tokenize-only floor.</summary>
[MemoryDiagnoser]
public class NdjsonReaderBenchmarks
{
    private byte[] _gzip = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        string path = Path.Combine(Path.GetTempPath(), "kinde-bench-10k.ndjson.gz");
        await new Auth0ExportGenerator(new Auth0ExportGeneratorOptions { Seed = 7, UserCount = 10_000 }).WriteUsersNdjsonAsync(path, gzip: true);
        _gzip = await File.ReadAllBytesAsync(path);
        File.Delete(path);
    }

    [Benchmark(Baseline = true)]
    public Task<long> GunzipAndTokenize() =>
        TokenizeBaseline.CountRecordsAsync(new GZipStream(new MemoryStream(_gzip), CompressionMode.Decompress));

    [Benchmark]
    public async Task<long> Auth0UserReader()
    {
        await using var source = await ExportSource.OpenAsync(new MemoryStream(_gzip), "bench");
        long ok = 0;
        await foreach (var record in new Auth0UserReader().ReadAsync(source))
        {
            ok += record.IsSuccess ? 1 : 0;
        }

        return ok;
    }
}
