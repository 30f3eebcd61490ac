using System.Text.Json;

namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>Parses one password-hash record. Keys compare case-insensitively (<c>_id</c>, <c>_ID</c>).</summary>
internal static class HashRecordParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    public static Auth0PasswordHash Parse(ReadOnlySpan<byte> json, LowCardinalityStrings? strings = null)
    {
        if (JsonValues.HasLoneSurrogateEscape(json))
        {
            throw new RecordException(null, JsonValues.UndecodableText);
        }

        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new RecordException(null, "expected a JSON object");
            }

            var record = new Auth0PasswordHash();
            string? id = null, hash = null;
            Span<char> key = stackalloc char[64];
            Span<char> normalized = stackalloc char[64];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Keys as Auth0 writes them are recognised from their bytes; others are copied to the stack and
                // normalized, not allocated: this runs for every record of a multi-million-line file.
                ReadOnlySpan<char> name = ExactKey(ref reader) is { } exact ? exact
                    : normalized[..(!reader.HasValueSequence && reader.ValueSpan.Length <= 64 ? KeyResolver.Normalize(key[..reader.CopyString(key)], normalized) : 0)];
                reader.Read();
                switch (name)
                {
                    case "id": id = ReadObjectId(ref reader, "_id"); break;
                    case "altid": record.AltId = JsonValues.String(ref reader, "alt_id"); break;
                    case "email": record.Email = JsonValues.String(ref reader, "email"); break;
                    case "emailverified": record.EmailVerified = JsonValues.Boolean(ref reader, "email_verified"); break;
                    case "username": record.Username = JsonValues.String(ref reader, "username"); break;
                    case "passwordhash": hash = JsonValues.String(ref reader, "passwordHash"); break;
                    case "passwordsetdate": record.PasswordSetDate = JsonValues.Date(ref reader, "password_set_date"); break;
                    case "lastpasswordreset": record.LastPasswordReset = JsonValues.Date(ref reader, "last_password_reset"); break;
                    case "tenant": record.Tenant = strings?.Get(ref reader, "tenant") ?? JsonValues.String(ref reader, "tenant"); break;
                    case "connection": record.Connection = strings?.Get(ref reader, "connection") ?? JsonValues.String(ref reader, "connection"); break;
                    case "version": record.Version = reader.TokenType == JsonTokenType.String ? strings?.Get(ref reader, "version") ?? reader.GetString() : JsonValues.StringOrNumber(ref reader, "version"); break;
                    case "tmpisunique": record.TmpIsUnique = JsonValues.Boolean(ref reader, "_tmp_is_unique"); break;
                    case "identifiers": ReadIdentifiers(ref reader, record, "identifiers"); break;
                    default: reader.Skip(); break;
                }
            }

            reader.Read();
            if (string.IsNullOrEmpty(id))
            {
                throw new RecordException("_id", "missing; every hash record needs an _id");
            }

            if (string.IsNullOrEmpty(hash))
            {
                throw new RecordException("passwordHash", "missing or empty");
            }

            record.Id = id;
            record.PasswordHash = hash;
            return record;
        }
        catch (JsonException ex)
        {
            throw new RecordException(null, JsonValues.DescribeSyntaxError(ex, json.Length));
        }
    }

    /// <summary>The normalized name of a key spelled exactly as Auth0 exports it, else <see langword="null"/>.</summary>
    private static string? ExactKey(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return null;
        }

        ReadOnlySpan<byte> name = reader.ValueSpan;
        return name.Length switch
        {
            3 when name.SequenceEqual("_id"u8) => "id",
            5 when name.SequenceEqual("email"u8) => "email",
            6 when name.SequenceEqual("tenant"u8) => "tenant",
            6 when name.SequenceEqual("alt_id"u8) => "altid",
            7 when name.SequenceEqual("version"u8) => "version",
            10 when name.SequenceEqual("connection"u8) => "connection",
            11 when name.SequenceEqual("identifiers"u8) => "identifiers",
            12 when name.SequenceEqual("passwordHash"u8) => "passwordhash",
            14 when name.SequenceEqual("email_verified"u8) => "emailverified",
            14 when name.SequenceEqual("_tmp_is_unique"u8) => "tmpisunique",
            17 when name.SequenceEqual("password_set_date"u8) => "passwordsetdate",
            _ => null,
        };
    }

    private static string? ReadObjectId(ref Utf8JsonReader reader, string key)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return JsonValues.String(ref reader, key);
        }

        string? oid = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isOid = reader.ValueTextEquals("$oid"u8);
            reader.Read();
            if (isOid)
            {
                oid = JsonValues.String(ref reader, key + ".$oid");
            }
            else
            {
                reader.Skip();
            }
        }

        return oid;
    }

    private static void ReadIdentifiers(ref Utf8JsonReader reader, Auth0PasswordHash record, string key)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw JsonValues.WrongType(key, "an array", reader.TokenType);
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw JsonValues.WrongType(key, "an array of objects", reader.TokenType);
            }

            string? type = null, value = null;
            bool? verified = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                switch (name.ToLowerInvariant())
                {
                    case "type": type = JsonValues.String(ref reader, key + ".type"); break;
                    case "value": value = JsonValues.String(ref reader, key + ".value"); break;
                    case "verified": verified = JsonValues.Boolean(ref reader, key + ".verified"); break;
                    default: reader.Skip(); break;
                }
            }

            record.Identifiers.Add(new Auth0Identifier(type, value, verified));
        }
    }
}
