using System.Buffers;
using System.Runtime.InteropServices;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Auth0.Reading.Internal;

namespace Kinde.Migration.Joining;

/// <summary>
/// Index of the password-hash export for the join: by <c>auth0|(alt_id ?? _id)</c> and by email, with bounded memory.
/// </summary>
/// <remarks>
/// <para>Each hash record is stored once, in its compact form (<see cref="HashRecordCodec"/>), in a
/// <see cref="HashRecordStore"/> (memory up to a threshold, then an owner-only temporary file). The in-memory indexes
/// hold only two independent 64-bit hashes of each key with its slot number (<see cref="KeyTable"/>), and 16 bytes of
/// state per record: about 70 bytes per record. A lookup must match both hashes, and the stored record is read back
/// only for a match.</para>
/// <para>A hash claimed by id by several users, or by email by several users, is ambiguous and no guess is made, so a
/// user's answer depends on every other user's claims. Two ways to get them: two passes over the user export
/// (<see cref="ClaimAll"/> with every user's keys first, then <see cref="Resolve"/>), or one
/// (<see cref="LookUp"/>, then <see cref="ClaimAndResolve(in Lookup)"/> per user with the claims so far; then
/// <see cref="OutcomeChanged"/> finds the users whose answer a later claim changed, and <see cref="ResolveFinal"/>
/// gives them the two-pass answer).</para>
/// </remarks>
internal sealed class PasswordHashIndex : IDisposable
{
    private const int NotFound = -1;
    private const int SeveralHashesShareEmail = -2;

    private readonly HashRecordStore _store;
    private readonly LowCardinalityStrings _strings = new();
    private readonly ArrayBufferWriter<byte> _encoded = new(512);
    private readonly KeyTable _byId = new();
    private readonly KeyTable _byEmail = new();

    // Per record, by slot: where it is stored, and (once sealed) what the join has noted of it. One 16-byte entry,
    // so a match costs one more cache miss, not one per array.
    private readonly List<SlotState> _slots = [];
    private Func<int, bool>? _isDuplicate;

    // Two passes: per user, by place in the export, a fingerprint of the keys its claim was made with.
    private ulong[] _fingerprints = [];

    // Per user, by place in the export: the slot its claim matched (or a negative constant), and a byte holding how it
    // was matched (a Match… constant, low two bits) and, in the single pass, the outcome given then (the bits above).
    private readonly List<int> _matchSlot = [];
    private readonly List<byte> _match = [];
    private const byte MatchNone = 0;
    private const byte MatchId = 1;
    private const byte MatchLinked = 2;
    private const byte MatchEmail = 3;

    public PasswordHashIndex(long inMemoryBytes, string tempDirectory)
    {
        _store = new HashRecordStore(inMemoryBytes, tempDirectory);
    }

    public long HashesRead { get; private set; }

    public long HashesRejected { get; private set; }

    public long Duplicates { get; private set; }

    public int Count => _slots.Count;

    public bool SpilledToDisk => _store.SpilledToDisk;

    public List<ExportReadError> Rejections { get; } = [];

    public async Task AddAllAsync(IAsyncEnumerable<ExportRecord<Auth0PasswordHash>> records, CancellationToken cancellationToken)
    {
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            Add(record);
        }

