using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Auth0.Reading.Internal;

namespace Kinde.Migration.Joining;

/// <summary>
/// Index of the password-hash export for the join: by <c>auth0|(alt_id ?? _id)</c> and by email, with bounded memory.
/// </summary>
/// <remarks>
/// <para>Each hash record is stored once, serialized, in a <see cref="HashRecordStore"/> (memory up to a threshold,
/// then an owner-only temporary file). The in-memory indexes hold only 64-bit key hashes, slot numbers and a
/// second independent 64-bit check hash per key (about 80 bytes per record); a lookup must match both hashes, and
/// the stored record is read back only for a match.</para>
/// <para>The join is two-pass over the user export: <see cref="Claim"/> is called for every readable user first, so
/// that when <see cref="Resolve"/> runs, it is known whether a hash is claimed by id by several users, or by email
/// by several users — both are ambiguous and no guess is made.</para>
/// </remarks>
internal sealed class PasswordHashIndex : IDisposable
{
    private const int SeveralHashesShareEmail = -2;

    private readonly HashRecordStore _store;
    private readonly LowCardinalityStrings _strings = new();
    private readonly List<long> _offsets = [];
    private readonly List<int> _lengths = [];
    private readonly List<ulong> _idCheck = [];
    private readonly List<ulong> _emailCheck = [];
    private readonly Dictionary<ulong, int> _byId = [];
    private readonly Dictionary<string, int> _byIdOverflow = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, int> _byEmail = [];
    private byte[] _idClaims = [];
    private byte[] _emailClaims = [];
    private bool[] _used = [];

    public PasswordHashIndex(long inMemoryBytes, string tempDirectory)
    {
        _store = new HashRecordStore(inMemoryBytes, tempDirectory);
    }

    public long HashesRead { get; private set; }

    public long HashesRejected { get; private set; }

    public long Duplicates { get; private set; }

    public int Count => _offsets.Count;

    public bool SpilledToDisk => _store.SpilledToDisk;

    public List<ExportReadError> Rejections { get; } = [];

    public async Task AddAllAsync(IAsyncEnumerable<ExportRecord<Auth0PasswordHash>> records, CancellationToken cancellationToken)
    {
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            AddRecord(record, null);
        }

