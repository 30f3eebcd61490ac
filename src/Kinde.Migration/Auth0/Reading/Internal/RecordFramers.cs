namespace Kinde.Migration.Auth0.Reading.Internal;

internal static class RecordFramers
{
    public static IRecordFramer Create(ExportSource source, int maxRecordBytes, KeyResolver keys) => source.Format switch
    {
        ExportFormat.NdJson => new NdjsonFramer(source.Content, maxRecordBytes),
        ExportFormat.JsonArray => new JsonArrayFramer(source.Content, maxRecordBytes),
        ExportFormat.Csv => new DelimitedFramer(source.Content, tabSeparated: false, maxRecordBytes, keys),
        ExportFormat.TabSeparated => new DelimitedFramer(source.Content, tabSeparated: true, maxRecordBytes, keys),
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };
}
