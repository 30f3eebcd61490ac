namespace Kinde.Migration.Joining;

/// <summary>64-bit FNV-1a over UTF-16 code units: compact, deterministic keys for the join's indexes.</summary>
/// <remarks>Index lookups compare this hash and an independent second one (<see cref="Both(ReadOnlySpan{char}, bool)"/>): a wrong join would
/// need two keys to collide on both 64-bit hashes. The shared-email count of the first pass uses this hash alone, so a
/// collision there can only make the runner wait for a merge partner that never comes (merge groups are keyed by the
/// email itself); the group is then completed at the end of the pass.</remarks>
internal static class KeyHash
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    private const ulong CheckOffsetBasis = 0x84222325CBF29CE4UL;

    public static ulong Of(string value) => Of(value.AsSpan(), ignoreCase: false);

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

    /// <summary><see cref="Of(ReadOnlySpan{char}, bool)"/> and a second, independent hash (other basis, reverse
    /// order), so a match on both is as good as comparing the strings without reading the stored record. One loop:
    /// the two multiply chains are independent, so they run side by side.</summary>
    public static HashedKey Both(ReadOnlySpan<char> value, bool ignoreCase)
    {
        ulong hash = OffsetBasis, check = CheckOffsetBasis;
        for (int i = 0, j = value.Length - 1; i < value.Length; i++, j--)
        {
            hash = (hash ^ (ignoreCase ? ToLower(value[i]) : value[i])) * Prime;
            check = (check ^ (ignoreCase ? ToLower(value[j]) : value[j])) * Prime;
        }

        return new(hash, check);
    }

    /// <summary><see cref="Both(ReadOnlySpan{char}, bool)"/> of ASCII text given as bytes (each byte is its UTF-16
    /// code unit), so a key read from JSON hashes as its string would.</summary>
    public static HashedKey BothAscii(ReadOnlySpan<byte> value, bool ignoreCase)
    {
        ulong hash = OffsetBasis, check = CheckOffsetBasis;
        for (int i = 0, j = value.Length - 1; i < value.Length; i++, j--)
        {
            hash = (hash ^ (ignoreCase ? ToLowerAscii(value[i]) : value[i])) * Prime;
            check = (check ^ (ignoreCase ? ToLowerAscii(value[j]) : value[j])) * Prime;
        }

        return new(hash, check);
    }

    /// <summary><see cref="char.ToLowerInvariant"/>, with ASCII (nearly every key) done inline.</summary>
    private static char ToLower(char c) => c < 128 ? (char)(char.IsAsciiLetterUpper(c) ? c | 0x20 : c) : char.ToLowerInvariant(c);

    private static uint ToLowerAscii(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? b | 0x20u : b;
}
