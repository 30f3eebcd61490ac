using System.Buffers.Binary;
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

    public long Append(ReadOnlySpan<byte> record)
    {
        long offset = _length;
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, record.Length);
        if (_file is null && _length + record.Length + 4 > _inMemoryLimit)
        {
            SpillToDisk();
        }

        if (_file is not null)
        {
            _file.Write(prefix);
            _file.Write(record);
        }
        else
        {
            EnsureCapacity(_length + record.Length + 4);
            prefix.CopyTo(_memory.AsSpan((int)_length));
            record.CopyTo(_memory.AsSpan((int)_length + 4));
        }

        _length += record.Length + 4;
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

    public byte[] Read(long offset)
    {
        Span<byte> prefix = stackalloc byte[4];
        if (_readHandle is not null)
        {
            RandomAccess.Read(_readHandle, prefix, offset);
            byte[] record = new byte[BinaryPrimitives.ReadInt32LittleEndian(prefix)];
            RandomAccess.Read(_readHandle, record, offset + 4);
            return record;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(_memory.AsSpan((int)offset, 4));
        return _memory.AsSpan((int)offset + 4, length).ToArray();
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
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose,
            BufferSize = 1 << 16,
        };
        if (!OperatingSystem.IsWindows())
        {
            // The file holds password hashes: readable by the owner only.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        _file = new FileStream(path, options);
        _file.Write(_memory.AsSpan(0, (int)_length));
        _memory = [];
    }
}
