using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>Tolerant readers for the value shapes Auth0 files use. Errors name the field, never the value.</summary>
internal static class JsonValues
{
    public static string? String(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw WrongType(field, "a string", reader.TokenType),
    };

    /// <summary>A string, or a number kept as its decimal text (GitHub identity ids are numbers).</summary>
    public static string? StringOrNumber(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.Null => null,
        _ => throw WrongType(field, "a string or number", reader.TokenType),
    };

    /// <summary>Accepts <c>true</c>, <c>"true"</c>, <c>"True"</c>, <c>"1"</c>, <c>1</c> and their false forms; empty is absent.</summary>
    public static bool? Boolean(ref Utf8JsonReader reader, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when reader.TryGetInt32(out int n) && n is 0 or 1:
                return n == 1;
            case JsonTokenType.String:
                string s = reader.GetString()!.Trim();
                if (s.Length == 0)
                {
                    return null;
                }

                if (s == "1" || s.Equals("true", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                if (s == "0" || s.Equals("false", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                throw new RecordException(field, "expected a boolean (true/false/1/0)");
            default:
                throw WrongType(field, "a boolean", reader.TokenType);
        }
    }

    public static long? Integer(ref Utf8JsonReader reader, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetInt64(out long n):
                return n;
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                string s = reader.GetString()!.Trim();
                if (s.Length == 0)
                {
                    return null;
                }

                return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed)
                    ? parsed
                    : throw new RecordException(field, "expected a whole number");
            default:
                throw WrongType(field, "a whole number", reader.TokenType);
        }
    }

    /// <summary>ISO 8601 text, or MongoDB extended JSON <c>{"$date": ISO | {"$numberLong": ms}}</c>, or epoch milliseconds.</summary>
    public static DateTimeOffset? Date(ref Utf8JsonReader reader, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String when reader.TryGetDateTimeOffset(out DateTimeOffset iso):
                // Auth0's own ISO 8601 dates, parsed straight from UTF-8.
                return iso.ToUniversalTime();
            case JsonTokenType.String:
                string s = reader.GetString()!.Trim();
                if (s.Length == 0)
                {
                    return null;
                }

                return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
                    ? date
                    : throw new RecordException(field, "expected an ISO 8601 date");
            case JsonTokenType.Number when reader.TryGetInt64(out long ms):
                return FromMilliseconds(ms, field);
            case JsonTokenType.StartObject:
                DateTimeOffset? result = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isDate = reader.ValueTextEquals("$date"u8);
                    bool isLong = reader.ValueTextEquals("$numberLong"u8);
                    reader.Read();
                    if (isDate)
                    {
                        result = Date(ref reader, field);
                    }
                    else if (isLong)
                    {
                        long? value = Integer(ref reader, field);
                        result = value is null ? null : FromMilliseconds(value.Value, field);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                return result;
            default:
                throw WrongType(field, "a date", reader.TokenType);
        }
    }

    public static JsonObject? Object(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.StartObject => (JsonObject)JsonNode.Parse(ref reader)!,
        JsonTokenType.Null => null,
        _ => throw WrongType(field, "an object", reader.TokenType),
    };

    public static RecordException WrongType(string field, string expected, JsonTokenType actual)
    {
        string got = actual switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            _ => actual.ToString(),
        };
        return new RecordException(field, $"expected {expected}, got {got}");
    }

    /// <summary>Describes a JSON syntax error by position only; the message never quotes the record's content.</summary>
    public static string DescribeSyntaxError(JsonException ex, int recordLength)
    {
        long offset = ex.BytePositionInLine ?? 0;
        long column = offset + 1;
        return ex.LineNumber is 0 or null && offset >= recordLength
            ? "truncated JSON: the record ends before its object is complete"
            : ex.LineNumber is > 0
                ? string.Create(CultureInfo.InvariantCulture, $"invalid JSON at line +{ex.LineNumber}, column {column} of the record")
                : string.Create(CultureInfo.InvariantCulture, $"invalid JSON at column {column}");
    }

    /// <summary>Why a record whose text cannot be decoded is rejected.</summary>
    public const string UndecodableText = "a string holds a \\u escape that is not valid UTF-16 (a lone surrogate)";

    /// <summary>Whether the record's text holds a <c>\u</c> escape of a lone surrogate anywhere (<c>"\ud800"</c>, as
    /// JavaScript's <c>JSON.stringify</c> writes one): valid JSON, but not valid UTF-16, so <see cref="Utf8JsonReader"/>
    /// throws when it turns it into text — at once for a key or value the parser reads, only later (in a mapper, or the
    /// rejected-records file) for metadata and unknown keys kept as JSON. Records are therefore checked before they are
    /// read; one with no backslash costs one vectorized search.</summary>
    public static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> json)
    {
        int at = json.IndexOf((byte)'\\');
        while (at >= 0 && at + 1 < json.Length)
        {
            if (json[at + 1] != 'u')
            {
                at += 2;
            }
            else
            {
                int unit = EscapedUnit(json, at);
                at += 6;
                if (unit is >= 0xD800 and <= 0xDBFF)
                {
                    if (EscapedUnit(json, at) is not (>= 0xDC00 and <= 0xDFFF))
                    {
                        return true;
                    }

                    at += 6;
                }
                else if (unit is >= 0xDC00 and <= 0xDFFF)
                {
                    return true;
                }
            }

            int next = at < json.Length ? json[at..].IndexOf((byte)'\\') : -1;
            at = next < 0 ? -1 : at + next;
        }

        return false;
    }

    /// <summary>The UTF-16 unit of the <c>\uXXXX</c> escape at <paramref name="at"/>; -1 when there is none (malformed
    /// text is the reader's to report).</summary>
    private static int EscapedUnit(ReadOnlySpan<byte> json, int at) =>
        at + 6 <= json.Length && json[at] == '\\' && json[at + 1] == 'u'
            && int.TryParse(json.Slice(at + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int unit)
            ? unit
            : -1;

    private static DateTimeOffset FromMilliseconds(long ms, string field)
    {
        try
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new RecordException(field, "the date is out of range");
        }
    }
}
