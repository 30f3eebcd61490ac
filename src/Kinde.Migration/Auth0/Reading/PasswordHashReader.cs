using System.Runtime.CompilerServices;
using System.Text.Unicode;
using Kinde.Migration.Auth0.Reading.Internal;

namespace Kinde.Migration.Auth0.Reading;

/// <summary>The built-in <see cref="IPasswordHashReader"/>: NDJSON or a JSON array of Auth0 hash records.</summary>
/// <remarks>
/// <c>_id</c> may be <c>{"$oid": …}</c>, a plain string, or spelled <c>_ID</c>; dates may be <c>{"$date": ISO}</c>,
/// <c>{"$date": {"$numberLong": …}}</c> or plain ISO text. A record without <c>_id</c> or <c>passwordHash</c> is
/// rejected. Errors carry no raw text, since the record holds a hash.
/// </remarks>
public sealed class PasswordHashReader : IPasswordHashReader
{
    private readonly Auth0ReaderOptions _options;
    private readonly LowCardinalityStrings _strings = new();

    /// <summary>Initializes a new instance of the <see cref="PasswordHashReader"/> class with default options.</summary>
    public PasswordHashReader()
        : this(new Auth0ReaderOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PasswordHashReader"/> class.</summary>
    /// <param name="options">The reader options (only the record size limit applies).</param>
    public PasswordHashReader(Auth0ReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    /// <exception cref="ExportFormatException">The source is CSV or tab-separated, not JSON.</exception>
    public async IAsyncEnumerable<ExportRecord<Auth0PasswordHash>> ReadAsync(ExportSource source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using IRecordFramer framer = OpenFramer(source);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Frame frame = await framer.NextAsync(cancellationToken).ConfigureAwait(false);
            if (frame.Kind == FrameKind.End)
            {
                yield break;
            }

            yield return ToRecord(frame, source.Name, _strings);
        }
    }

    /// <summary>Like <see cref="ReadAsync"/>, handing each record to <paramref name="onRecord"/>: the join's index
    /// reads millions of records, and an asynchronous enumerator cost a state machine step per record.</summary>
    /// <param name="source">The export.</param>
    /// <param name="tryRaw">Offered each record's JSON first; when it takes it, the record is not parsed here.</param>
    /// <param name="onRecord">Given every other record, parsed, and every error.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    internal async Task ReadAllAsync(ExportSource source, RawRecordHandler tryRaw, Action<ExportRecord<Auth0PasswordHash>> onRecord, CancellationToken cancellationToken)
    {
        using IRecordFramer framer = OpenFramer(source);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Frame frame = await framer.NextAsync(cancellationToken).ConfigureAwait(false);
            if (frame.Kind == FrameKind.End)
            {
                return;
            }

            if (frame.Kind != FrameKind.Record || !tryRaw(frame.Json.Span))
            {
                onRecord(ToRecord(frame, source.Name, _strings));
            }
        }
    }

    private IRecordFramer OpenFramer(ExportSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Format is not (ExportFormat.NdJson or ExportFormat.JsonArray))
        {
            throw new ExportFormatException($"{source.Name} is not a password-hash export: expected NDJSON or a JSON array, found {source.Format} text.");
        }

        return RecordFramers.Create(source, _options.MaxRecordBytes, new KeyResolver(new Dictionary<string, string>()));
    }

    private static ExportRecord<Auth0PasswordHash> ToRecord(Frame frame, string sourceName, LowCardinalityStrings strings)
    {
        if (frame.Kind == FrameKind.Error)
        {
            return ExportRecord<Auth0PasswordHash>.Failure(new ExportReadError(sourceName, frame.Position, PositionKind.Line, null, frame.Reason!));
        }

        ReadOnlySpan<byte> json = frame.Json.Span;
        if (!Utf8.IsValid(json))
        {
            return ExportRecord<Auth0PasswordHash>.Failure(new ExportReadError(sourceName, frame.Position, PositionKind.Line, null, "the record is not valid UTF-8"));
        }

        try
        {
            return ExportRecord<Auth0PasswordHash>.Success(HashRecordParser.Parse(json, strings), frame.Position);
        }
        catch (RecordException ex)
        {
            return ExportRecord<Auth0PasswordHash>.Failure(new ExportReadError(sourceName, frame.Position, PositionKind.Line, ex.Field, ex.Message));
        }
    }
}

/// <summary>Takes a record from its JSON bytes, or declines it (<see langword="false"/>) to have it parsed.</summary>
internal delegate bool RawRecordHandler(ReadOnlySpan<byte> json);
