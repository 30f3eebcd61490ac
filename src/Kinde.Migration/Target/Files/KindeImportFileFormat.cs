namespace Kinde.Migration.Target.Files;

/// <summary>The Kinde dashboard import format a <see cref="KindeImportFileWriter"/> writes.</summary>
public enum KindeImportFileFormat
{
    /// <summary>Kinde's "Custom NDJSON" import: one JSON object per user per line (<c>.ndjson</c>). It holds every
    /// identity (social ones too), user properties and per-organization roles and permissions.</summary>
    NdJson,

    /// <summary>Kinde's "Custom CSV" import (<c>.csv</c>): one row per user and organization. It holds only the first
    /// email, phone and username identity and no user properties.</summary>
    Csv,
}
