using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Kinde.Migration.Auth0;
using Kinde.Migration.Auth0.Reading.Internal;

namespace Kinde.Migration.Joining;

/// <summary>
/// The join's stored form of a hash record: its fields in a fixed order, without names. Reading it back costs a
/// fraction of parsing the JSON again (no tokens, no key matching, no date parsing), and it is smaller.
/// </summary>
/// <remarks>Strings are UTF-8, or UTF-16 when they do not convert (a lone surrogate), so every string comes back
/// exactly; dates keep their ticks and offset.</remarks>
internal static class HashRecordCodec
{
    public static void Write(Auth0PasswordHash record, ArrayBufferWriter<byte> output)
    {
        WriteString(output, record.Id);
        WriteString(output, record.AltId);
        WriteString(output, record.Email);
        WriteBoolean(output, record.EmailVerified);
        WriteString(output, record.Username);
        WriteString(output, record.PasswordHash);
        WriteDate(output, record.PasswordSetDate);
        WriteDate(output, record.LastPasswordReset);
        WriteString(output, record.Tenant);
        WriteString(output, record.Connection);
        WriteString(output, record.Version);
        WriteBoolean(output, record.TmpIsUnique);
        WriteNumber(output, (uint)record.Identifiers.Count);
        foreach (Auth0Identifier identifier in record.Identifiers)
        {
            WriteString(output, identifier.Type);
            WriteString(output, identifier.Value);
            WriteBoolean(output, identifier.Verified);
        }
    }

    /// <param name="stored">What <see cref="Write"/> wrote.</param>
    /// <param name="strings">Shares the few distinct tenant, connection and version names.</param>
    public static Auth0PasswordHash Read(ReadOnlySpan<byte> stored, LowCardinalityStrings strings)
    {
        var record = new Auth0PasswordHash
        {
            Id = ReadString(ref stored)!,
            AltId = ReadString(ref stored),
            Email = ReadString(ref stored),
            EmailVerified = ReadBoolean(ref stored),
            Username = ReadString(ref stored),
            PasswordHash = ReadString(ref stored)!,
            PasswordSetDate = ReadDate(ref stored),
            LastPasswordReset = ReadDate(ref stored),
            Tenant = ReadString(ref stored, strings),
            Connection = ReadString(ref stored, strings),
            Version = ReadString(ref stored, strings),
            TmpIsUnique = ReadBoolean(ref stored),
        };
        for (uint count = ReadNumber(ref stored); count > 0; count--)
        {
            record.Identifiers.Add(new Auth0Identifier(ReadString(ref stored, strings), ReadString(ref stored), ReadBoolean(ref stored)));
        }

        return record;
    }

    // A string is a number — 0 for null, else 1 + (length << 1 | 1 if UTF-16) — then its bytes.
    private static void WriteString(ArrayBufferWriter<byte> output, string? value)
    {
        if (value is null)
        {
            WriteNumber(output, 0);
            return;
        }

        Span<byte> span = output.GetSpan(5 + (value.Length * 3));
        int header = NumberLength((uint)value.Length * 6 + 1);
        if (Utf8.FromUtf16(value, span[header..], out _, out int written, replaceInvalidSequences: false) == OperationStatus.Done)
        {
            WriteNumber(span, 1 + ((uint)written << 1), header);
            output.Advance(header + written);
        }
        else
        {
            int bytes = value.Length * 2;
            int utf16Header = NumberLength(1 + (((uint)bytes << 1) | 1));
            WriteNumber(span, 1 + (((uint)bytes << 1) | 1), utf16Header);
            MemoryMarshal.AsBytes(value.AsSpan()).CopyTo(span[utf16Header..]);
            output.Advance(utf16Header + bytes);
        }
    }

    /// <summary>Writes ASCII text given as bytes exactly as <see cref="WriteString"/> writes its string.</summary>
    public static void WriteAscii(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        // The header's length is reserved for the longest UTF-8 the string could need, as WriteString does.
        int header = NumberLength((uint)value.Length * 6 + 1);
        Span<byte> span = output.GetSpan(header + value.Length);
        WriteNumber(span, 1 + ((uint)value.Length << 1), header);
        value.CopyTo(span[header..]);
        output.Advance(header + value.Length);
    }

    private static string? ReadString(ref ReadOnlySpan<byte> stored, LowCardinalityStrings? strings = null)
    {
        uint header = ReadNumber(ref stored);
        if (header == 0)
        {
            return null;
        }

        int length = (int)((header - 1) >> 1);
        ReadOnlySpan<byte> bytes = stored[..length];
        stored = stored[length..];
        if (((header - 1) & 1) == 1)
        {
            return new string(MemoryMarshal.Cast<byte, char>(bytes));
        }

        return strings?.Get(bytes) ?? Encoding.UTF8.GetString(bytes);
    }

    public static void WriteBoolean(ArrayBufferWriter<byte> output, bool? value)
    {
        output.GetSpan(1)[0] = value switch { null => 0, false => 1, true => 2 };
        output.Advance(1);
    }

    private static bool? ReadBoolean(ref ReadOnlySpan<byte> stored)
    {
        byte value = stored[0];
        stored = stored[1..];
        return value == 0 ? null : value == 2;
    }

    public static void WriteDate(ArrayBufferWriter<byte> output, DateTimeOffset? value)
    {
        if (value is not { } date)
        {
            WriteBoolean(output, null);
            return;
        }

        Span<byte> span = output.GetSpan(11);
        span[0] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], date.Ticks);
        BinaryPrimitives.WriteInt16LittleEndian(span[9..], (short)date.TotalOffsetMinutes);
        output.Advance(11);
    }

    private static DateTimeOffset? ReadDate(ref ReadOnlySpan<byte> stored)
    {
        if (stored[0] == 0)
        {
            stored = stored[1..];
            return null;
        }

        var date = new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(stored[1..]), TimeSpan.FromMinutes(BinaryPrimitives.ReadInt16LittleEndian(stored[9..])));
        stored = stored[11..];
        return date;
    }

    public static void WriteNumber(ArrayBufferWriter<byte> output, uint value)
    {
        int length = NumberLength(value);
        WriteNumber(output.GetSpan(length), value, length);
        output.Advance(length);
    }

    /// <summary>Writes <paramref name="value"/> 7 bits a byte, in exactly <paramref name="length"/> bytes (padded
    /// with continuation bytes when the length was reserved before the value was known).</summary>
    private static void WriteNumber(Span<byte> destination, uint value, int length)
    {
        for (int i = 0; i < length - 1; i++)
        {
            destination[i] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[length - 1] = (byte)value;
    }

    private static uint ReadNumber(ref ReadOnlySpan<byte> stored)
    {
        uint value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = stored[0];
            stored = stored[1..];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private static int NumberLength(uint value) => value < 1u << 7 ? 1 : value < 1u << 14 ? 2 : value < 1u << 21 ? 3 : value < 1u << 28 ? 4 : 5;
}
