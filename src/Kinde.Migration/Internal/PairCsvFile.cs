using System.Text;
using CsvHelper;
using Kinde.Migration.Target.Files.Internal;

namespace Kinde.Migration.Internal;

/// <summary>Writes a two-column CSV file (<c>organizations.csv</c>, <c>idmap.csv</c>): owner-only, UTF-8 without a BOM,
/// <c>\n</c> line endings, RFC 4180 quoting.</summary>
internal static class PairCsvFile
{
    public static async Task WriteAsync(string path, (string First, string Second) header, IAsyncEnumerable<(string First, string Second)> rows, CancellationToken cancellationToken)
    {
        FileStream stream = OwnerOnlyFile.Create(path, FileMode.Create);
        await using (stream.ConfigureAwait(false))
        {
            var text = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            await using (text.ConfigureAwait(false))
            {
                var csv = new CsvWriter(text, CsvUserEncoder.CreateConfiguration());
                await using (csv.ConfigureAwait(false))
                {
                    csv.WriteField(header.First);
                    csv.WriteField(header.Second);
                    await csv.NextRecordAsync().ConfigureAwait(false);
                    await foreach (var (first, second) in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
                    {
                        csv.WriteField(first);
                        csv.WriteField(second);
                        await csv.NextRecordAsync().ConfigureAwait(false);
                    }

                    await csv.FlushAsync().ConfigureAwait(false);
                }
            }
        }
    }

    public static async IAsyncEnumerable<(string, string)> Rows(IEnumerable<(string, string)> rows)
    {
        foreach (var row in rows)
        {
            yield return row;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
