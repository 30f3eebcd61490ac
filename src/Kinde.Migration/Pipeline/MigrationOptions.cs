using System.ComponentModel.DataAnnotations;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Mapping;
using Kinde.Migration.Validation;

namespace Kinde.Migration.Pipeline;

/// <summary>Options of a migration run; bind them from configuration (section <c>KindeMigration</c>).</summary>
public sealed class MigrationOptions
{
    /// <summary>The default configuration section name.</summary>
    public const string SectionName = "KindeMigration";

    /// <summary>Gets or sets the migration approach.</summary>
    /// <value>The default value is <see cref="MigrationMode.WithPasswords"/>.</value>
    public MigrationMode Mode { get; set; } = MigrationMode.WithPasswords;

    /// <summary>Gets or sets where the run writes its files (import files, <c>rejected.ndjson</c>, <c>report.json</c>).</summary>
    /// <value>The default value is <c>kinde-import</c>.</value>
    [Required]
    public string OutputDirectory { get; set; } = "kinde-import";

    /// <summary>Gets or sets what happens to users sharing an email.</summary>
    /// <value>The default value is <see cref="DuplicateEmailPolicy.Merge"/>.</value>
    public DuplicateEmailPolicy DuplicateEmails { get; set; } = DuplicateEmailPolicy.Merge;

    /// <summary>Gets or sets how many bytes of password-hash records the join keeps in memory; the records beyond them
    /// spill to an owner-only temporary file.</summary>
    /// <remarks>Records are kept in a compact binary form, about 200 bytes for a bcrypt record of an Auth0 export
    /// (half its JSON text), so the default holds about 170,000 in memory. A spilled record costs a small read whenever
    /// a user needs it out of the hash export's order (users exported in another order than the hashes): raise this
    /// when memory allows, about 200 bytes a hash record. Beyond this threshold the join's memory
    /// still grows, but only by its index: about 64 bytes a hash record, and about 30 bytes a user (more with
    /// organizations or many metadata keys) when converting into import files in one pass; 12 bytes a user, plus 32
    /// while the user export is first read, for the two-pass importers.</remarks>
    /// <value>The default value is 32 MiB.</value>
    [Range(0, long.MaxValue)]
    public long HashIndexMemoryBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Gets or sets where the join spills; the output directory when <see langword="null"/>.</summary>
    public string? TempDirectory { get; set; }

    /// <summary>Gets or sets how many records may wait between two stages. Small is better: records in flight survive
    /// garbage collections and get promoted; measured at a million users, 1024 caused ten times the gen1 collections
    /// of 64, for no throughput gain.</summary>
    /// <value>The default value is 64.</value>
    [Range(2, 1_000_000)]
    public int ChannelCapacity { get; set; } = 64;

    /// <summary>Gets the export reader options.</summary>
    public Auth0ReaderOptions Reader { get; } = new();

    /// <summary>Gets the default mapper's options.</summary>
    public MappingOptions Mapping { get; } = new();

    /// <summary>Gets the validation options.</summary>
    public KindeValidationOptions Validation { get; } = new();
}
