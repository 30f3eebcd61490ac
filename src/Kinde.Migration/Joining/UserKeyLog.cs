using System.Text;

namespace Kinde.Migration.Joining;

/// <summary>A key as the join's indexes see it: two independent 64-bit hashes (<see cref="KeyHash"/>).</summary>
internal readonly record struct HashedKey(ulong Key, ulong Check)
{
    public static HashedKey None => default;

    public bool IsNone => Key == 0 && Check == 0;

    /// <summary>An <c>auth0|…</c> user id; <see cref="None"/> for others, which no hash record can match.</summary>
    public static HashedKey OfAuth0Id(string? userId) => userId is null ? None : OfAuth0Id(userId.AsSpan());

    /// <inheritdoc cref="OfAuth0Id(string?)"/>
    public static HashedKey OfAuth0Id(ReadOnlySpan<char> userId) =>
        userId.StartsWith("auth0|", StringComparison.Ordinal)
            ? KeyHash.Both(userId, ignoreCase: false)
            : None;

    /// <summary><see cref="OfAuth0Id(ReadOnlySpan{char})"/> of an ASCII id given as bytes.</summary>
    public static HashedKey OfAuth0IdAscii(ReadOnlySpan<byte> userId) =>
        userId.StartsWith("auth0|"u8) ? KeyHash.BothAscii(userId, ignoreCase: false) : None;

    /// <summary>An email, trimmed and case-insensitive; <see cref="None"/> for a blank one.</summary>
    public static HashedKey OfEmail(string? email) => email is null ? None : OfEmail(email.AsSpan());

    /// <inheritdoc cref="OfEmail(string?)"/>
    public static HashedKey OfEmail(ReadOnlySpan<char> email)
    {
        email = email.Trim();
        return email.IsEmpty ? None : KeyHash.Both(email, ignoreCase: true);
    }

    /// <summary><see cref="OfEmail(ReadOnlySpan{char})"/> of an ASCII email given as bytes.</summary>
    public static HashedKey OfEmailAscii(ReadOnlySpan<byte> email)
    {
        // Ascii.Trim drops the same ASCII white space as string.Trim (tab to carriage return, and space).
        email = email[Ascii.Trim(email)];
        return email.IsEmpty ? None : KeyHash.BothAscii(email, ignoreCase: true);
    }
}

/// <summary>
/// The first pass's record of every user's join keys as hashes (32 bytes a user, in chunks that never need one large
/// copy), so that the user export can be scanned while the password-hash index is still being built; claims are
/// made from it once both are done (<see cref="PasswordHashIndex.ClaimAll"/>).
/// </summary>
internal sealed class UserKeyLog
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<(HashedKey Id, HashedKey Email)[]> _chunks = [];
    private readonly List<(int User, HashedKey Id)> _linked = [];

    /// <summary>Gets how many users were logged (unreadable ones included, with no keys).</summary>
    public int Count { get; private set; }

    /// <summary>Gets the <c>auth0|…</c> ids of linked identities, by user, in the order they were logged.</summary>
    public IReadOnlyList<(int User, HashedKey Id)> Linked => _linked;

    public (HashedKey Id, HashedKey Email) this[int user] => _chunks[user >> ChunkBits][user & (ChunkSize - 1)];

    /// <summary>Logs the next user; <see langword="null"/> for a record that could not be read.</summary>
    public void Add(UserKeys? keys)
    {
        if (keys is not { } user)
        {
            Add(HashedKey.None, HashedKey.None, []);
            return;
        }

        HashedKey[] linked = [.. (user.LinkedAuth0Ids ?? []).Select(HashedKey.OfAuth0Id)];
        Add(HashedKey.OfAuth0Id(user.UserId), HashedKey.OfEmail(user.Email), linked);
    }

    /// <summary>Logs the next user by its keys' hashes; a linked id equal to the user's own is left out.</summary>
    public void Add(HashedKey id, HashedKey email, ReadOnlySpan<HashedKey> linkedAuth0Ids)
    {
        if ((Count & (ChunkSize - 1)) == 0)
        {
            _chunks.Add(new (HashedKey, HashedKey)[ChunkSize]);
        }

        _chunks[^1][Count & (ChunkSize - 1)] = (id, email);
        foreach (HashedKey linked in linkedAuth0Ids)
        {
            if (linked != id)
            {
                _linked.Add((Count, linked));
            }
        }

        Count++;
    }

    /// <summary>The emails (by <see cref="KeyHash.OfEmail"/>) that several users share, with how many share each.</summary>
    public Dictionary<ulong, int> SharedEmails() => SharedKeys(Count, user => this[user].Email.IsNone ? 0 : this[user].Email.Key);

    /// <summary>The keys (0 for none) that occur more than once among <paramref name="count"/> users, with how many
    /// times each.</summary>
    internal static Dictionary<ulong, int> SharedKeys(int count, Func<int, ulong> keyOf)
    {
        // Sorted to find the shared ones: 8 bytes a user, where a counting dictionary took 28 and doubled while growing.
        int withKey = 0;
        for (int user = 0; user < count; user++)
        {
            withKey += keyOf(user) == 0 ? 0 : 1;
        }

        var keys = new ulong[withKey];
        for (int user = 0, next = 0; user < count; user++)
        {
            if (keyOf(user) is var key and not 0)
            {
                keys[next++] = key;
            }
        }

        Array.Sort(keys);
        var shared = new Dictionary<ulong, int>();
        for (int i = 0; i < keys.Length;)
        {
            int end = i + 1;
            while (end < keys.Length && keys[end] == keys[i])
            {
                end++;
            }

            if (end - i > 1)
            {
                shared[keys[i]] = end - i;
            }

            i = end;
        }

        return shared;
    }
}

/// <summary>
/// The single pass's record of every user's email key (<see cref="HashedKey.OfEmail(string?)"/>'s
/// <see cref="HashedKey.Key"/>, 0 for none): 8 bytes a user, to find the emails several users share once all are read.
/// </summary>
internal sealed class EmailKeyLog
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<ulong[]> _chunks = [];

    public int Count { get; private set; }

    public ulong this[int user] => _chunks[user >> ChunkBits][user & (ChunkSize - 1)];

    /// <summary>Logs the next user's email (<see langword="null"/> for none, or an unreadable record).</summary>
    public void Add(string? email) => Add(HashedKey.OfEmail(email));

    /// <summary>Logs the next user's email by its <see cref="HashedKey.OfEmail(string?)"/>.</summary>
    public void Add(HashedKey key)
    {
        if ((Count & (ChunkSize - 1)) == 0)
        {
            _chunks.Add(new ulong[ChunkSize]);
        }

        // A real key of 0 (one in 2^64) is moved to 1 rather than read as "no email".
        _chunks[^1][Count & (ChunkSize - 1)] = key.IsNone ? 0 : Math.Max(key.Key, 1);
        Count++;
    }

    /// <inheritdoc cref="UserKeyLog.SharedEmails"/>
    public Dictionary<ulong, int> SharedEmails() => UserKeyLog.SharedKeys(Count, user => this[user]);
}
