using System.ComponentModel.DataAnnotations;

namespace Kinde.Migration.Target.Files;

/// <summary>Options for <see cref="KindeImportFileWriter"/>.</summary>
public sealed class KindeImportFileOptions
{
    /// <summary>The default <see cref="MaxFileBytes"/>: 20 MiB (Kinde currently accepts files up to 49 MB).</summary>
    public const long DefaultMaxFileBytes = 20 * 1024 * 1024;

    /// <summary>The smallest allowed <see cref="MaxFileBytes"/>: 1 KiB.</summary>
    public const long MinMaxFileBytes = 1024;

    /// <summary>The default <see cref="FilePrefix"/>: <c>users</c>.</summary>
    public const string DefaultFilePrefix = "users";

    /// <summary>Gets or sets the directory the files are written to. It is created (owner-only on Unix) when it does
    /// not exist.</summary>
    [Required]
    public required string OutputDirectory { get; set; }

    /// <summary>Gets or sets the file format.</summary>
    /// <value>The default value is <see cref="KindeImportFileFormat.NdJson"/>.</value>
    public KindeImportFileFormat Format { get; set; } = KindeImportFileFormat.NdJson;

    /// <summary>Gets or sets the largest size of one file in bytes. A new file is started when the next user would
    /// make the current one larger; a single user larger than this goes alone into its own file.</summary>
    /// <value>The default value is 20 MiB; at least 1024.</value>
    [Range(MinMaxFileBytes, long.MaxValue)]
    public long MaxFileBytes { get; set; } = DefaultMaxFileBytes;

    /// <summary>Gets or sets the start of every file name: files are named <c>{prefix}-0001.ndjson</c>,
    /// <c>{prefix}-0002.ndjson</c>, … (or <c>.csv</c>).</summary>
    /// <value>The default value is <c>users</c>.</value>
    [Required]
    public string FilePrefix { get; set; } = DefaultFilePrefix;

    /// <summary>Throws when an option is out of range.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDirectory))
        {
            throw new ArgumentException("OutputDirectory is required.", nameof(OutputDirectory));
        }

        if (!Enum.IsDefined(Format))
        {
            throw new ArgumentOutOfRangeException(nameof(Format), Format, "Unknown import file format.");
        }

        if (MaxFileBytes < MinMaxFileBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, $"MaxFileBytes must be at least {MinMaxFileBytes}.");
        }

        if (string.IsNullOrWhiteSpace(FilePrefix)
            || FilePrefix.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
            || FilePrefix.Contains('/', StringComparison.Ordinal)
            || FilePrefix.Contains('\\', StringComparison.Ordinal)
            || FilePrefix is "." or "..")
        {
            throw new ArgumentException("FilePrefix must be a non-empty file name without path separators.", nameof(FilePrefix));
        }
    }
}
