using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Kinde.Migration.Joining;

/// <summary>
/// Encodes a hash record's JSON straight into <see cref="HashRecordCodec"/>'s form and hashes its join keys from the
/// bytes: no record object, no strings, no UTF-16 round trip. Building the index spent most of its time on those.
/// </summary>
/// <remarks>Only the common shape is taken: printable ASCII without escapes (spaces the only white space), keys
/// spelled as Auth0 writes them, each once, ids as <c>{"$oid": …}</c> or text, dates as UTC ISO text (bare or in
/// <c>{"$date": …}</c>), and a record that is accepted. For anything else it declines, and the caller parses the
/// record with <c>HashRecordParser</c>: both give the same stored bytes and keys for every record this takes.</remarks>
internal static class HashRecordJson
{
    private const int MaxIdentifiers = 8;

    // Printable ASCII but the backslash: a record of only these has no escapes, no non-ASCII text (so its strings are
    // their bytes) and no white space but spaces, and needs no UTF-8 validation.
    private static readonly SearchValues<byte> Plain = SearchValues.Create([.. Enumerable.Range(0x20, 0x7F - 0x20).Where(b => b != '\\').Select(b => (byte)b)]);

    /// <summary>Encodes <paramref name="json"/> into <paramref name="output"/> (nothing is written when declined).</summary>
    /// <returns><see langword="false"/> when the record is not of the common shape: parse it the usual way.</returns>
    public static bool TryEncode(ReadOnlySpan<byte> json, ArrayBufferWriter<byte> output, out HashedKey id, out HashedKey email)
    {
        id = email = default;
        var fields = new Fields();
        Span<Text> identifierTypes = stackalloc Text[MaxIdentifiers];
        Span<Text> identifierValues = stackalloc Text[MaxIdentifiers];
        Span<byte> identifierVerified = stackalloc byte[MaxIdentifiers];
        int identifiers = 0;
        uint seen = 0;
        if (json.ContainsAnyExcept(Plain))
        {
            return false;
        }

        int pos = 0;
        SkipSpace(json, ref pos);
        if (!Take(json, ref pos, (byte)'{'))
        {
            return false;
        }

        SkipSpace(json, ref pos);
        if (pos < json.Length && json[pos] == '}')
        {
            return false;
        }

        while (true)
        {
            if (!String(json, ref pos, out Text key) || !Colon(json, ref pos))
            {
                return false;
            }

            int field = FieldOf(key.Of(json));
            if (field < 0 || (seen & (1u << field)) != 0)
            {
                return false;
            }

            seen |= 1u << field;
            bool ok = field switch
            {
                Field.Id => ObjectId(json, ref pos, out fields.Id),
                Field.AltId => NullableString(json, ref pos, out fields.AltId),
                Field.Email => NullableString(json, ref pos, out fields.Email),
                Field.EmailVerified => Boolean(json, ref pos, out fields.EmailVerified),
                Field.Username => NullableString(json, ref pos, out fields.Username),
                Field.PasswordHash => String(json, ref pos, out fields.PasswordHash),
                Field.PasswordSetDate => Date(json, ref pos, out fields.PasswordSetDate),
                Field.LastPasswordReset => Date(json, ref pos, out fields.LastPasswordReset),
                Field.Tenant => NullableString(json, ref pos, out fields.Tenant),
                Field.Connection => NullableString(json, ref pos, out fields.Connection),
                Field.Version => NullableString(json, ref pos, out fields.Version),
                Field.TmpIsUnique => Boolean(json, ref pos, out fields.TmpIsUnique),
                _ => Identifiers(json, ref pos, identifierTypes, identifierValues, identifierVerified, out identifiers),
            };
            if (!ok)
            {
                return false;
            }

            SkipSpace(json, ref pos);
            if (Take(json, ref pos, (byte)'}'))
            {
                break;
            }

            if (!Take(json, ref pos, (byte)','))
            {
                return false;
            }

            SkipSpace(json, ref pos);
        }

        SkipSpace(json, ref pos);

        // The parser rejects a record without an id or a hash: left to it, for its reasons and field names.
        if (pos != json.Length || fields.Id.Length <= 0 || fields.PasswordHash.Length <= 0)
        {
            return false;
        }

        id = Auth0Id(fields.AltId.IsNull ? fields.Id.Of(json) : fields.AltId.Of(json));
        Text effectiveEmail = fields.Email;
        for (int i = 0; effectiveEmail.IsNull && i < identifiers; i++)
        {
            if (!identifierTypes[i].IsNull && Ascii.EqualsIgnoreCase(identifierTypes[i].Of(json), "email"u8))
            {
                effectiveEmail = identifierValues[i];
                break;
            }
        }

        email = effectiveEmail.IsNull ? HashedKey.None : HashedKey.OfEmailAscii(effectiveEmail.Of(json));
        Write(output, json, fields.Id);
        Write(output, json, fields.AltId);
        Write(output, json, fields.Email);
        WriteBoolean(output, fields.EmailVerified);
        Write(output, json, fields.Username);
        Write(output, json, fields.PasswordHash);
        WriteDate(output, fields.PasswordSetDate);
        WriteDate(output, fields.LastPasswordReset);
        Write(output, json, fields.Tenant);
        Write(output, json, fields.Connection);
        Write(output, json, fields.Version);
        WriteBoolean(output, fields.TmpIsUnique);
        HashRecordCodec.WriteNumber(output, (uint)identifiers);
        for (int i = 0; i < identifiers; i++)
        {
            Write(output, json, identifierTypes[i]);
            Write(output, json, identifierValues[i]);
            WriteBoolean(output, identifierVerified[i]);
        }

        return true;
    }

