namespace Kinde.Migration.Joining;

/// <summary>64-bit FNV-1a over UTF-16 code units: compact, deterministic keys for the join's indexes.</summary>
/// <remarks>Lookups always verify the full value against the stored record, so a collision costs a miss check, never a wrong join.</remarks>
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

    /// <summary><see cref="char.ToLowerInvariant"/>, with ASCII (nearly every key) done inline.</summary>
    private static char ToLower(char c) => c < 128 ? (char)(char.IsAsciiLetterUpper(c) ? c | 0x20 : c) : char.ToLowerInvariant(c);
}
