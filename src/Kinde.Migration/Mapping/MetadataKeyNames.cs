using System.Collections.Concurrent;
using System.Text.Json;

namespace Kinde.Migration.Mapping;

/// <summary>
/// The strings the mapper derives from a metadata key (<c>app_metadata.plan</c>, and <c>plan</c> cleaned up and
/// prefixed as a property key), made once per distinct key instead of once per user: exports repeat a handful of keys
/// across millions of users. Thread-safe; holds at most <see cref="MaxKeys"/> keys per root, so a file whose every
/// user has keys of their own costs the work as before, not memory.
/// </summary>
internal sealed class MetadataKeyNames
{
    private const int MaxKeys = 4096;
    private const int MaxKeyChars = 256;

    private readonly ConcurrentDictionary<string, MetadataKeyName> _app = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MetadataKeyName> _user = new(StringComparer.Ordinal);

    /// <summary>The names of the property name under <paramref name="reader"/>, a top-level key of <paramref name="root"/>.</summary>
    public MetadataKeyName Get(ref Utf8JsonReader reader, string root)
    {
        var cache = root == "app_metadata" ? _app : _user;
        if (!reader.ValueIsEscaped && reader.ValueSpan.Length <= MaxKeyChars)
        {
            Span<char> chars = stackalloc char[MaxKeyChars];
            int length = reader.CopyString(chars);
            if (cache.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..length], out MetadataKeyName? hit))
            {
                return hit;
            }
        }

        string key = reader.GetString()!;
        var name = new MetadataKeyName(key, root + "." + key, DefaultUserMapper.SanitizeKey(key));
        if (cache.Count < MaxKeys)
        {
            cache.TryAdd(key, name);
        }

        return name;
    }
}

/// <summary>One metadata key's names.</summary>
/// <param name="Key">The key as written.</param>
/// <param name="FullKey"><c>app_metadata.</c> or <c>user_metadata.</c> + the key: how the report names it.</param>
/// <param name="Sanitized">The key as a Kinde property key (<see cref="DefaultUserMapper.SanitizeKey"/>).</param>
internal sealed record MetadataKeyName(string Key, string FullKey, string Sanitized)
{
    private Prefixed? _prefixed;

    /// <summary><paramref name="prefix"/> + <see cref="Sanitized"/>, kept for the prefix last asked for.</summary>
    public string PropertyKey(string prefix)
    {
        Prefixed? last = _prefixed;
        if (last is not null && string.Equals(last.Prefix, prefix, StringComparison.Ordinal))
        {
            return last.Value;
        }

        string value = prefix + Sanitized;
        _prefixed = new Prefixed(prefix, value);
        return value;
    }

    private sealed record Prefixed(string Prefix, string Value);
}
