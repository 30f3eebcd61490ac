using System.Buffers;
using System.Text;
using Kinde.Migration.Joining;

namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>
/// The fast path of the join's first pass: finds a user record's id, email and linked <c>auth0</c> identity ids by
/// walking its bytes, and skips every other value with a vectorized search for the end of each string instead of
/// tokenizing it (most of a record is metadata and profile text the scan never needs).
/// </summary>
/// <remarks>
/// It checks the JSON grammar it walks (strings, escapes, numbers, literals, commas) and gives up — returning
/// <see langword="false"/>, so that <see cref="UserRecordParser.ScanKeys"/> reads the record with
/// <see cref="System.Text.Json.Utf8JsonReader"/> instead — on anything it does not handle itself: an escaped key or
/// key value, deep nesting, or anything malformed. It therefore never accepts a record the full reader would refuse,
/// and for every record it accepts it logs the same keys. The record's UTF-8 has been validated by the caller.
/// </remarks>
internal static class JoinKeyScanner
{
    // Nesting deeper than this is left to the full reader (which allows 64).
    private const int MaxDepth = 32;

    // The bytes that end a run of plain string content: the closing quote, an escape, or a control character (which
    // JSON does not allow unescaped).
    private static readonly SearchValues<byte> StringSpecials = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    /// <summary>Scans <paramref name="json"/>; <see langword="false"/> when the full reader must decide.</summary>
    public static bool TryScan(ReadOnlySpan<byte> json, KeyResolver keys, List<HashedKey> linked, out HashedKey id, out HashedKey email)
    {
        id = default;
        email = default;
        linked.Clear();
        if (JsonValues.HasLoneSurrogateEscape(json))
        {
            return false;
        }

        int i = SkipWhitespace(json, 0);
        if (!At(json, i, (byte)'{'))
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        if (At(json, i, (byte)'}'))
        {
            i++;
        }
        else
        {
            for (int place = 0; ; place++)
            {
                if (!TryReadPlainString(json, ref i, out ReadOnlySpan<byte> key) || !TryColon(json, ref i))
                {
                    return false;
                }

                UserField field = keys.Resolve(key, place).Field;
                bool isString = At(json, i, (byte)'"');
                bool scanned = field switch
                {
                    UserField.UserId when isString => TryHashString(json, ref i, [], email: false, out id),
                    UserField.Email when isString => TryHashString(json, ref i, [], email: true, out email),
                    UserField.Identities when At(json, i, (byte)'[') => TryScanIdentities(json, ref i, linked),
                    _ => TrySkipValue(json, ref i, 1),
                };
                if (!scanned || !TryNext(json, ref i, (byte)'}', out bool end))
                {
                    return false;
                }

                if (end)
                {
                    break;
                }
            }
        }

        return SkipWhitespace(json, i) == json.Length;
    }

    /// <summary>The <c>identities</c> array: each object's <c>provider</c> and <c>user_id</c>, as
    /// <see cref="UserRecordParser"/>'s own scan takes them; other elements and values are skipped.</summary>
    private static bool TryScanIdentities(ReadOnlySpan<byte> json, ref int i, List<HashedKey> linked)
    {
        i = SkipWhitespace(json, i + 1);
        if (At(json, i, (byte)']'))
        {
            i++;
            return true;
        }

        while (true)
        {
            if (!At(json, i, (byte)'{'))
            {
                if (!TrySkipValue(json, ref i, 2))
                {
                    return false;
                }
            }
            else if (!TryScanIdentity(json, ref i, linked))
            {
                return false;
            }

            if (!TryNext(json, ref i, (byte)']', out bool end))
            {
                return false;
            }

            if (end)
            {
                return true;
            }
        }
    }

