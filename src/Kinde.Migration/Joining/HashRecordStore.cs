using Kinde.Migration.Internal;
using Microsoft.Win32.SafeHandles;

namespace Kinde.Migration.Joining;

/// <summary>
/// Append-only store of serialized hash records: in memory up to a threshold, then in an owner-only temporary
/// file (deleted on dispose), so the join's memory does not grow with the hash file.
/// </summary>
internal sealed class HashRecordStore : IDisposable
{
    private const int MinReadAhead = 4 * 1024;
    private const int MaxReadAhead = 64 * 1024;

    private readonly long _inMemoryLimit;
    private readonly string _tempDirectory;
    private byte[] _memory = new byte[1 << 16];
    private long _length;
    private FileStream? _file;
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

    /// <summary>Appends a record; the caller keeps its offset and length (one read per lookup, no length prefix).</summary>
    public long Append(ReadOnlySpan<byte> record)
    {
        long offset = _length;
        if (_file is null && _length + record.Length > _inMemoryLimit)
        {
            SpillToDisk();
        }

        if (_file is not null)
        {
            _file.Write(record);
        }
        else
        {
            EnsureCapacity(_length + record.Length);
            record.CopyTo(_memory.AsSpan((int)_length));
        }

        _length += record.Length;
        return offset;
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
        if (_readHandle is null)
        {
            return _memory.AsSpan((int)offset, length);
        }

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
                int read = RandomAccess.Read(_readHandle, _window.AsSpan(_windowLength, length + _readAhead - _windowLength), offset + _windowLength);
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

    private void EnsureCapacity(long needed)
    {
        if (needed > _memory.Length)
        {
            Array.Resize(ref _memory, (int)Math.Min(Math.Max(needed, _memory.Length * 2L), Array.MaxLength));
        }
    }

    private void SpillToDisk()
    {
        Directory.CreateDirectory(_tempDirectory);
        string path = Path.Combine(_tempDirectory, $"kinde-migration-hashes-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");

        // The file holds password hashes: readable by the owner only, and gone when the run ends.
        _file = OwnerOnlyFile.Create(path, FileMode.CreateNew, FileAccess.ReadWrite, FileOptions.DeleteOnClose);
        _file.Write(_memory.AsSpan(0, (int)_length));
        _memory = [];
    }
}
