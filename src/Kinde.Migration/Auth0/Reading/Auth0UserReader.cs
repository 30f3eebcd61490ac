using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using Kinde.Migration.Auth0.Reading.Internal;

namespace Kinde.Migration.Auth0.Reading;

/// <summary>The built-in <see cref="IAuth0UserReader"/>: NDJSON, JSON arrays, CSV and tab-separated exports.</summary>
/// <remarks>
/// Memory stays bounded by <see cref="Auth0ReaderOptions.MaxRecordBytes"/> whatever the file size. A rejected
/// record keeps its original text in <see cref="ExportReadError.RawRecord"/> (when under the size limit) so it can
/// be fixed and fed back.
/// </remarks>
public sealed class Auth0UserReader : IAuth0UserReader
{
    private readonly Auth0ReaderOptions _options;
    private readonly KeyResolver _keys;
    private readonly UserRecordParser _parser;

    /// <summary>Initializes a new instance of the <see cref="Auth0UserReader"/> class with default options.</summary>
    public Auth0UserReader()
        : this(new Auth0ReaderOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="Auth0UserReader"/> class.</summary>
    /// <param name="options">The reader options; the key map is copied now.</param>
    public Auth0UserReader(Auth0ReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _keys = new KeyResolver(options.KeyMap);
        _parser = new UserRecordParser(_keys);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ExportRecord<Auth0User>> ReadAsync(ExportSource source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using IRecordFramer framer = RecordFramers.Create(source, _options.MaxRecordBytes, _keys);
        await foreach (Frame frame in FramesAsync(framer, cancellationToken).ConfigureAwait(false))
        {
            yield return ToRecord(frame, source.Name, framer.PositionKind);
        }
    }

    /// <summary>Reads only the records at the places <paramref name="wanted"/> names (0 for the first record), up to
    /// <paramref name="last"/>; the others are framed but not parsed, and nothing after <paramref name="last"/> is read.
    /// The single pass's second read, of the few users a later one changed.</summary>
    internal async IAsyncEnumerable<(long Position, ExportRecord<Auth0User> Record)> ReadOnlyAsync(ExportSource source, Func<long, bool> wanted, long last, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using IRecordFramer framer = RecordFramers.Create(source, _options.MaxRecordBytes, _keys);
        for (long position = 0; position <= last; position++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Frame frame = await framer.NextAsync(cancellationToken).ConfigureAwait(false);
            if (frame.Kind == FrameKind.End)
            {
                yield break;
            }

            if (wanted(position))
            {
                yield return (position, ToRecord(frame, source.Name, framer.PositionKind));
            }
        }
    }

    private static async IAsyncEnumerable<Frame> FramesAsync(IRecordFramer framer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Frame frame = await framer.NextAsync(cancellationToken).ConfigureAwait(false);
            if (frame.Kind == FrameKind.End)
            {
                yield break;
            }

            yield return frame;
        }
    }

    private ExportRecord<Auth0User> ToRecord(Frame frame, string sourceName, PositionKind kind)
    {
        if (frame.Kind == FrameKind.Error)
        {
            return ExportRecord<Auth0User>.Failure(new ExportReadError(sourceName, frame.Position, kind, null, frame.Reason!) { RawRecord = frame.RawText });
        }

        ReadOnlySpan<byte> json = frame.Json.Span;
        if (!Utf8.IsValid(json))
        {
            return ExportRecord<Auth0User>.Failure(new ExportReadError(sourceName, frame.Position, kind, null, "the record is not valid UTF-8")
            {
                RawRecord = Encoding.UTF8.GetString(json),
            });
        }

        try
        {
            return ExportRecord<Auth0User>.Success(_parser.Parse(json), frame.Position);
        }
        catch (RecordException ex)
        {
            return ExportRecord<Auth0User>.Failure(new ExportReadError(sourceName, frame.Position, kind, ex.Field, ex.Message)
            {
                RawRecord = frame.RawText ?? Encoding.UTF8.GetString(json),
            });
        }
    }
}
