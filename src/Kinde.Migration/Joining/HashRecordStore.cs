using Kinde.Migration.Internal;
using Microsoft.Win32.SafeHandles;

namespace Kinde.Migration.Joining;

/// <summary>
/// Append-only store of serialized hash records: in memory up to a threshold, and the records beyond it in an
/// owner-only temporary file (deleted on dispose), so the join's memory does not grow with the hash file.
/// </summary>
/// <remarks>The records that fit stay in memory when later ones spill: a lookup in any order then reads most records
/// without a system call. (Moving everything to the file once the threshold was passed made each lookup of a hash
/// export in another order than the users a read of its own: 2.5 µs, a fifth more time on a million users.)</remarks>
internal sealed class HashRecordStore : IDisposable
{
    private const int MinReadAhead = 4 * 1024;
    private const int MaxReadAhead = 64 * 1024;

    // Memory comes in chunks (no copying as it grows, unlike one doubling array); a record never straddles two.
    private const int FirstChunkBytes = 64 * 1024;
    private const int MaxChunkBytes = 1024 * 1024;

    // A memory offset is the chunk's number above these bits and the place in the chunk below them; a spilled
    // record's offset is the one's complement of its place in the file, so it is negative.
    private const int ChunkShift = 31;

    private readonly long _inMemoryLimit;
    private readonly string _tempDirectory;
    private readonly List<byte[]> _chunks = [];
    private long _chunkBytes;
    private int _used;
    private FileStream? _file;
    private long _fileLength;
    private SafeFileHandle? _readHandle;
    private byte[] _window = [];
    private long _windowStart;
    private int _windowLength;
    private int _readAhead;

    public HashRecordStore(long inMemoryLimit, string tempDirectory)
    {
        _inMemoryLimit = inMemoryLimit;
        _tempDirectory = tempDirectory;
    }

    public bool SpilledToDisk => _file is not null;

    /// <summary>Gets the bytes of records in the spill file.</summary>
    public long SpilledBytes => _fileLength;

    /// <summary>Appends a record; the caller keeps its offset and length (one read per lookup, no length prefix).</summary>
    public long Append(ReadOnlySpan<byte> record)
    {
        if (_file is null && TryReserve(record.Length) is { } chunk)
        {
            long offset = ((long)(_chunks.Count - 1) << ChunkShift) | (uint)_used;
            record.CopyTo(chunk.AsSpan(_used));
            _used += record.Length;
            return offset;
        }

        // Once one record has spilled, the later ones follow it, so the file keeps the export's order for read-ahead.
        _file ??= CreateSpillFile();
        _file.Write(record);
        long place = _fileLength;
        _fileLength += record.Length;
        return ~place;
    }

    /// <summary>Ends writing; reads are valid afterwards.</summary>
    public void Seal()
    {
        if (_file is not null)
        {
            _file.Flush();
            _readHandle = _file.SafeFileHandle;
        }
    }

    /// <summary>The record at <paramref name="offset"/>; valid until the next read.</summary>
    /// <remarks>From the spill file, a read that lands just after the previous one reads ahead (doubling up to
    /// 64 KiB): users in the order of the hash export then cost one system call per many records, while users in
    /// any other order still cost one small read each.</remarks>
    public ReadOnlySpan<byte> Read(long offset, int length)
    {
        if (offset >= 0)
        {
            return _chunks[(int)(offset >> ChunkShift)].AsSpan((int)(offset & ((1L << ChunkShift) - 1)), length);
        }

        offset = ~offset;
        if (offset < _windowStart || offset + length > _windowStart + _windowLength)
        {
            bool followsOn = offset >= _windowStart && offset - (_windowStart + _windowLength) < MaxReadAhead;
            _readAhead = followsOn ? Math.Clamp(_readAhead * 2, MinReadAhead, MaxReadAhead) : 0;
            if (_window.Length < length + _readAhead)
            {
                _window = new byte[Math.Max(length + _readAhead, 4096)];
            }

            _windowStart = offset;
            _windowLength = 0;
            while (_windowLength < length)
            {
                int read = RandomAccess.Read(_readHandle!, _window.AsSpan(_windowLength, length + _readAhead - _windowLength), offset + _windowLength);
                if (read == 0)
                {
                    throw new EndOfStreamException("The password-hash spill file is shorter than expected.");
                }

                _windowLength += read;
            }
        }

        return _window.AsSpan((int)(offset - _windowStart), length);
    }

    public void Dispose() => _file?.Dispose();

    /// <summary>The chunk the record goes into at <see cref="_used"/> (a new one if the last is full), or
    /// <see langword="null"/> when memory's share is used up.</summary>
    private byte[]? TryReserve(int length)
    {
        if (_chunks.Count > 0 && _chunks[^1].Length - _used >= length)
        {
            return _chunks[^1];
        }

        // Chunks double from 64 KiB to 1 MiB (a small export takes little), a record longer than that gets one of
        // its own, and none goes past the threshold.
        long size = Math.Max(length, Math.Clamp(_chunkBytes, FirstChunkBytes, MaxChunkBytes));
        size = Math.Max(length, Math.Min(size, _inMemoryLimit - _chunkBytes));
        if (length == 0 || _chunkBytes + size > _inMemoryLimit)
        {
            return null;
        }

        var chunk = new byte[size];
        _chunks.Add(chunk);
        _chunkBytes += size;
        _used = 0;
        return chunk;
    }

    private FileStream CreateSpillFile()
    {
        Directory.CreateDirectory(_tempDirectory);
        string path = Path.Combine(_tempDirectory, $"kinde-migration-hashes-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");

        // The file holds password hashes: readable by the owner only, and gone when the run ends.
        return OwnerOnlyFile.Create(path, FileMode.CreateNew, FileAccess.ReadWrite, FileOptions.DeleteOnClose);
    }
}
