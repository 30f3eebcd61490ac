namespace Kinde.Migration.Auth0.Reading;

/// <summary>The layout of an export file, detected from its content (never from its name).</summary>
public enum ExportFormat
{
    /// <summary>One JSON object per line (the export job and the Import/Export extension since v2).</summary>
    NdJson,

    /// <summary>A JSON array of objects (legacy v1 extension, or a hand-converted export).</summary>
    JsonArray,

    /// <summary>Comma-separated values with a header row (the export job's CSV).</summary>
    Csv,

    /// <summary>Tab-separated values with a header row (legacy v1 extension "CSV").</summary>
    TabSeparated,
}
