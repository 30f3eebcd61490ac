using System.Text.Json;

namespace Kinde.Migration.Auth0.Reading.Internal;

internal enum UserField
{
    Unknown,
    UserId,
    Email,
    EmailVerified,
    Username,
    PhoneNumber,
    PhoneVerified,
    GivenName,
    FamilyName,
    Name,
    Nickname,
    Picture,
    Connection,
    CreatedAt,
    UpdatedAt,
    LastLogin,
    LastIp,
    LoginsCount,
    Blocked,
    Multifactor,
    Identities,
    AppMetadata,
    UserMetadata,
}

/// <summary>A key of a user record resolved to an attribute, or to a path inside app/user metadata.</summary>
internal readonly record struct ResolvedKey(UserField Field, string? MetadataPath = null);

/// <summary>
/// Resolves export keys to Auth0 attributes: raw names (<c>user_id</c>), extension labels (<c>Email Verified</c>),
/// case-insensitively with spaces, underscores and hyphens ignored, after the caller's key map; flat dotted keys
/// (<c>user_metadata.theme</c>) resolve to a metadata path.
/// </summary>
internal sealed class KeyResolver
{
    private static readonly Dictionary<string, UserField> Fields = new(StringComparer.Ordinal)
    {
        ["userid"] = UserField.UserId,
        ["id"] = UserField.UserId,
        ["email"] = UserField.Email,
        ["emailverified"] = UserField.EmailVerified,
        ["username"] = UserField.Username,
        ["phonenumber"] = UserField.PhoneNumber,
        ["phoneverified"] = UserField.PhoneVerified,
        ["givenname"] = UserField.GivenName,
        ["familyname"] = UserField.FamilyName,
        ["name"] = UserField.Name,
        ["nickname"] = UserField.Nickname,
        ["picture"] = UserField.Picture,
        ["connection"] = UserField.Connection,

        // The job export's documented example exports identities[0].connection "as provider".
        ["provider"] = UserField.Connection,
        ["identities[0].connection"] = UserField.Connection,
        ["createdat"] = UserField.CreatedAt,
        ["updatedat"] = UserField.UpdatedAt,
        ["lastlogin"] = UserField.LastLogin,
        ["lastip"] = UserField.LastIp,
        ["loginscount"] = UserField.LoginsCount,
        ["blocked"] = UserField.Blocked,
        ["multifactor"] = UserField.Multifactor,
        ["multifactor[0]"] = UserField.Multifactor,
        ["identities"] = UserField.Identities,
        ["appmetadata"] = UserField.AppMetadata,
        ["usermetadata"] = UserField.UserMetadata,
    };

    private static readonly Dictionary<string, UserField>.AlternateLookup<ReadOnlySpan<char>> FieldLookup = Fields.GetAlternateLookup<ReadOnlySpan<char>>();

    // Exports repeat the same few keys on every record: remember each resolved key (and its string) so the hot path
    // neither normalizes nor allocates. Bounded, so a file of ever-new keys cannot grow it without limit.
    private const int MaxCachedKeys = 4096;

    private readonly Dictionary<string, ResolvedKey> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResolvedKey>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private readonly Dictionary<string, string> _keyMap;
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _keyMapLookup;

    public KeyResolver(IDictionary<string, string> keyMap)
    {
        _keyMap = new Dictionary<string, string>(keyMap, StringComparer.OrdinalIgnoreCase);
        _keyMapLookup = _keyMap.GetAlternateLookup<ReadOnlySpan<char>>();
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Resolves the property name the reader is on; <paramref name="rawKey"/> is the key as written.</summary>
    public ResolvedKey Resolve(ref Utf8JsonReader reader, out string rawKey)
    {
        int max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        Span<char> chars = max <= 256 ? stackalloc char[256] : new char[max];
        int n = reader.CopyString(chars);
        ReadOnlySpan<char> key = chars[..n];
        if (_cacheLookup.TryGetValue(key, out string? cachedKey, out ResolvedKey cached))
        {
            rawKey = cachedKey;
            return cached;
        }

        ResolvedKey resolved = Resolve(key);
        rawKey = key.ToString();
        if (_cache.Count < MaxCachedKeys)
        {
            _cache[rawKey] = resolved;
        }

        return resolved;
    }

    public ResolvedKey Resolve(ReadOnlySpan<char> key)
    {
        if (_keyMap.Count > 0 && _keyMapLookup.TryGetValue(key, out string? mapped))
        {
            key = mapped;
        }

        Span<char> normalized = key.Length <= 256 ? stackalloc char[256] : new char[key.Length];
        int length = Normalize(key, normalized);
        if (FieldLookup.TryGetValue(normalized[..length], out UserField field))
        {
            return new ResolvedKey(field);
        }

        int dot = key.IndexOf('.');
        if (dot > 0 && dot < key.Length - 1)
        {
            int rootLength = Normalize(key[..dot], normalized);
            if (FieldLookup.TryGetValue(normalized[..rootLength], out UserField root) && root is UserField.AppMetadata or UserField.UserMetadata)
            {
                return new ResolvedKey(root, key[(dot + 1)..].ToString());
            }
        }

        return new ResolvedKey(UserField.Unknown);
    }

    public bool IsBoolean(string key) => Resolve(key).Field is UserField.EmailVerified or UserField.PhoneVerified or UserField.Blocked;

    /// <summary>Lower-cases ASCII letters and drops spaces, underscores and hyphens.</summary>
    internal static int Normalize(ReadOnlySpan<char> key, Span<char> destination)
    {
        int length = 0;
        foreach (char c in key)
        {
            if (c is ' ' or '_' or '-')
            {
                continue;
            }

            destination[length++] = char.ToLowerInvariant(c);
        }

        return length;
    }
}
