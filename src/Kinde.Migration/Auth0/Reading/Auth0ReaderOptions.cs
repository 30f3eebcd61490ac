using System.ComponentModel.DataAnnotations;

namespace Kinde.Migration.Auth0.Reading;

/// <summary>Options for the Auth0 export readers.</summary>
public sealed class Auth0ReaderOptions
{
    /// <summary>The default <see cref="MaxRecordBytes"/>: 1 MiB.</summary>
    public const int DefaultMaxRecordBytes = 1024 * 1024;

    /// <summary>Gets or sets the largest record (line, array element or CSV row) read, in bytes; a larger one
    /// is rejected without being held in memory.</summary>
    /// <value>The default value is 1 MiB.</value>
    [Range(256, 512 * 1024 * 1024)]
    public int MaxRecordBytes { get; set; } = DefaultMaxRecordBytes;

    /// <summary>Gets the caller's key map for custom <c>export_as</c> names: export key → Auth0 attribute name,
    /// e.g. <c>"Mail" → "email"</c> or <c>"Theme" → "user_metadata.theme"</c>. Keys compare case-insensitively.</summary>
    public IDictionary<string, string> KeyMap { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}
