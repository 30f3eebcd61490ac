using System.IO.Compression;
using Kinde.Migration.Auth0.Reading.Internal;

namespace Kinde.Migration.Auth0.Reading;

/// <summary>
/// An opened export: decompressed when gzip-compressed, with any UTF-8 byte order mark removed, and its
/// <see cref="Format"/> detected from content, never from the file name.
/// </summary>
/// <remarks>
/// Detection looks at the first bytes only: gzip magic <c>1F 8B</c> (multi-member files included), a PGP message
/// (ASCII armour or a binary packet, refused with "decrypt it first"), then the first non-blank character:
/// <c>[</c> is a JSON array, <c>{</c> is NDJSON, anything else is delimited text whose delimiter (comma or tab) is
/// sniffed from the header line. An empty input is an NDJSON file with no records.
/// </remarks>
public sealed class ExportSource : IAsyncDisposable, IDisposable
{
    private const int SniffBytes = 64 * 1024;

    private ExportSource(string name, ExportFormat format, bool isCompressed, Stream content)
    {
        Name = name;
        Format = format;
        IsCompressed = isCompressed;
        Content = content;
    }

    /// <summary>Gets the name used in error messages (the file name for files).</summary>
    public string Name { get; }

    /// <summary>Gets the detected format.</summary>
    public ExportFormat Format { get; }

    /// <summary>Gets a value indicating whether the input was gzip-compressed.</summary>
    public bool IsCompressed { get; }

    /// <summary>Gets the decompressed content, positioned after any byte order mark. Read it once.</summary>
    public Stream Content { get; }

    /// <summary>Opens the file at <paramref name="path"/> and detects its format.</summary>
    /// <param name="path">The export file.</param>
    /// <param name="cancellationToken">Stops the detection.</param>
    /// <returns>The opened export; dispose it.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ExportFormatException">The file is encrypted or otherwise unreadable as an export.</exception>
    public static async Task<ExportSource> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        try
        {
            return await OpenAsync(file, Path.GetFileName(path), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Wraps <paramref name="stream"/> and detects its format. The source owns the stream.</summary>
    /// <param name="stream">The raw export bytes.</param>
    /// <param name="name">The name used in error messages.</param>
    /// <param name="cancellationToken">Stops the detection.</param>
    /// <returns>The opened export; dispose it.</returns>
    /// <exception cref="ExportFormatException">The input is encrypted or otherwise unreadable as an export.</exception>
    public static async Task<ExportSource> OpenAsync(Stream stream, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);

        byte[] head = await ReadPrefixAsync(stream, 64, cancellationToken).ConfigureAwait(false);
        ThrowIfEncrypted(head, name);
        Stream content = new PrefixedStream(head, stream);
        bool compressed = head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B;
        if (compressed)
        {
            content = new GZipStream(content, CompressionMode.Decompress);
        }

        byte[] sniff = await ReadPrefixAsync(content, SniffBytes, cancellationToken, stopAtNewline: true).ConfigureAwait(false);
        int bom = sniff.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var text = sniff.AsSpan(bom);
        if (compressed)
        {
            ThrowIfEncrypted(text.ToArray(), name);
        }

        int first = 0;
        while (first < text.Length && text[first] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            first++;
        }

        ExportFormat format = first == text.Length ? ExportFormat.NdJson : text[first] switch
        {
            (byte)'[' => ExportFormat.JsonArray,
            (byte)'{' => ExportFormat.NdJson,
            _ => SniffDelimiter(text[first..]) == '\t' ? ExportFormat.TabSeparated : ExportFormat.Csv,
        };

        // Decompression is the other half of the work: do it ahead, on another core, while records are parsed.
        Stream rest = compressed ? new ReadAheadStream(content, name) : content;
        return new ExportSource(name, format, compressed, new PrefixedStream(sniff.AsSpan(bom).ToArray(), rest));
    }

    /// <inheritdoc />
    public void Dispose() => Content.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Content.DisposeAsync();

    private static async Task<byte[]> ReadPrefixAsync(Stream stream, int max, CancellationToken cancellationToken, bool stopAtNewline = false)
    {
        byte[] buffer = new byte[max];
        int filled = 0;
        while (filled < max)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(filled, max - filled), cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new ExportFormatException("The input starts like a gzip file but cannot be decompressed: " + ex.Message, ex);
            }

            if (read == 0)
            {
                break;
            }

            filled += read;
            if (stopAtNewline && buffer.AsSpan(filled - read, read).Contains((byte)'\n') && filled >= 256)
            {
                break;
            }
        }

        return buffer.AsSpan(0, filled).ToArray();
    }

    private static void ThrowIfEncrypted(byte[] head, string name)
    {
        var span = head.AsSpan();
        int start = 0;
        while (start < span.Length && span[start] is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t')
        {
            start++;
        }

        bool armoured = span[start..].StartsWith("-----BEGIN PGP"u8);
        bool binaryPacket = span.Length > 0 && IsOpenPgpPacketTag(span[0]) && !IsUtf8Text(span);
        if (armoured || binaryPacket)
        {
            throw new ExportFormatException(
                $"{name} is PGP-encrypted. Decrypt it first (for example: gpg --output export.json --decrypt {name}) and pass the decrypted file.");
        }
    }

    // An OpenPGP message starts with a packet header byte that has its high bit set. Only the tags that open
    // an encrypted or compressed message are accepted, so a UTF-8 lead byte is not mistaken for one.
    private static bool IsOpenPgpPacketTag(byte b)
    {
        if ((b & 0x80) == 0)
        {
            return false;
        }

        int tag = (b & 0x40) != 0 ? b & 0x3F : (b >> 2) & 0x0F;
        return tag is 1 or 3 or 8 or 9 or 18;
    }

    // Binary PGP data is never valid UTF-8 for long; a text file that merely starts with a non-ASCII letter is.
    private static bool IsUtf8Text(ReadOnlySpan<byte> head)
    {
        Span<char> chars = stackalloc char[head.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(head, chars, out _, out _, replaceInvalidSequences: false, isFinalBlock: false);
        return status is System.Buffers.OperationStatus.Done or System.Buffers.OperationStatus.NeedMoreData;
    }

    private static char SniffDelimiter(ReadOnlySpan<byte> text)
    {
        int commas = 0, tabs = 0;
        bool quoted = false;
        foreach (byte b in text)
        {
            if (b == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (!quoted && b == (byte)'\n')
            {
                break;
            }
            else if (!quoted && b == (byte)',')
            {
                commas++;
            }
            else if (!quoted && b == (byte)'\t')
            {
                tabs++;
            }
        }

        return tabs > commas ? '\t' : ',';
    }
}
