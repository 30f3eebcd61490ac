using System.Text.Json;

namespace Kinde.Migration.Benchmarks;

/// <summary>
/// The floor any NDJSON reader pays: split the (already decompressed) bytes into lines and walk every token of
/// every line with <see cref="Utf8JsonReader"/>, building nothing.
/// </summary>
internal static class TokenizeBaseline
{
    public static async Task<long> CountRecordsAsync(Stream content, CancellationToken cancellationToken = default)
    {
        byte[] buffer = new byte[1 << 20];
        int start = 0, end = 0;
        long records = 0, tokens = 0;
        while (true)
        {
            int read = await content.ReadAsync(buffer.AsMemory(end), cancellationToken);
            end += read;
            int newline;
            while ((newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n')) >= 0)
            {
                tokens += Tokenize(buffer.AsSpan(start, newline));
                records++;
                start += newline + 1;
            }

            if (read == 0)
            {
                if (end > start)
                {
                    tokens += Tokenize(buffer.AsSpan(start, end - start));
                    records++;
                }

                GC.KeepAlive(tokens);
                return records;
            }

            buffer.AsSpan(start, end - start).CopyTo(buffer);
            end -= start;
            start = 0;
        }
    }

    private static long Tokenize(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        long n = 0;
        while (reader.Read())
        {
            n++;
        }

        return n;
    }
}