    private static bool TryScanIdentity(ReadOnlySpan<byte> json, ref int i, List<HashedKey> linked)
    {
        bool auth0 = false;
        HashedKey? id = null;
        i = SkipWhitespace(json, i + 1);
        if (At(json, i, (byte)'}'))
        {
            i++;
            return true;
        }

        while (true)
        {
            if (!TryReadPlainString(json, ref i, out ReadOnlySpan<byte> key) || !TryColon(json, ref i))
            {
                return false;
            }

            UserRecordParser.IdentityField field = IdentityFieldOf(key);
            if (field == UserRecordParser.IdentityField.Provider && At(json, i, (byte)'"'))
            {
                if (!TryReadPlainString(json, ref i, out ReadOnlySpan<byte> provider))
                {
                    return false;
                }

                auth0 = provider.SequenceEqual("auth0"u8);
            }
            else if (field == UserRecordParser.IdentityField.UserId && At(json, i, (byte)'"'))
            {
                if (!TryHashString(json, ref i, "auth0|"u8, email: false, out HashedKey hashed))
                {
                    return false;
                }

                id = hashed;
            }
            else if (field == UserRecordParser.IdentityField.UserId && i < json.Length && (json[i] == '-' || char.IsAsciiDigit((char)json[i])))
            {
                int start = i;
                if (!TrySkipNumber(json, ref i))
                {
                    return false;
                }

                id = HashedKey.OfUtf8("auth0|"u8, json[start..i], email: false);
            }
            else if (!TrySkipValue(json, ref i, 3))
            {
                return false;
            }

            if (!TryNext(json, ref i, (byte)'}', out bool end))
            {
                return false;
            }

            if (end)
            {
                if (auth0 && id is { } linkedId)
                {
                    linked.Add(linkedId);
                }

                return true;
            }
        }
    }

    private static UserRecordParser.IdentityField IdentityFieldOf(ReadOnlySpan<byte> key)
    {
        if (key.SequenceEqual("provider"u8))
        {
            return UserRecordParser.IdentityField.Provider;
        }

        if (key.SequenceEqual("user_id"u8))
        {
            return UserRecordParser.IdentityField.UserId;
        }

        if (key.SequenceEqual("connection"u8) || key.SequenceEqual("isSocial"u8) || key.SequenceEqual("profileData"u8))
        {
            // The other keys exports spell exactly: none of them matters to the scan.
            return UserRecordParser.IdentityField.Other;
        }

        Span<char> chars = key.Length <= 128 ? stackalloc char[128] : new char[key.Length];
        return UserRecordParser.IdentityFieldOf(chars[..Encoding.UTF8.GetChars(key, chars)]);
    }

    /// <summary>As <see cref="UserRecordParser"/>'s scan hashes a key: from its text, after <paramref name="prefix"/>.</summary>
    private static bool TryHashString(ReadOnlySpan<byte> json, ref int i, ReadOnlySpan<byte> prefix, bool email, out HashedKey key)
    {
        key = default;
        if (!TryReadPlainString(json, ref i, out ReadOnlySpan<byte> value))
        {
            return false;
        }

        key = HashedKey.OfUtf8(prefix, value, email);
        return true;
    }

    /// <summary>A string without escapes (its content, quotes excluded); <see langword="false"/> for any other.</summary>
    private static bool TryReadPlainString(ReadOnlySpan<byte> json, ref int i, out ReadOnlySpan<byte> content)
    {
        content = default;
        if (!At(json, i, (byte)'"'))
        {
            return false;
        }

        int length = json[(i + 1)..].IndexOfAny(StringSpecials);
        if (length < 0 || json[i + 1 + length] != '"')
        {
            return false;
        }

        content = json.Slice(i + 1, length);
        i += length + 2;
        return true;
    }

    private static bool TrySkipValue(ReadOnlySpan<byte> json, ref int i, int depth)
    {
        if (i >= json.Length)
        {
            return false;
        }

        switch (json[i])
        {
            case (byte)'"':
                return TrySkipString(json, ref i);
            case (byte)'{':
                return TrySkipObject(json, ref i, depth + 1);
            case (byte)'[':
                return TrySkipArray(json, ref i, depth + 1);
            case (byte)'t':
                return TrySkipLiteral(json, ref i, "true"u8);
            case (byte)'f':
                return TrySkipLiteral(json, ref i, "false"u8);
            case (byte)'n':
                return TrySkipLiteral(json, ref i, "null"u8);
            default:
                return TrySkipNumber(json, ref i);
        }
    }