    private static HashedKey Auth0Id(ReadOnlySpan<byte> bareId)
    {
        Span<byte> userId = bareId.Length <= 256 ? stackalloc byte[6 + bareId.Length] : new byte[6 + bareId.Length];
        "auth0|"u8.CopyTo(userId);
        bareId.CopyTo(userId[6..]);
        return HashedKey.OfAuth0IdAscii(userId);
    }

    private static int FieldOf(ReadOnlySpan<byte> key) => key.Length switch
    {
        3 when key.SequenceEqual("_id"u8) => Field.Id,
        5 when key.SequenceEqual("email"u8) => Field.Email,
        6 when key.SequenceEqual("tenant"u8) => Field.Tenant,
        6 when key.SequenceEqual("alt_id"u8) => Field.AltId,
        7 when key.SequenceEqual("version"u8) => Field.Version,
        8 when key.SequenceEqual("username"u8) => Field.Username,
        10 when key.SequenceEqual("connection"u8) => Field.Connection,
        11 when key.SequenceEqual("identifiers"u8) => Field.Identifiers,
        12 when key.SequenceEqual("passwordHash"u8) => Field.PasswordHash,
        14 when key.SequenceEqual("email_verified"u8) => Field.EmailVerified,
        14 when key.SequenceEqual("_tmp_is_unique"u8) => Field.TmpIsUnique,
        17 when key.SequenceEqual("password_set_date"u8) => Field.PasswordSetDate,
        19 when key.SequenceEqual("last_password_reset"u8) => Field.LastPasswordReset,
        _ => -1,
    };

