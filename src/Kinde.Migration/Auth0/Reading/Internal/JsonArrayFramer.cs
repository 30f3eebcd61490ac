namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>
/// Cuts a top-level JSON array into its elements without parsing the whole document, so one bad element is
/// reported (at the line where it starts) and the next one is still read.
/// </summary>
internal sealed class JsonArrayFramer(Stream stream, int maxRecordBytes) : IRecordFramer
{
    private readonly byte[] _chunk = new byte[1 << 16];
    private byte[] _element = new byte[4096];
    private int _elementLength;
    private int _pos;
    private int _len;
    private bool _eof;
    private long _line = 1;
    private State _state = State.BeforeArray;

    private enum State
    {
        BeforeArray,
        BetweenElements,
        Done,
    }

    public PositionKind PositionKind => PositionKind.Line;

    public async ValueTask<Frame> NextAsync(CancellationToken cancellationToken)
    {
        while (_state != State.Done)
        {
            if (_pos == _len && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                bool open = _state == State.BetweenElements;
                _state = State.Done;
                return open ? Frame.Failure(_line, "the file ends before the JSON array is closed (truncated file?)") : Frame.EndOfInput;
            }

            byte b = _chunk[_pos];
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                _line += b == (byte)'\n' ? 1 : 0;
                _pos++;
                continue;
            }

            if (_state == State.BeforeArray)
            {
                _pos++;
                if (b != (byte)'[')
                {
                    _state = State.Done;
                    return Frame.Failure(_line, "expected a JSON array starting with '['");
                }

                _state = State.BetweenElements;
                continue;
            }

            if (b == (byte)',')
            {
                _pos++;
                continue;
            }

            if (b == (byte)']')
            {
                _pos++;
                _state = State.Done;
                break;
            }

            return await ReadElementAsync(cancellationToken).ConfigureAwait(false);
        }

        return Frame.EndOfInput;
    }

    public void Dispose()
    {
    }

    private async ValueTask<Frame> ReadElementAsync(CancellationToken cancellationToken)
    {
        long startLine = _line;
        int depth = 0;
        bool inString = false, escaped = false, oversize = false;
        _elementLength = 0;
        while (true)
        {
            if (_pos == _len && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                _state = State.Done;
                return Frame.Failure(startLine, "truncated JSON: the file ends inside this element");
            }

            byte b = _chunk[_pos++];
            if (b == (byte)'\n')
            {
                _line++;
            }

            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    escaped = true;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (b is (byte)'{' or (byte)'[')
            {
                depth++;
            }
            else if (b is (byte)'}' or (byte)']')
            {
                if (depth == 0)
                {
                    // A scalar element followed by the array's closing bracket.
                    _pos--;
                    return Complete(startLine, oversize);
                }

                depth--;
                if (depth == 0)
                {
                    Append(b, ref oversize);
                    return Complete(startLine, oversize);
                }
            }
            else if (b == (byte)',' && depth == 0)
            {
                return Complete(startLine, oversize);
            }

            Append(b, ref oversize);
        }
    }

    private void Append(byte b, ref bool oversize)
    {
        if (oversize)
        {
            return;
        }

        if (_elementLength == maxRecordBytes)
        {
            oversize = true;
            return;
        }

        if (_elementLength == _element.Length)
        {
            Array.Resize(ref _element, Math.Min(_element.Length * 2, maxRecordBytes));
        }

        _element[_elementLength++] = b;
    }

    private Frame Complete(long startLine, bool oversize) => oversize
        ? Frame.Failure(startLine, $"the record is longer than the {maxRecordBytes}-byte limit")
        : new Frame(FrameKind.Record, _element.AsMemory(0, _elementLength), startLine);

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_eof)
        {
            return false;
        }

        _pos = 0;
        _len = await stream.ReadAsync(_chunk, cancellationToken).ConfigureAwait(false);
        _eof = _len == 0;
        return !_eof;
    }
}
