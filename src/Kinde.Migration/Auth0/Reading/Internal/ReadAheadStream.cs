using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>
/// Reads an inner stream ahead on a background task, in a few fixed blocks, so that gzip decompression runs on one
/// core while records are parsed on another. Memory stays bounded: <c>depth + 2</c> blocks at most.
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private readonly Stream _inner;
    private readonly string _sourceName;
    private long _delivered;
    private readonly int _blockSize;
    private readonly Channel<(byte[] Block, int Length)> _filled;
    private readonly Channel<byte[]> _free;
    private readonly CancellationTokenSource _stop = new();
    private Task? _pump;
    private byte[]? _current;
    private int _offset;
    private int _length;
    private bool _eof;
    private bool _stopped;

    public ReadAheadStream(Stream inner, string sourceName, int blockSize = 1 << 18, int depth = 4)
    {
        _inner = inner;
        _sourceName = sourceName;
        _blockSize = blockSize;
        _filled = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        _free = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_offset == _length)
        {
            if (_eof)
            {
                return 0;
            }

            if (_current is not null)
            {
                _free.Writer.TryWrite(_current);
                _current = null;
            }

            _pump ??= Task.Run(PumpAsync);
            try
            {
                if (!await _filled.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    _eof = true;
                    return 0;
                }
            }
            catch (Exception ex) when ((ex as InvalidDataException ?? ex.InnerException as InvalidDataException) is { } corrupt)
            {
                // A corrupt container is not one bad record: nothing after this point can be read, so the read stops
                // with a clear error rather than a partial result that looks complete.
                throw new ExportFormatException(
                    $"{_sourceName}: the gzip data is corrupt after {_delivered:N0} decompressed bytes; nothing after that point can be read. Download or export the file again.",
                    corrupt);
            }
            catch (ChannelClosedException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(ex.InnerException);
            }

            (_current, _length) = await _filled.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _offset = 0;
        }

        int n = Math.Min(buffer.Length, _length - _offset);
        _current.AsSpan(_offset, n).CopyTo(buffer.Span);
        _offset += n;
        _delivered += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Stop();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Stop();
        await _inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private void Stop()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _stop.Cancel();
        try
        {
            _pump?.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Already reported to the reader, or the read was abandoned.
        }

        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        var token = _stop.Token;
        try
        {
            while (true)
            {
                byte[] block = _free.Reader.TryRead(out byte[]? reused) ? reused : new byte[_blockSize];
                int filled = 0;
                while (filled < block.Length)
                {
                    int read = await _inner.ReadAsync(block.AsMemory(filled), token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    filled += read;
                }

                if (filled > 0)
                {
                    await _filled.Writer.WriteAsync((block, filled), token).ConfigureAwait(false);
                }

                if (filled < block.Length)
                {
                    _filled.Writer.TryComplete();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            _filled.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _filled.Writer.TryComplete(ex);
        }
    }
}
