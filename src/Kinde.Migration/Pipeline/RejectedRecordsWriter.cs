using System.Buffers;
using System.Text.Json;
using Kinde.Migration.Auth0;
using Kinde.Migration.Internal;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Auth0.Reading.Internal;

namespace Kinde.Migration.Pipeline;

/// <summary>
/// Writes <c>rejected.ndjson</c>: one line per rejected user, in the Auth0 export's own shape plus a <c>_rejection</c>
/// object (<c>source</c>, <c>position</c>, <c>stage</c>, <c>reasons</c>), so a person can fix the line and feed the file
/// back as input (the reader skips <c>_rejection</c>). A record that could not be parsed at all keeps its text in <c>_raw</c>.
/// </summary>
/// <remarks>Owner-only file: rejected records from an Auth0 import file may carry <c>custom_password_hash</c>.</remarks>
internal sealed class RejectedRecordsWriter : IDisposable
{
    private const int FlushBytes = 64 * 1024;

    private FileStream _file;
    private long _flushed;

    // Only for the runner's single pass, which may withdraw users: each user line's place in the file.
    private List<(long Position, long Offset, long Length)>? _userLines;

    // Records are written into memory and go to the file 64 KiB at a time: a flush per record cost more than the record.
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushBytes * 2);
    private readonly Utf8JsonWriter _writer;

    public RejectedRecordsWriter(string path)
    {
        Path = path;
        _file = OwnerOnlyFile.Create(path);
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    public string Path { get; }

    public long Count { get; private set; }

    public void WriteReadError(ExportReadError error)
    {
        _writer.Reset();
        _writer.WriteStartObject();
        bool embedded = false;

        // JSON with a lone surrogate escape cannot be turned into text by System.Text.Json: it is kept as text too.
        if (error.RawRecord is { } raw && !JsonValues.HasLoneSurrogateEscape(System.Text.Encoding.UTF8.GetBytes(raw)))
        {
            try
            {
                using var document = JsonDocument.Parse(raw);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in document.RootElement.EnumerateObject().Where(p => p.Name != UserRecordParser.RejectionAnnotation))
                    {
                        property.WriteTo(_writer);
                    }

                    embedded = true;
                }
            }
            catch (JsonException)
            {
                // Not JSON (a CSV row, a broken line): kept as text below.
            }
        }

        if (!embedded && error.RawRecord is { } text)
        {
            _writer.WriteString("_raw", text);
        }

        WriteAnnotation(error.Source, error.Position, "read", [error.Field is null ? error.Reason : $"field '{error.Field}': {error.Reason}"]);
        End();
    }

    /// <summary>Writes a rejected user.</summary>
    /// <param name="user">The user.</param>
    /// <param name="source">The export it came from.</param>
    /// <param name="position">Its 1-based line or row there.</param>
    /// <param name="stage">The stage that rejected it.</param>
    /// <param name="reasons">Why.</param>
    /// <param name="index">Its place in the export (0 for the first record), by which <see cref="Withdraw"/> finds it.</param>
    public void WriteUser(Auth0User user, string source, long position, string stage, IEnumerable<string> reasons, long index = -1)
    {
        long start = _flushed + _buffer.WrittenCount;
        _writer.Reset();
        _writer.WriteStartObject();
        Auth0UserJson.WriteProperties(_writer, user);
        WriteAnnotation(source, position, stage, reasons);
        End();
        _userLines?.Add((index, start, _flushed + _buffer.WrittenCount - start));
    }

    /// <summary>From now on, remembers where each rejected user's line is, for <see cref="Withdraw"/>.</summary>
    public void TrackUsers() => _userLines = [];

    /// <summary>Takes out the lines of the rejected users written since <see cref="TrackUsers"/> whose place in the
    /// export <paramref name="isWithdrawn"/> names, and stops tracking.</summary>
    public void Withdraw(Func<long, bool> isWithdrawn)
    {
        var ranges = new List<(long Offset, long Length)>();
        foreach (var (index, offset, length) in _userLines ?? throw new InvalidOperationException("Lines are withdrawn only when tracked."))
        {
            if (index >= 0 && isWithdrawn(index))
            {
                ranges.Add((offset, length));
            }
        }

        _userLines = null;
        if (ranges.Count == 0)
        {
            return;
        }

        Flush();
        _file.Dispose();
        FileRewriter.RemoveRanges(Path, ranges, durable: false);
        Count -= ranges.Count;
        _file = OwnerOnlyFile.Create(Path, FileMode.Append);
        _flushed = _file.Length;
    }

    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            _writer.Dispose();
            _file.Dispose();
        }
    }

    private void WriteAnnotation(string source, long position, string stage, IEnumerable<string> reasons)
    {
        _writer.WriteStartObject(UserRecordParser.RejectionAnnotation);
        _writer.WriteString("source", source);
        _writer.WriteNumber("position", position);
        _writer.WriteString("stage", stage);
        _writer.WriteStartArray("reasons");
        foreach (string reason in reasons)
        {
            _writer.WriteStringValue(reason);
        }

        _writer.WriteEndArray();
        _writer.WriteEndObject();
    }

    private void End()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        _buffer.Write("\n"u8);
        Count++;
        if (_buffer.WrittenCount >= FlushBytes)
        {
            Flush();
        }
    }

    private void Flush()
    {
        _file.Write(_buffer.WrittenSpan);
        _flushed += _buffer.WrittenCount;
        _buffer.ResetWrittenCount();
    }
}
