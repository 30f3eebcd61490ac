using Kinde.Migration.Internal;
using Microsoft.Win32.SafeHandles;

namespace Kinde.Migration.Joining;

/// <summary>
/// Append-only store of serialized hash records: in memory up to a threshold, then in an owner-only temporary
/// file (deleted on dispose), so the join's memory does not grow with the hash file.
/// </summary>
internal sealed class HashRecordStore : IDisposable
{
    private readonly long _inMemoryLimit;
    private readonly string _tempDirectory;
    private byte[] _memory = new byte[1 << 16];
    private long _length;
    private FileStream? _file;
    private SafeFileHandle? _readHandle;

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

    public byte[] Read(long offset, int length)
    {
        if (_readHandle is null)
        {
            return _memory.AsSpan((int)offset, length).ToArray();
        }

        byte[] record = new byte[length];
        int done = 0;
        while (done < length)
        {
            int read = RandomAccess.Read(_readHandle, record.AsSpan(done), offset + done);
            if (read == 0)
            {
                throw new EndOfStreamException("The password-hash spill file is shorter than expected.");
            }

            done += read;
        }

        return record;
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
