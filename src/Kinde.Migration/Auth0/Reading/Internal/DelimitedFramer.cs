using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>
/// Reads Auth0 CSV (comma) and legacy tab-separated exports with CsvHelper and turns each row into a JSON object
/// keyed by the header, so every format goes through the same field parser.
/// </summary>
/// <remarks>
/// <para>OWASP escaping: Auth0 writes each string cell as <c>"'…"</c>. The first <see cref="SampleRows"/> rows are
/// sampled; when at least 90 % of their string-like cells (not booleans, numbers or ISO dates) start with <c>'</c>,
/// exactly one leading <c>'</c> is stripped from every cell that has it. Otherwise cells are left alone, so an
/// older export's legitimate leading apostrophe survives. Formula-looking values stay plain strings.</para>
/// <para>A cell that starts with <c>{</c> or <c>[</c> and is valid JSON is passed on as JSON when its column is a
/// whole <c>identities</c>, metadata or <c>multifactor</c> column, or an unescaped metadata-path or unknown column;
/// known text attributes (<c>name</c>, <c>email</c>, …) and escaped cells elsewhere stay strings. An empty cell is an
/// absent attribute, except in tab-separated files, where an empty boolean means <c>false</c> (the legacy
/// extension wrote <c>false</c> as an empty string).</para>
/// </remarks>
internal sealed class DelimitedFramer : IRecordFramer
{
    internal const int SampleRows = 200;

    // Invalid UTF-8 decodes to this noncharacter rather than U+FFFD, so a genuine U+FFFD in the data is not
    // mistaken for a decoding error.
    private const char InvalidUtf8Marker = '\uFFFF';

    private static readonly Encoding MarkingUtf8 = Encoding.GetEncoding(
        "utf-8", EncoderFallback.ReplacementFallback, new DecoderReplacementFallback(InvalidUtf8Marker.ToString()));

    private readonly CsvParser _parser;
    private readonly StreamReader _text;
    private readonly bool _tabSeparated;
    private readonly KeyResolver _keys;
    private readonly int _maxRecordBytes;
    private readonly Queue<Row> _pending = new();
    private readonly ArrayBufferWriter<byte> _json = new(4096);
    private readonly Utf8JsonWriter _writer;
    private string[]? _header;
    private bool[] _booleanColumn = [];
    private ColumnKind[] _columnKinds = [];
    private bool _stripApostrophe;
    private bool _badData;
    private bool _done;

    public DelimitedFramer(Stream stream, bool tabSeparated, int maxRecordBytes, KeyResolver keys)
    {
        _tabSeparated = tabSeparated;
        _keys = keys;
        _maxRecordBytes = maxRecordBytes;
        _text = new StreamReader(stream, MarkingUtf8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = tabSeparated ? "\t" : ",",
            Mode = CsvMode.RFC4180,
            BadDataFound = _ => _badData = true,
            // Rows over the record limit are rejected one by one; only a cell far beyond it (an unclosed quote
            // swallowing the file) stops the read, because CsvHelper cannot resynchronise after it.
            MaxFieldSize = (4.0 * maxRecordBytes) + 65536,
            IgnoreBlankLines = true,
        };
        _parser = new CsvParser(_text, config);
        _writer = new Utf8JsonWriter(_json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    public PositionKind PositionKind => PositionKind.Row;

    public async ValueTask<Frame> NextAsync(CancellationToken cancellationToken)
    {
        if (_header is null)
        {
            Row? first = await ReadRowAsync(cancellationToken).ConfigureAwait(false);
            if (first is null)
            {
                return Frame.EndOfInput;
            }

            // Header cells may carry the same OWASP apostrophe as data cells; an attribute name never starts with one.
            _header = [.. first.Cells.Select(h => h.StartsWith('\'') ? h[1..] : h)];
            _booleanColumn = [.. _header.Select(_keys.IsBoolean)];
            _columnKinds = [.. _header.Select(Classify)];
            while (_pending.Count < SampleRows && await ReadRowAsync(cancellationToken).ConfigureAwait(false) is { } row)
            {
                _pending.Enqueue(row);
            }

            _stripApostrophe = DecideApostropheStripping(_pending);
        }

        cancellationToken.ThrowIfCancellationRequested();
        Row? next = _pending.Count > 0 ? _pending.Dequeue() : await ReadRowAsync(cancellationToken).ConfigureAwait(false);
        return next is null ? Frame.EndOfInput : ToFrame(next);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _parser.Dispose();
        _text.Dispose();
    }

    private static bool DecideApostropheStripping(IEnumerable<Row> sample)
    {
        int stringCells = 0, prefixed = 0;
        foreach (var row in sample)
        {
            if (row.Error is not null)
            {
                continue;
            }

            foreach (string cell in row.Cells)
            {
                if (cell.Length == 0 || IsBareValue(cell))
                {
                    continue;
                }

                stringCells++;
                prefixed += cell[0] == '\'' ? 1 : 0;
            }
        }

        return stringCells > 0 && prefixed * 10 >= stringCells * 9;
    }

    // Values Auth0 writes without OWASP escaping: booleans, numbers and its own ISO 8601 dates.
    private static bool IsBareValue(string cell) =>
        bool.TryParse(cell, out _)
        || double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        || (cell.Length >= 10 && char.IsAsciiDigit(cell[0]) && DateTimeOffset.TryParse(cell, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _));

    private async ValueTask<Row?> ReadRowAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return null;
        }

        _badData = false;
        try
        {
            if (!await _parser.ReadAsync().ConfigureAwait(false))
            {
                _done = true;
                return null;
            }
        }
        catch (CsvHelperException ex) when (ex is MaxFieldSizeException or ParserException)
        {
            // CsvHelper cannot resynchronise after this (usually an unclosed quote swallowing the rest of the
            // file), so the read ends here with the failure reported at the row where it happened.
            _done = true;
            string reason = ex is MaxFieldSizeException
                ? "a cell runs on far beyond the record size limit (an unclosed quote?); reading stops here"
                : "the CSV cannot be parsed past this row; reading stops here";
            return new Row(_parser.Row + 1, [], null, reason);
        }

        cancellationToken.ThrowIfCancellationRequested();
        string raw = _parser.RawRecord;
        string[] cells = _parser.Record ?? [];
        string? error = null;
        if (raw.Length > _maxRecordBytes)
        {
            error = $"the record is longer than the {_maxRecordBytes}-byte limit";
            raw = "";
        }
        else if (raw.Contains(InvalidUtf8Marker, StringComparison.Ordinal))
        {
            error = "the row is not valid UTF-8";
        }
        else if (_badData)
        {
            error = "malformed quoting (a quote inside an unquoted cell, or text after a closing quote)";
        }
        else if (_header is not null && cells.Length != _header.Length)
        {
            error = $"the row has {cells.Length} cells but the header has {_header.Length}";
        }

        return new Row(_parser.Row, cells, raw.TrimEnd('\r', '\n'), error);
    }

