using System.Text;
using System.Text.Json;

namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>
/// Shares one string instance per distinct value of fields with few values (provider, connection names), so a
/// million records do not allocate a million copies of "Username-Password-Authentication".
/// </summary>
internal sealed class LowCardinalityStrings
{
    private const int MaxEntries = 1024;
    private const int MaxLength = 128;

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public LowCardinalityStrings()
    {
        _lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string? Get(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.String || reader.HasValueSequence || reader.ValueSpan.Length > MaxLength)
        {
            return JsonValues.String(ref reader, field);
        }

        Span<char> chars = stackalloc char[MaxLength];
        int length = reader.CopyString(chars);
        if (_lookup.TryGetValue(chars[..length], out string? shared))
        {
            return shared;
        }

        return Add(chars[..length]);
    }

    /// <summary>The string of <paramref name="utf8"/> (valid UTF-8), shared with earlier equal ones.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[MaxLength];
        int length = Encoding.UTF8.GetChars(utf8, chars);
        return _lookup.TryGetValue(chars[..length], out string? shared) ? shared : Add(chars[..length]);
    }

    private string Add(ReadOnlySpan<char> chars)
    {
        string value = chars.ToString();
        if (_values.Count < MaxEntries)
        {
            _values[value] = value;
        }

        return value;
    }
}
