using System.Globalization;

namespace Kinde.Migration.Auth0.Reading;

/// <summary>What a position in an export counts.</summary>
public enum PositionKind
{
    /// <summary>A 1-based line number (JSON and NDJSON; for JSON arrays, the line where the element starts).</summary>
    Line,

    /// <summary>A 1-based CSV record number, the header being row 1 (as a spreadsheet shows it).</summary>
    Row,
}

/// <summary>A record that could not be read, with where it is and why.</summary>
/// <param name="Source">The file name (or stream name) the record came from.</param>
/// <param name="Position">The 1-based line or row of the record.</param>
/// <param name="Kind">Whether <paramref name="Position"/> is a line or a row.</param>
/// <param name="Field">The field at fault, when one is.</param>
/// <param name="Reason">Why the record was rejected. Never contains a password hash.</param>
public sealed record ExportReadError(string Source, long Position, PositionKind Kind, string? Field, string Reason)
{
    /// <summary>Gets the record's original text when it is safe to keep (user exports only, never hash exports).</summary>
    public string? RawRecord { get; init; }

    /// <summary>Formats the error as <c>file line N, field 'x': reason</c>.</summary>
    /// <returns>A message a person can act on.</returns>
    public override string ToString()
    {
        string where = string.Create(CultureInfo.InvariantCulture, $"{Source} {(Kind == PositionKind.Line ? "line" : "row")} {Position}");
        return Field is null ? $"{where}: {Reason}" : $"{where}, field '{Field}': {Reason}";
    }
}