        Seal();
    }

    /// <summary>Like the other overload, storing each record's original text instead of writing it again.</summary>
    public async Task AddAllAsync(IAsyncEnumerable<(ExportRecord<Auth0PasswordHash> Record, ReadOnlyMemory<byte> Utf8)> records, CancellationToken cancellationToken)
    {
        await foreach (var (record, utf8) in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            AddRecord(record, utf8);
        }

        Seal();
    }

    private void AddRecord(ExportRecord<Auth0PasswordHash> record, ReadOnlyMemory<byte>? utf8)
    {
        HashesRead++;
        if (record.Value is null)
        {
            HashesRejected++;
            Rejections.Add(record.Error!);
            return;
        }

        Add(record.Value, utf8);
    }

    private void Seal()
    {
        _store.Seal();
        _idClaims = new byte[_offsets.Count];
        _emailClaims = new byte[_offsets.Count];
        _used = new bool[_offsets.Count];
    }

    /// <summary>First pass: notes which hashes this user would take, by id or (failing that) by email.</summary>
    public void Claim(UserKeys user)
    {
        int slot = FindById(user.UserId, user.LinkedAuth0Ids, out _);
        if (slot >= 0)
        {
            _idClaims[slot] = (byte)Math.Min(_idClaims[slot] + 1, 2);
            return;
        }

        slot = FindByEmail(user.Email);
        if (slot >= 0)
        {
            _emailClaims[slot] = (byte)Math.Min(_emailClaims[slot] + 1, 2);
        }
    }

    /// <summary>Second pass: the user's hash, if exactly one unambiguous match exists.</summary>
    public PasswordJoinResult Resolve(Auth0User user)
    {
        int slot = FindById(user.UserId, UserKeys.LinkedAuth0IdsOf(user), out bool linked);
        if (slot >= 0)
        {
            return _idClaims[slot] > 1 ? new(PasswordJoinOutcome.Ambiguous, null) : Take(slot, linked ? PasswordJoinOutcome.ByLinkedIdentity : PasswordJoinOutcome.ById);
        }

        if (user.Email is null)
        {
            return new(PasswordJoinOutcome.NotFound, null);
        }

        if (_byEmail.TryGetValue(KeyHash.OfEmail(user.Email), out int emailSlot) && emailSlot == SeveralHashesShareEmail)
        {
            return new(PasswordJoinOutcome.Ambiguous, null);
        }

        slot = FindByEmail(user.Email);
        if (slot < 0 || _idClaims[slot] > 0)
        {
            // A hash that belongs to another user by id is never handed out by email.
            return new(PasswordJoinOutcome.NotFound, null);
        }

        return _emailClaims[slot] > 1 ? new(PasswordJoinOutcome.Ambiguous, null) : Take(slot, PasswordJoinOutcome.ByEmail);
    }

    /// <summary>Hashes that no user took (after the second pass).</summary>
    public long CountUnused() => _used.LongCount(u => !u);

    public void Dispose() => _store.Dispose();

    private PasswordJoinResult Take(int slot, PasswordJoinOutcome outcome)
    {
        _used[slot] = true;
        return new(outcome, Load(slot));
    }

    private void Add(Auth0PasswordHash record, ReadOnlyMemory<byte>? utf8)
    {
        string id = record.Auth0UserId;
        ulong idKey = KeyHash.Of(id);
        if (_byId.TryGetValue(idKey, out int existing))
        {
            if (_idCheck[existing] == KeyHash.Check(id, ignoreCase: false) || _byIdOverflow.ContainsKey(id))
            {
                Duplicates++;
                return;
            }

            _byIdOverflow[id] = _offsets.Count;
        }
        else
        {
            _byId[idKey] = _offsets.Count;
        }

        int slot = _offsets.Count;
        ReadOnlySpan<byte> serialized = utf8 is { } text ? text.Span : Auth0PasswordHashJson.ToUtf8(record);
        _offsets.Add(_store.Append(serialized));
        _lengths.Add(serialized.Length);
        _idCheck.Add(KeyHash.Check(id, ignoreCase: false));
        _emailCheck.Add(record.EffectiveEmail is { } e ? KeyHash.Check(e.AsSpan().Trim(), ignoreCase: true) : 0);
        if (record.EffectiveEmail is { Length: > 0 } email)
        {
            ulong emailKey = KeyHash.OfEmail(email);
            _byEmail[emailKey] = _byEmail.ContainsKey(emailKey) ? SeveralHashesShareEmail : slot;
        }
    }

    private Auth0PasswordHash Load(int slot) => HashRecordParser.Parse(_store.Read(_offsets[slot], _lengths[slot]), _strings);

    private int FindById(string? userId, IReadOnlyList<string>? linkedAuth0Ids, out bool linked)
    {
        linked = false;
        if (userId is not null && FindId(userId) is int direct and >= 0)
        {
            return direct;
        }

        foreach (string id in linkedAuth0Ids ?? [])
        {
            if (!string.Equals(userId, id, StringComparison.Ordinal) && FindId(id) is int slot and >= 0)
            {
                linked = true;
                return slot;
            }
        }

        return -1;
    }

    private int FindId(string auth0UserId)
    {
        if (!auth0UserId.StartsWith("auth0|", StringComparison.Ordinal))
        {
            return -1;
        }

        if (_byId.TryGetValue(KeyHash.Of(auth0UserId), out int slot) && _idCheck[slot] == KeyHash.Check(auth0UserId, ignoreCase: false))
        {
            return slot;
        }

        return _byIdOverflow.TryGetValue(auth0UserId, out slot) ? slot : -1;
    }

    private int FindByEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || !_byEmail.TryGetValue(KeyHash.OfEmail(email), out int slot) || slot < 0)
        {
            return -1;
        }

        return _emailCheck[slot] == KeyHash.Check(email.AsSpan().Trim(), ignoreCase: true) ? slot : -1;
    }
}
