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

    private readonly FileStream _file;

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

    public void WriteUser(Auth0User user, string source, long position, string stage, IEnumerable<string> reasons)
    {
        _writer.Reset();
        _writer.WriteStartObject();
        Auth0UserJson.WriteProperties(_writer, user);
        WriteAnnotation(source, position, stage, reasons);
        End();
    }

    public void Dispose()
    {
        try
        {
            _file.Write(_buffer.WrittenSpan);
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
            _file.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }
}