    private static void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> json, Text text)
    {
        if (text.IsNull)
        {
            HashRecordCodec.WriteNumber(output, 0);
        }
        else
        {
            HashRecordCodec.WriteAscii(output, text.Of(json));
        }
    }

    private static void WriteBoolean(ArrayBufferWriter<byte> output, byte value) =>
        HashRecordCodec.WriteBoolean(output, value == 0 ? null : value == 2);

    private static void WriteDate(ArrayBufferWriter<byte> output, long ticks) =>
        HashRecordCodec.WriteDate(output, ticks < 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero));

    /// <summary><c>{"$oid": text}</c> or text.</summary>
    private static bool ObjectId(ReadOnlySpan<byte> json, ref int pos, out Text id)
    {
        if (!Take(json, ref pos, (byte)'{'))
        {
            return String(json, ref pos, out id);
        }

        id = Text.Null;
        SkipSpace(json, ref pos);
        return String(json, ref pos, out Text key) && key.Of(json).SequenceEqual("$oid"u8) && Colon(json, ref pos)
            && String(json, ref pos, out id) && End(json, ref pos, (byte)'}');
    }

    /// <summary>UTC ISO text, bare or as <c>{"$date": text}</c>, or null; the ticks, -1 for null.</summary>
    private static bool Date(ReadOnlySpan<byte> json, ref int pos, out long ticks)
    {
        ticks = -1;
        if (Literal(json, ref pos, "null"u8))
        {
            return true;
        }

        if (Take(json, ref pos, (byte)'{'))
        {
            SkipSpace(json, ref pos);
            return String(json, ref pos, out Text key) && key.Of(json).SequenceEqual("$date"u8) && Colon(json, ref pos)
                && String(json, ref pos, out Text wrapped) && UtcTicks(wrapped.Of(json), out ticks) && End(json, ref pos, (byte)'}');
        }

        return String(json, ref pos, out Text text) && UtcTicks(text.Of(json), out ticks);
    }

    /// <summary><c>yyyy-MM-ddTHH:mm:ss[.f{1,7}]Z</c>, in range; other forms are left to the parser.</summary>
    private static bool UtcTicks(ReadOnlySpan<byte> text, out long ticks)
    {
        ticks = -1;
        if (text.Length < 20 || text[^1] != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':'
            || !Digits(text[..4], out int year) || !Digits(text[5..7], out int month) || !Digits(text[8..10], out int day)
            || !Digits(text[11..13], out int hour) || !Digits(text[14..16], out int minute) || !Digits(text[17..19], out int second))
        {
            return false;
        }

        int fraction = 0;
        if (text.Length > 20)
        {
            ReadOnlySpan<byte> digits = text[20..^1];
            if (text[19] != '.' || digits.Length is < 1 or > 7 || !Digits(digits, out fraction))
            {
                return false;
            }

            for (int i = digits.Length; i < 7; i++)
            {
                fraction *= 10;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        ticks = new DateTime(year, month, day, hour, minute, second).Ticks + fraction;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (byte b in text)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    /// <summary><c>[{"type": …, "value": …, "verified": …}, …]</c> or null.</summary>
    private static bool Identifiers(ReadOnlySpan<byte> json, ref int pos, Span<Text> types, Span<Text> values, Span<byte> verified, out int count)
    {
        count = 0;
        if (Literal(json, ref pos, "null"u8))
        {
            return true;
        }

        if (!Take(json, ref pos, (byte)'['))
        {
            return false;
        }

        SkipSpace(json, ref pos);
        if (Take(json, ref pos, (byte)']'))
        {
            return true;
        }

        while (true)
        {
            if (count == types.Length || !Take(json, ref pos, (byte)'{'))
            {
                return false;
            }

            types[count] = values[count] = Text.Null;
            verified[count] = 0;
            SkipSpace(json, ref pos);
            if (!Take(json, ref pos, (byte)'}'))
            {
                uint seen = 0;
                while (true)
                {
                    if (!String(json, ref pos, out Text key) || !Colon(json, ref pos))
                    {
                        return false;
                    }

                    ReadOnlySpan<byte> name = key.Of(json);
                    int field = name.SequenceEqual("type"u8) ? 0 : name.SequenceEqual("value"u8) ? 1 : name.SequenceEqual("verified"u8) ? 2 : -1;
                    if (field < 0 || (seen & (1u << field)) != 0)
                    {
                        return false;
                    }

                    seen |= 1u << field;
                    bool ok = field switch
                    {
                        0 => NullableString(json, ref pos, out types[count]),
                        1 => NullableString(json, ref pos, out values[count]),
                        _ => Boolean(json, ref pos, out verified[count]),
                    };
                    SkipSpace(json, ref pos);
                    if (!ok)
                    {
                        return false;
                    }

                    if (Take(json, ref pos, (byte)'}'))
                    {
                        break;
                    }

                    if (!Take(json, ref pos, (byte)','))
                    {
                        return false;
                    }

                    SkipSpace(json, ref pos);
                }
            }

            count++;
            SkipSpace(json, ref pos);
            if (Take(json, ref pos, (byte)']'))
            {
                return true;
            }

            if (!Take(json, ref pos, (byte)','))
            {
                return false;
            }

            SkipSpace(json, ref pos);
        }
    }

    /// <summary><c>true</c>, <c>false</c> or <c>null</c>, as the codec stores them (2, 1, 0).</summary>
    private static bool Boolean(ReadOnlySpan<byte> json, ref int pos, out byte value)
    {
        value = Literal(json, ref pos, "true"u8) ? (byte)2 : Literal(json, ref pos, "false"u8) ? (byte)1 : (byte)0;
        return value != 0 || Literal(json, ref pos, "null"u8);
    }

    private static bool NullableString(ReadOnlySpan<byte> json, ref int pos, out Text text)
    {
        text = Text.Null;
        return Literal(json, ref pos, "null"u8) || String(json, ref pos, out text);
    }

    /// <summary>A string (of <see cref="Plain"/> bytes, without escapes: checked once for the whole record).</summary>
    private static bool String(ReadOnlySpan<byte> json, ref int pos, out Text text)
    {
        text = Text.Null;
        if (!Take(json, ref pos, (byte)'"'))
        {
            return false;
        }

        int length = IndexOfQuote(json, pos);
        if (length < 0)
        {
            return false;
        }

        text = new Text(pos, length);
        pos += length + 1;
        return true;
    }

    /// <summary>Where the next quote is, from <paramref name="pos"/>.</summary>
    /// <remarks>Most strings here end within 32 bytes: one compare of a vector inline, where a call to IndexOf for
    /// each of some twenty short strings a record cost more than the search itself.</remarks>
    private static int IndexOfQuote(ReadOnlySpan<byte> json, int pos)
    {
        if (Vector256.IsHardwareAccelerated && json.Length - pos >= Vector256<byte>.Count)
        {
            uint quotes = Vector256.Equals(Vector256.Create(json.Slice(pos, Vector256<byte>.Count)), Vector256.Create((byte)'"')).ExtractMostSignificantBits();
            if (quotes != 0)
            {
                return BitOperations.TrailingZeroCount(quotes);
            }
        }

        return json[pos..].IndexOf((byte)'"');
    }

    private static bool Colon(ReadOnlySpan<byte> json, ref int pos)
    {
        SkipSpace(json, ref pos);
        bool colon = Take(json, ref pos, (byte)':');
        SkipSpace(json, ref pos);
        return colon;
    }

    private static bool End(ReadOnlySpan<byte> json, ref int pos, byte end)
    {
        SkipSpace(json, ref pos);
        return Take(json, ref pos, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Literal(ReadOnlySpan<byte> json, ref int pos, ReadOnlySpan<byte> literal)
    {
        if (!json[pos..].StartsWith(literal))
        {
            return false;
        }

        pos += literal.Length;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Take(ReadOnlySpan<byte> json, ref int pos, byte expected)
    {
        if (pos >= json.Length || json[pos] != expected)
        {
            return false;
        }

        pos++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SkipSpace(ReadOnlySpan<byte> json, ref int pos)
    {
        while (pos < json.Length && json[pos] == ' ')
        {
            pos++;
        }
    }

    /// <summary>Where a string's bytes are in the record; <see cref="Null"/> for JSON null or an absent field.</summary>
    private readonly record struct Text(int Start, int Length)
    {
        public static Text Null => new(-1, -1);

        public bool IsNull => Start < 0;

        public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> json) => json.Slice(Start, Length);
    }

    private static class Field
    {
        public const int Id = 0, AltId = 1, Email = 2, EmailVerified = 3, Username = 4, PasswordHash = 5, PasswordSetDate = 6,
            LastPasswordReset = 7, Tenant = 8, Connection = 9, Version = 10, TmpIsUnique = 11, Identifiers = 12;
    }

    private struct Fields()
    {
        public Text Id = Text.Null, AltId = Text.Null, Email = Text.Null, Username = Text.Null, PasswordHash = Text.Null,
            Tenant = Text.Null, Connection = Text.Null, Version = Text.Null;

        public byte EmailVerified, TmpIsUnique;

        public long PasswordSetDate = -1, LastPasswordReset = -1;
    }
}
