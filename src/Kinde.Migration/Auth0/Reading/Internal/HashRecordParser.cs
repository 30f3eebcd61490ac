using System.Text.Json;

namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>Parses one password-hash record. Keys compare case-insensitively (<c>_id</c>, <c>_ID</c>).</summary>
internal static class HashRecordParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    public static Auth0PasswordHash Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new RecordException(null, "expected a JSON object");
            }

            var record = new Auth0PasswordHash();
            string? id = null, hash = null;
            Span<char> normalized = stackalloc char[64];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                int length = key.Length <= 64 ? KeyResolver.Normalize(key, normalized) : 0;
                reader.Read();
                switch (normalized[..length])
                {
                    case "id": id = ReadObjectId(ref reader, key); break;
                    case "altid": record.AltId = JsonValues.String(ref reader, key); break;
                    case "email": record.Email = JsonValues.String(ref reader, key); break;
                    case "emailverified": record.EmailVerified = JsonValues.Boolean(ref reader, key); break;
                    case "username": record.Username = JsonValues.String(ref reader, key); break;
                    case "passwordhash": hash = JsonValues.String(ref reader, key); break;
                    case "passwordsetdate": record.PasswordSetDate = JsonValues.Date(ref reader, key); break;
                    case "lastpasswordreset": record.LastPasswordReset = JsonValues.Date(ref reader, key); break;
                    case "tenant": record.Tenant = JsonValues.String(ref reader, key); break;
                    case "connection": record.Connection = JsonValues.String(ref reader, key); break;
                    case "version": record.Version = JsonValues.StringOrNumber(ref reader, key); break;
                    case "tmpisunique": record.TmpIsUnique = JsonValues.Boolean(ref reader, key); break;
                    case "identifiers": ReadIdentifiers(ref reader, record, key); break;
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