        Seal();
    }

    /// <summary>Like the other overload, from the built-in reader without an asynchronous enumerator per record.</summary>
    public async Task AddAllAsync(PasswordHashReader reader, ExportSource source, CancellationToken cancellationToken)
    {
        await reader.ReadAllAsync(source, TryAdd, Add, cancellationToken).ConfigureAwait(false);
        Seal();
    }

    /// <summary>Adds a record of the common shape straight from its JSON; others are declined, to be parsed.</summary>
    private bool TryAdd(ReadOnlySpan<byte> json)
    {
        _encoded.ResetWrittenCount();
        if (!HashRecordJson.TryEncode(json, _encoded, out HashedKey id, out HashedKey email))
        {
            return false;
        }

        HashesRead++;
        AddEncoded(_encoded.WrittenSpan, id, email);
        return true;
    }

    private void Add(ExportRecord<Auth0PasswordHash> record)
    {
        HashesRead++;
        if (record.Value is null)
        {
            HashesRejected++;
            Rejections.Add(record.Error!);
        }
        else
        {
            Add(record.Value);
        }
    }

    private void Seal()
    {
        _store.Seal();

        // A second record for an Auth0 user id already seen is a duplicate: the first one is used, and the duplicate
        // is not found by its email either.
        _byId.Seal(keepFirstOnly: true, dropped: slot =>
        {
            SlotAt(slot).Duplicate = true;
            Duplicates++;
        });
        _byEmail.Seal();
    }

    /// <summary>After the first pass: notes which hashes each user would take, by id or (failing that) by email, and
    /// remembers what was found for each user so that <see cref="Resolve"/> need not look it up again.</summary>
    public void ClaimAll(UserKeyLog users)
    {
        _fingerprints = new ulong[users.Count];
        IReadOnlyList<(int User, HashedKey Id)> linked = users.Linked;
        int next = 0;
        for (int user = 0; user < users.Count; user++)
        {
            var (id, email) = users[user];
            _fingerprints[user] = Fingerprint(id, email);
            int slot = FindId(id);
            byte match = slot >= 0 ? MatchId : MatchNone;
            for (; next < linked.Count && linked[next].User == user; next++)
            {
                if (slot < 0 && FindId(linked[next].Id) is int linkedSlot and >= 0)
                {
                    (slot, match) = (linkedSlot, MatchLinked);
                }
            }

            if (slot < 0)
            {
                slot = FindByEmail(email);
                match = slot == NotFound ? MatchNone : MatchEmail;
            }

            Claim(slot, match);
        }
    }

    /// <summary>Second pass: the user's hash, if exactly one unambiguous match exists.</summary>
    /// <param name="user">The user.</param>
    /// <param name="position">The user's place in the export (0 for the first record, readable or not), as in the
    /// first pass; a user whose keys differ from the first pass's at that place is looked up again.</param>
    public PasswordJoinResult Resolve(Auth0User user, long position)
    {
        var id = HashedKey.OfAuth0Id(user.UserId);
        var email = HashedKey.OfEmail(user.Email);
        byte match;
        int slot;
        if (position < _fingerprints.Length && (_match[(int)position] & 3) != MatchLinked && _fingerprints[position] == Fingerprint(id, email))
        {
            (match, slot) = ((byte)(_match[(int)position] & 3), _matchSlot[(int)position]);
        }
        else
        {
            // Another record than the first pass saw at this place, or a match by a linked identity, which the
            // fingerprint does not cover: looked up again.
            (match, slot) = Find(user, id, email);
        }

        PasswordJoinResult result = ResultOf(OutcomeOf(match, slot), slot);
        if (result.Hash is not null)
        {
            SlotAt(slot).Used = true;
        }

        return result;
    }

    /// <summary>What the single pass finds out about a user before it claims: its email's key, what its keys match,
    /// and the matched record. Lookups read only what sealing fixed, so one thread may look users up while another
    /// claims, in the export's order (<see cref="ClaimAndResolve(in Lookup)"/>).</summary>
    public readonly record struct Lookup(HashedKey Email, byte Match, int Slot, Auth0PasswordHash? Record)
    {
        /// <summary>A user's lookup when there is no hash export: only its email's key.</summary>
        public static Lookup EmailOnly(Auth0User? user) => new(HashedKey.OfEmail(user?.Email), MatchNone, NotFound, null);
    }

    /// <summary>Single pass: looks the user's hash up (by id, a linked identity, or failing both, email) and reads its
    /// record. Not at the same time as <see cref="Resolve"/> or <see cref="ResolveFinal"/>, which read records too.</summary>
    /// <param name="user">The next user of the export; <see langword="null"/> for a record that could not be read.</param>
    public Lookup LookUp(Auth0User? user)
    {
        if (user is null)
        {
            return Lookup.EmailOnly(null);
        }

        HashedKey email = HashedKey.OfEmail(user.Email);
        var (match, slot) = Find(user, HashedKey.OfAuth0Id(user.UserId), email);
        return new(email, match, slot, slot >= 0 ? Load(slot) : null);
    }

    /// <summary>Single pass: claims the hash the user's <see cref="LookUp"/> found and resolves it with the claims of
    /// the users before it. A later user's claim can change the answer: <see cref="OutcomeChanged"/> tells, once every
    /// user has claimed, and <see cref="ResolveFinal"/> gives the answer the two-pass join would have given
    /// (<see cref="ClaimAll"/>, then <see cref="Resolve"/>).</summary>
    public PasswordJoinResult ClaimAndResolve(in Lookup lookup)
    {
        Claim(lookup.Slot, lookup.Match);
        PasswordJoinOutcome outcome = OutcomeOf(lookup.Match, lookup.Slot);
        _match[^1] |= (byte)((int)outcome << 2);
        return IsJoined(outcome) ? new(outcome, lookup.Record) : new(outcome, null);
    }

    /// <summary><see cref="LookUp"/> and <see cref="ClaimAndResolve(in Lookup)"/> in one.</summary>
    public PasswordJoinResult ClaimAndResolve(Auth0User? user) => ClaimAndResolve(LookUp(user));

    /// <summary>Single pass, after every user has claimed: whether the user at <paramref name="position"/> would now
    /// get another answer than <see cref="ClaimAndResolve(in Lookup)"/> gave it.</summary>
    public bool OutcomeChanged(int position) => FinalOutcome(position) != (PasswordJoinOutcome)(_match[position] >> 2);

    /// <summary>Single pass, after every user has claimed: the user's answer with every claim known.</summary>
    public PasswordJoinResult ResolveFinal(int position) => ResultOf(FinalOutcome(position), _matchSlot[position]);

    /// <summary>Single pass, at the end: marks the hashes the users took, for <see cref="CountUnused"/>.</summary>
    public void MarkTakenByFinalOutcomes()
    {
        for (int position = 0; position < _match.Count; position++)
        {
            if (IsJoined(FinalOutcome(position)))
            {
                SlotAt(_matchSlot[position]).Used = true;
            }
        }
    }

    /// <summary>Hashes that no user took (after the second pass).</summary>
    public long CountUnused()
    {
        long unused = 0;
        foreach (SlotState slot in _slots)
        {
            unused += slot.Used || slot.Duplicate ? 0 : 1;
        }

        return unused;
    }

    public void Dispose() => _store.Dispose();

    private PasswordJoinOutcome FinalOutcome(int position) => OutcomeOf((byte)(_match[position] & 3), _matchSlot[position]);

    /// <summary>The answer for a match, with the claims made so far: the same rules as <see cref="Resolve"/>.</summary>
    private PasswordJoinOutcome OutcomeOf(byte match, int slot) => match switch
    {
        MatchId => SlotAt(slot).IdClaims > 1 ? PasswordJoinOutcome.Ambiguous : PasswordJoinOutcome.ById,
        MatchLinked => SlotAt(slot).IdClaims > 1 ? PasswordJoinOutcome.Ambiguous : PasswordJoinOutcome.ByLinkedIdentity,
        MatchEmail when slot == SeveralHashesShareEmail => PasswordJoinOutcome.Ambiguous,
        MatchEmail when SlotAt(slot).IdClaims > 0 => PasswordJoinOutcome.NotFound,
        MatchEmail => SlotAt(slot).EmailClaims > 1 ? PasswordJoinOutcome.Ambiguous : PasswordJoinOutcome.ByEmail,
        _ => PasswordJoinOutcome.NotFound,
    };

    private PasswordJoinResult ResultOf(PasswordJoinOutcome outcome, int slot) => IsJoined(outcome) ? new(outcome, Load(slot)) : new(outcome, null);

    private static bool IsJoined(PasswordJoinOutcome outcome) =>
        outcome is PasswordJoinOutcome.ById or PasswordJoinOutcome.ByLinkedIdentity or PasswordJoinOutcome.ByEmail;

    /// <summary>Counts a user's claim on <paramref name="slot"/> and notes it at the user's place.</summary>
    private void Claim(int slot, byte match)
    {
        if (match is MatchId or MatchLinked)
        {
            ref byte claims = ref SlotAt(slot).IdClaims;
            claims = (byte)Math.Min(claims + 1, 2);
        }
        else if (match == MatchEmail && slot >= 0)
        {
            ref byte claims = ref SlotAt(slot).EmailClaims;
            claims = (byte)Math.Min(claims + 1, 2);
        }

        _matchSlot.Add(slot);
        _match.Add(match);
    }

    /// <summary>The user's match: by its id or a linked identity, or failing both by email.</summary>
    private (byte Match, int Slot) Find(Auth0User user, HashedKey id, HashedKey email)
    {
        int slot = FindById(user, id, out bool linked);
        if (slot >= 0)
        {
            return (linked ? MatchLinked : MatchId, slot);
        }

        slot = FindByEmail(email);
        return (slot == NotFound ? MatchNone : MatchEmail, slot);
    }

    private void Add(Auth0PasswordHash record)
    {
        _encoded.ResetWrittenCount();
        HashRecordCodec.Write(record, _encoded);
        // Auth0UserId without building the string: "auth0|" + (alt_id ?? _id).
        string bareId = record.AltId ?? record.Id;
        Span<char> auth0Id = bareId.Length <= 256 ? stackalloc char[6 + bareId.Length] : new char[6 + bareId.Length];
        "auth0|".CopyTo(auth0Id);
        bareId.CopyTo(auth0Id[6..]);
        AddEncoded(_encoded.WrittenSpan, HashedKey.OfAuth0Id(auth0Id), HashedKey.OfEmail(record.EffectiveEmail));
    }

    /// <summary>Stores an encoded record and indexes it by its keys.</summary>
    private void AddEncoded(ReadOnlySpan<byte> record, HashedKey id, HashedKey email)
    {
        int slot = _slots.Count;
        _slots.Add(new SlotState { Offset = _store.Append(record), Length = record.Length });
        _byId.Add(id, slot);
        if (!email.IsNone)
        {
            _byEmail.Add(email, slot);
        }
    }

    private Auth0PasswordHash Load(int slot)
    {
        ref readonly SlotState state = ref SlotAt(slot);
        return HashRecordCodec.Read(_store.Read(state.Offset, state.Length), _strings);
    }

    private static ulong Fingerprint(HashedKey id, HashedKey email) => (id.Check * 0x9E3779B97F4A7C15UL) ^ email.Check;

    private int FindById(Auth0User user, HashedKey id, out bool linked)
    {
        linked = false;
        if (FindId(id) is int direct and >= 0)
        {
            return direct;
        }

        // The linked ids are only worked out when the user's own id has no hash.
        foreach (string linkedId in UserKeys.LinkedAuth0IdsOf(user) ?? [])
        {
            if (!string.Equals(user.UserId, linkedId, StringComparison.Ordinal) && FindId(HashedKey.OfAuth0Id(linkedId)) is int slot and >= 0)
            {
                linked = true;
                return slot;
            }
        }

        return -1;
    }

    private int FindId(HashedKey id) => id.IsNone ? -1 : _byId.Find(id);

    /// <summary>The one hash whose email matches, -1 for none, or <see cref="SeveralHashesShareEmail"/>.</summary>
    private int FindByEmail(HashedKey email) => email.IsNone ? -1 : _byEmail.Find(email, only: true, _isDuplicate ??= slot => SlotAt(slot).Duplicate) switch
    {
        KeyTable.Several => SeveralHashesShareEmail,
        int slot => slot,
    };

    private ref SlotState SlotAt(int slot) => ref CollectionsMarshal.AsSpan(_slots)[slot];

    private struct SlotState
    {
        public long Offset;
        public int Length;
        public byte IdClaims;
        public byte EmailClaims;
        public bool Used;
        public bool Duplicate;
    }
}
