namespace Kinde.Migration.Joining;

/// <summary>64-bit FNV-1a over UTF-16 code units: compact, deterministic keys for the join's indexes.</summary>
/// <remarks>Index lookups compare this hash and an independent second one (<see cref="Check"/>): a wrong join would
/// need two keys to collide on both 64-bit hashes. The shared-email count of the first pass uses this hash alone, so a
/// collision there can only make the runner wait for a merge partner that never comes (merge groups are keyed by the
/// email itself); the group is then completed at the end of the pass.</remarks>
internal static class KeyHash
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    private const ulong CheckOffsetBasis = 0x84222325CBF29CE4UL;

    public static ulong Of(string value) => Of(value.AsSpan(), ignoreCase: false);

    /// <summary>A second, independent hash (other basis, reverse order) kept beside <see cref="Of(string)"/>, so a
    /// match on both is as good as comparing the strings without reading the stored record.</summary>
    public static ulong Check(ReadOnlySpan<char> value, bool ignoreCase)
    {
        ulong hash = CheckOffsetBasis;
        for (int i = value.Length - 1; i >= 0; i--)
        {
            hash = (hash ^ (ignoreCase ? ToLower(value[i]) : value[i])) * Prime;
        }

        return hash;
    }

    public static ulong OfEmail(string email) => Of(email.AsSpan().Trim(), ignoreCase: true);

    public static ulong Of(ReadOnlySpan<char> value, bool ignoreCase)
    {
        ulong hash = OffsetBasis;
        foreach (char c in value)
        {
            hash = (hash ^ (ignoreCase ? ToLower(c) : c)) * Prime;
        }

        return hash;
    }

    /// <summary><see cref="Of(ReadOnlySpan{char}, bool)"/> of <paramref name="prefix"/> + <paramref name="value"/>,
    /// both ASCII, without decoding them.</summary>
    public static ulong OfAscii(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> value, bool ignoreCase)
    {
        ulong hash = OffsetBasis;
        foreach (byte b in prefix)
        {
            hash = (hash ^ (ignoreCase ? ToLower((char)b) : b)) * Prime;
        }

        foreach (byte b in value)
        {
            hash = (hash ^ (ignoreCase ? ToLower((char)b) : b)) * Prime;
        }

        return hash;
    }

    /// <summary><see cref="Check"/> of <paramref name="prefix"/> + <paramref name="value"/>, both ASCII.</summary>
    public static ulong CheckAscii(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> value, bool ignoreCase)
    {
        ulong hash = CheckOffsetBasis;
        for (int i = value.Length - 1; i >= 0; i--)
        {
            hash = (hash ^ (ignoreCase ? ToLower((char)value[i]) : value[i])) * Prime;
        }

        for (int i = prefix.Length - 1; i >= 0; i--)
        {
            hash = (hash ^ (ignoreCase ? ToLower((char)prefix[i]) : prefix[i])) * Prime;
        }

        return hash;
    }

    /// <summary><see cref="char.ToLowerInvariant"/>, with ASCII (nearly every key) done inline.</summary>
    private static char ToLower(char c) => c < 128 ? (char)(char.IsAsciiLetterUpper(c) ? c | 0x20 : c) : char.ToLowerInvariant(c);
}
