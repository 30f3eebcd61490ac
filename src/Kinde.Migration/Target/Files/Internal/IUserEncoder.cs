using System.Buffers;

namespace Kinde.Migration.Target.Files.Internal;

/// <summary>Turns one <see cref="KindeUser"/> into the bytes of one import format.</summary>
internal interface IUserEncoder : IDisposable
{
    /// <summary>Gets the file extension without the dot.</summary>
    string Extension { get; }

    /// <summary>Gets the bytes every file starts with (the CSV header; empty for NDJSON).</summary>
    ReadOnlyMemory<byte> Header { get; }

    /// <summary>Appends all of <paramref name="user"/>'s data (lines or rows, each ending in <c>\n</c>) to
    /// <paramref name="output"/> and reports what the format cannot hold.</summary>
    /// <returns>The number of lines or rows written.</returns>
    int Encode(KindeUser user, IBufferWriter<byte> output, WarningSet warnings);
}
