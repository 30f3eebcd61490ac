using Kinde.Migration.Target;

namespace Kinde.Migration.Pipeline;

/// <summary>The sink of a migration: takes mapped, validated users and puts them into Kinde (as import files, or
/// through the Management API).</summary>
public interface IKindeImporter
{
    /// <summary>Consumes every user of <paramref name="users"/>.</summary>
    /// <param name="users">The users, in a deterministic order; the stream ends when the run has no more.</param>
    /// <param name="context">The run's mode and output directory.</param>
    /// <param name="cancellationToken">Stops the import.</param>
    /// <returns>What the importer did.</returns>
    Task<KindeImportResult> ImportAsync(IAsyncEnumerable<KindeUser> users, KindeImportContext context, CancellationToken cancellationToken = default);
}

/// <summary>What an importer needs to know about the run.</summary>
/// <param name="Mode">The migration approach.</param>
/// <param name="OutputDirectory">Where the run writes its files.</param>
public sealed record KindeImportContext(MigrationMode Mode, string OutputDirectory)
{
    /// <summary>Gets where an importer that works after reading (the Kinde API importer) reports its own progress
    /// (phase <c>importing</c>: users processed, imported, failed).</summary>
    public IProgress<MigrationProgress>? Progress { get; init; }
}

/// <summary>What an importer did.</summary>
public sealed class KindeImportResult
{
    /// <summary>Gets the files the importer wrote (full paths).</summary>
    public IList<string> Files { get; } = new List<string>();

    /// <summary>Gets named counters for the report (e.g. <c>passwords_set</c>, <c>imported</c>).</summary>
    public IDictionary<string, long> Counters { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Gets warnings by code, counted.</summary>
    public IDictionary<string, long> Warnings { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Gets the users the importer could not import: Auth0 <c>user_id</c> → reason. The runner writes their
    /// source records, with the reason, to <c>failed.ndjson</c> (same shape as <c>rejected.ndjson</c>, so the file can
    /// be fed back as input).</summary>
    public IDictionary<string, string> FailedUsers { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}
