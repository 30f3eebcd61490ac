namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>A record-level problem found while parsing; turned into an <see cref="ExportReadError"/>, never thrown to callers.</summary>
internal sealed class RecordException(string? field, string reason) : Exception(reason)
{
    public string? Field { get; } = field;
}
