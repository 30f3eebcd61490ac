namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>Splits NDJSON into lines without decoding them; blank lines, CRLF and a missing final newline are fine.</summary>
/// <remarks>A line longer than the record limit is skipped without being buffered and reported as an error.</remarks>
internal sealed class NdjsonFramer(Stream stream, int maxRecordBytes) : IRecordFramer
{
    // Starts small (a short file should not cost a large buffer) and grows up to the record limit when a line needs it.
    private byte[] _buffer = new byte[Math.Min(Math.Max(maxRecordBytes, 4096), 1 << 16)];
    private int _start;
    private int _end;
    private bool _eof;
    private long _line;

    public PositionKind PositionKind => PositionKind.Line;

    public async ValueTask<Frame> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                int lineStart = _start;
                _start += newline + 1;
                _line++;
                if (TryFrame(lineStart, newline, out Frame frame))
                {
                    return frame;
                }

                continue;
            }

            if (_eof)
            {
                if (_start < _end)
                {
                    int lineStart = _start, length = _end - _start;
                    _start = _end;
                    _line++;
                    if (TryFrame(lineStart, length, out Frame frame))
                    {
                        return frame;
                    }
                }

                return Frame.EndOfInput;
            }

            if (_end - _start > maxRecordBytes)
            {
                return await SkipOversizeLineAsync(cancellationToken).ConfigureAwait(false);
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
    }

    private bool TryFrame(int start, int length, out Frame frame)
    {
        while (length > 0 && _buffer[start] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            start++;
            length--;
        }

        while (length > 0 && _buffer[start + length - 1] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            length--;
        }

        if (length == 0)
        {
            frame = default;
            return false;
        }

        frame = length > maxRecordBytes
            ? Frame.Failure(_line, $"the record is longer than the {maxRecordBytes}-byte limit")
            : new Frame(FrameKind.Record, _buffer.AsMemory(start, length), _line);
        return true;
    }

    private async ValueTask<Frame> SkipOversizeLineAsync(CancellationToken cancellationToken)
    {
        _line++;
        long line = _line;
        while (true)
        {
            _start = _end = 0;
            await FillAsync(cancellationToken).ConfigureAwait(false);
            int newline = _buffer.AsSpan(0, _end).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                _start = newline + 1;
                break;
            }

            if (_eof)
            {
                _start = _end;
                break;
            }
        }

        return Frame.Failure(line, $"the record is longer than the {maxRecordBytes}-byte limit");
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxRecordBytes + 4096));
        }

        int read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}
