using System.Buffers.Binary;
using Kinde.Migration.Joining;
using Kinde.Migration.Mapping;

namespace Kinde.Migration.Pipeline;

/// <summary>
/// The single pass's record of what counting each user did to the report (its stage, join outcome, warnings, metadata
/// key fates, provider, usernames), so that a user whose outcome a later user changes can be taken back exactly.
/// </summary>
/// <remarks>A few bytes a user: a header byte, then one short entry per warning, fate or username; names are stored
/// once and referred to by number.</remarks>
internal sealed class UserEffectsLog
{
    private const int StageBits = 2;
    private const int WarningEntry = 0;
    private const int FateEntry = 1;
    private const int ProviderEntry = 2;
    private const int UsernameEntry = 3;

    private readonly List<int> _starts = [];
    private readonly List<string> _names = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private byte[] _bytes = new byte[1 << 16];
    private int _length;
    private int _header = -1;

    /// <summary>What counting a user did.</summary>
    /// <param name="Stage">Where it ended: accepted, or the stage that rejected it.</param>
    /// <param name="Join">The join outcome counted, if the run had a hash export.</param>
    /// <param name="Warnings">The warning codes counted.</param>
    /// <param name="Fates">The metadata key fates counted.</param>
    /// <param name="ProviderWithoutHash">The provider counted under users without a hash.</param>
    /// <param name="Usernames">The validator's keys of the usernames it took.</param>
    public sealed record Effects(
        UserStage Stage,
        PasswordJoinOutcome? Join,
        List<string> Warnings,
        List<(string Key, MetadataKeyFate Fate)> Fates,
        string? ProviderWithoutHash,
        List<ulong> Usernames);

    /// <summary>Where a user ended.</summary>
    public enum UserStage
    {
        /// <summary>Nothing counted (not a readable user).</summary>
        None,

        /// <summary>Accepted and handed to the importer.</summary>
        Accepted,

        /// <summary>Rejected by the mapper chain.</summary>
        RejectedByMapper,

        /// <summary>Rejected by validation.</summary>
        RejectedByValidation,
    }

    /// <summary>Starts the entries of the user at <paramref name="position"/>; places skipped have none.</summary>
    public void Begin(long position)
    {
        while (_starts.Count < position)
        {
            _starts.Add(_length);
        }

        _starts.Add(_length);
        _header = _length;
        Append(0);
    }

    public void Stage(UserStage stage) => _bytes[_header] = (byte)((_bytes[_header] & ~3) | (int)stage);

    public void Join(PasswordJoinOutcome outcome) => _bytes[_header] = (byte)((_bytes[_header] & 3) | (((int)outcome + 1) << StageBits));

    public void Warning(string code) => Entry(WarningEntry, code);

    public void Fate(string key, MetadataKeyFate fate)
    {
        Entry(FateEntry, key);
        AppendVarint((uint)(int)fate);
    }

    public void Provider(string provider) => Entry(ProviderEntry, provider);

    public void Username(ulong key)
    {
        AppendVarint(UsernameEntry);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, key);
        foreach (byte b in bytes)
        {
            Append(b);
        }
    }

    /// <summary>Where the user at <paramref name="position"/> ended, without reading the rest.</summary>
    public UserStage StageOf(long position) => Range(position) is (int start, > 0) ? (UserStage)(_bytes[start] & 3) : UserStage.None;

    /// <summary>Reads back what was recorded for the user at <paramref name="position"/>.</summary>
    /// <returns><see langword="null"/> when nothing was recorded (an unreadable record, or one never read).</returns>
    public Effects? Read(long position)
    {
        if (Range(position) is not (int at, > 0 and int length))
        {
            return null;
        }

        int end = at + length;
        var warnings = new List<string>();
        var fates = new List<(string, MetadataKeyFate)>();
        var usernames = new List<ulong>();
        string? provider = null;
        byte header = _bytes[at++];
        int join = header >> StageBits;
        while (at < end)
        {
            uint tag = ReadVarint(ref at);
            switch ((int)(tag & 3))
            {
                case WarningEntry:
                    warnings.Add(_names[(int)(tag >> 2)]);
                    break;
                case FateEntry:
                    fates.Add((_names[(int)(tag >> 2)], (MetadataKeyFate)(int)ReadVarint(ref at)));
                    break;
                case ProviderEntry:
                    provider = _names[(int)(tag >> 2)];
                    break;
                default:
                    usernames.Add(BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(at, 8)));
                    at += 8;
                    break;
            }
        }

        return new Effects((UserStage)(header & 3), join == 0 ? null : (PasswordJoinOutcome)(join - 1), warnings, fates, provider, usernames);
    }

    private (int Start, int Length) Range(long position)
    {
        if (position >= _starts.Count)
        {
            return (0, 0);
        }

        int start = _starts[(int)position];
        return (start, (position + 1 < _starts.Count ? _starts[(int)position + 1] : _length) - start);
    }

    private void Entry(int kind, string name)
    {
        if (!_ids.TryGetValue(name, out int id))
        {
            _ids[name] = id = _names.Count;
            _names.Add(name);
        }

        AppendVarint(((uint)id << 2) | (uint)kind);
    }

    private void AppendVarint(uint value)
    {
        while (value >= 0x80)
        {
            Append((byte)(value | 0x80));
            value >>= 7;
        }

        Append((byte)value);
    }

    private uint ReadVarint(ref int at)
    {
        uint value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = _bytes[at++];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private void Append(byte value)
    {
        if (_length == _bytes.Length)
        {
            Array.Resize(ref _bytes, _bytes.Length * 2);
        }

        _bytes[_length++] = value;
    }
}
