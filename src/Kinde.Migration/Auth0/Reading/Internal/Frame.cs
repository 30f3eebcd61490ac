namespace Kinde.Migration.Auth0.Reading.Internal;

internal enum FrameKind
{
    Record,
    Error,
    End,
}

/// <summary>One record's JSON bytes cut from an export (valid until the next frame is asked for), or a framing error.</summary>
internal readonly record struct Frame(FrameKind Kind, ReadOnlyMemory<byte> Json, long Position, string? Reason = null, string? RawText = null)
{
    public static Frame EndOfInput => new(FrameKind.End, default, 0);

    public static Frame Failure(long position, string reason, string? rawText = null) => new(FrameKind.Error, default, position, reason, rawText);
}

/// <summary>Cuts an export into records, each as UTF-8 JSON with its position.</summary>
internal interface IRecordFramer : IDisposable
{
    PositionKind PositionKind { get; }

    ValueTask<Frame> NextAsync(CancellationToken cancellationToken);
}