    private Frame ToFrame(Row row)
    {
        if (row.Error is not null)
        {
            return Frame.Failure(row.Number, row.Error, row.Raw);
        }

        _json.ResetWrittenCount();
        _writer.Reset(_json);
        _writer.WriteStartObject();
        for (int i = 0; i < row.Cells.Length; i++)
        {
            string cell = row.Cells[i];
            if (cell.Length == 0)
            {
                if (_tabSeparated && _booleanColumn[i])
                {
                    _writer.WriteBoolean(_header![i], false);
                }

                continue;
            }

            bool escaped = _stripApostrophe && cell[0] == '\'';
            if (escaped)
            {
                cell = cell[1..];
            }

            if (cell.Length > 0 && cell[0] is '{' or '[' && ShouldTryJson(_columnKinds[i], escaped) && TryGetJson(cell, out byte[]? json))
            {
                _writer.WritePropertyName(_header![i]);
                _writer.WriteRawValue(json, skipInputValidation: true);
            }
            else
            {
                _writer.WriteString(_header![i], cell);
            }
        }

        _writer.WriteEndObject();
        _writer.Flush();
        return new Frame(FrameKind.Record, _json.WrittenMemory, row.Number, RawText: row.Raw);
    }

    // Whole identities/metadata/multifactor columns can only be JSON; known text attributes are never JSON; for
    // anything else (metadata paths, unknown columns) an OWASP-escaped cell was a string when Auth0 wrote it.
    private static bool ShouldTryJson(ColumnKind kind, bool escaped) => kind switch
    {
        ColumnKind.Structured => true,
        ColumnKind.Text => false,
        _ => !escaped,
    };

    private ColumnKind Classify(string header)
    {
        ResolvedKey key = _keys.Resolve(header);
        return key.Field switch
        {
            UserField.Identities or UserField.Multifactor => ColumnKind.Structured,
            UserField.AppMetadata or UserField.UserMetadata => key.MetadataPath is null ? ColumnKind.Structured : ColumnKind.Other,
            UserField.Unknown => ColumnKind.Other,
            _ => ColumnKind.Text,
        };
    }

    private static bool TryGetJson(string cell, out byte[]? json)
    {
        json = Encoding.UTF8.GetBytes(cell);
        try
        {
            using var document = JsonDocument.Parse(json);
            return true;
        }
        catch (JsonException)
        {
            json = null;
            return false;
        }
    }

    private enum ColumnKind
    {
        Text,
        Structured,
        Other,
    }

    private sealed record Row(long Number, string[] Cells, string? Raw, string? Error);
}