    private static bool TrySkipObject(ReadOnlySpan<byte> json, ref int i, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        if (At(json, i, (byte)'}'))
        {
            i++;
            return true;
        }

        while (true)
        {
            if (!At(json, i, (byte)'"') || !TrySkipString(json, ref i) || !TryColon(json, ref i) || !TrySkipValue(json, ref i, depth)
                || !TryNext(json, ref i, (byte)'}', out bool end))
            {
                return false;
            }

            if (end)
            {
                return true;
            }
        }
    }

    private static bool TrySkipArray(ReadOnlySpan<byte> json, ref int i, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        if (At(json, i, (byte)']'))
        {
            i++;
            return true;
        }

        while (true)
        {
            if (!TrySkipValue(json, ref i, depth) || !TryNext(json, ref i, (byte)']', out bool end))
            {
                return false;
            }

            if (end)
            {
                return true;
            }
        }
    }

    /// <summary>A string, escapes checked as JSON defines them (<c>\uXXXX</c> with four hex digits).</summary>
    private static bool TrySkipString(ReadOnlySpan<byte> json, ref int i)
    {
        int at = i + 1;
        while (true)
        {
            int run = json[at..].IndexOfAny(StringSpecials);
            if (run < 0)
            {
                return false;
            }

            at += run;
            switch (json[at])
            {
                case (byte)'"':
                    i = at + 1;
                    return true;
                case (byte)'\\' when at + 1 < json.Length:
                    byte escaped = json[at + 1];
                    if (escaped == 'u')
                    {
                        if (at + 6 > json.Length || !IsHex(json[at + 2]) || !IsHex(json[at + 3]) || !IsHex(json[at + 4]) || !IsHex(json[at + 5]))
                        {
                            return false;
                        }

                        at += 6;
                    }
                    else if (escaped is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
                    {
                        at += 2;
                    }
                    else
                    {
                        return false;
                    }

                    break;
                default:
                    // A control character, or a backslash that ends the text.
                    return false;
            }
        }
    }

    /// <summary>A number as JSON spells it: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    private static bool TrySkipNumber(ReadOnlySpan<byte> json, ref int i)
    {
        int at = i;
        if (At(json, at, (byte)'-'))
        {
            at++;
        }

        if (At(json, at, (byte)'0'))
        {
            at++;
        }
        else if (!TrySkipDigits(json, ref at))
        {
            return false;
        }

        if (At(json, at, (byte)'.'))
        {
            at++;
            if (!TrySkipDigits(json, ref at))
            {
                return false;
            }
        }

        if (At(json, at, (byte)'e') || At(json, at, (byte)'E'))
        {
            at++;
            if (At(json, at, (byte)'+') || At(json, at, (byte)'-'))
            {
                at++;
            }

            if (!TrySkipDigits(json, ref at))
            {
                return false;
            }
        }

        i = at;
        return true;
    }

    private static bool TrySkipDigits(ReadOnlySpan<byte> json, ref int at)
    {
        int start = at;
        while (at < json.Length && char.IsAsciiDigit((char)json[at]))
        {
            at++;
        }

        return at > start;
    }

    private static bool TrySkipLiteral(ReadOnlySpan<byte> json, ref int i, ReadOnlySpan<byte> literal)
    {
        if (!json[i..].StartsWith(literal))
        {
            return false;
        }

        i += literal.Length;
        return true;
    }

    /// <summary>After a key: the colon and the whitespace around it.</summary>
    private static bool TryColon(ReadOnlySpan<byte> json, ref int i)
    {
        i = SkipWhitespace(json, i);
        if (!At(json, i, (byte)':'))
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        return true;
    }

    /// <summary>After a member or element: a comma (and the next item's start) or <paramref name="close"/>.</summary>
    private static bool TryNext(ReadOnlySpan<byte> json, ref int i, byte close, out bool end)
    {
        i = SkipWhitespace(json, i);
        end = At(json, i, close);
        if (end)
        {
            i++;
            return true;
        }

        if (!At(json, i, (byte)','))
        {
            return false;
        }

        i = SkipWhitespace(json, i + 1);
        return true;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i;
    }

    private static bool At(ReadOnlySpan<byte> json, int i, byte expected) => i < json.Length && json[i] == expected;

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);
}
