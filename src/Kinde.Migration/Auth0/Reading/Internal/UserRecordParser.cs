using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kinde.Migration.Auth0.Reading.Internal;

/// <summary>Parses one user record (UTF-8 JSON object) straight from a <see cref="Utf8JsonReader"/>.</summary>
internal sealed class UserRecordParser(KeyResolver keys)
{
    internal enum IdentityField
    {
        Other,
        Provider,
        UserId,
        Connection,
        IsSocial,
        ProfileData,
        Token,
    }

    /// <summary>The key under which rejected-records files explain a rejection; skipped on read.</summary>
    internal const string RejectionAnnotation = "_rejection";

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    private readonly LowCardinalityStrings _strings = new();

    public Auth0User Parse(ReadOnlySpan<byte> json)
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

            var user = new Auth0User();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                ResolvedKey key = keys.Resolve(ref reader, out string rawKey);
                reader.Read();
                if (rawKey == RejectionAnnotation)
                {
                    // The annotation our rejected-records file adds; a fixed record fed back must not carry it along.
                    reader.Skip();
                    continue;
                }

                ReadField(ref reader, json, user, key, rawKey);
            }

            // Anything after the closing brace makes the reader throw.
            reader.Read();
            return user;
        }
        catch (JsonException ex)
        {
            throw new RecordException(null, JsonValues.DescribeSyntaxError(ex, json.Length));
        }
    }

    private void ReadField(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, Auth0User user, ResolvedKey key, string rawKey)
    {
        switch (key.Field)
        {
            case UserField.UserId: user.UserId = JsonValues.String(ref reader, rawKey); break;
            case UserField.Email: user.Email = JsonValues.String(ref reader, rawKey); break;
            case UserField.EmailVerified: user.EmailVerified = JsonValues.Boolean(ref reader, rawKey); break;
            case UserField.Username: user.Username = JsonValues.String(ref reader, rawKey); break;
            case UserField.PhoneNumber: user.PhoneNumber = JsonValues.String(ref reader, rawKey); break;
            case UserField.PhoneVerified: user.PhoneVerified = JsonValues.Boolean(ref reader, rawKey); break;
            case UserField.GivenName: user.GivenName = JsonValues.String(ref reader, rawKey); break;
            case UserField.FamilyName: user.FamilyName = JsonValues.String(ref reader, rawKey); break;
            case UserField.Name: user.Name = JsonValues.String(ref reader, rawKey); break;
            case UserField.Nickname: user.Nickname = JsonValues.String(ref reader, rawKey); break;
            case UserField.Picture: user.Picture = JsonValues.String(ref reader, rawKey); break;
            case UserField.Connection: user.Connection = _strings.Get(ref reader, rawKey); break;
            case UserField.CreatedAt: user.CreatedAt = JsonValues.Date(ref reader, rawKey); break;
            case UserField.UpdatedAt: user.UpdatedAt = JsonValues.Date(ref reader, rawKey); break;
            case UserField.LastLogin: user.LastLogin = JsonValues.Date(ref reader, rawKey); break;
            case UserField.LastIp: user.LastIp = JsonValues.String(ref reader, rawKey); break;
            case UserField.LoginsCount: user.LoginsCount = JsonValues.Integer(ref reader, rawKey); break;
            case UserField.Blocked: user.Blocked = JsonValues.Boolean(ref reader, rawKey); break;
            case UserField.Multifactor: ReadMultifactor(ref reader, user, rawKey); break;
            case UserField.Identities: ReadIdentities(ref reader, user, rawKey); break;
            case UserField.AppMetadata when key.MetadataPath is null && reader.TokenType == JsonTokenType.StartObject && !user.HasAppMetadata:
                user.SetMetadataUtf8(app: true, SliceValue(ref reader, json));
                break;
            case UserField.UserMetadata when key.MetadataPath is null && reader.TokenType == JsonTokenType.StartObject && !user.HasUserMetadata:
                user.SetMetadataUtf8(app: false, SliceValue(ref reader, json));
                break;
            case UserField.AppMetadata:
                user.AppMetadata = ReadMetadata(ref reader, user.AppMetadata, key.MetadataPath, rawKey);
                break;
            case UserField.UserMetadata:
                user.UserMetadata = ReadMetadata(ref reader, user.UserMetadata, key.MetadataPath, rawKey);
                break;
            default:
                user.AdditionalProperties[rawKey] = JsonNode.Parse(ref reader);
                break;
        }
    }

    /// <summary>Copies the current (already validated) container value's UTF-8 text and moves past it.</summary>
    private static byte[] SliceValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        int start = checked((int)reader.TokenStartIndex);
        reader.Skip();
        return json[start..checked((int)reader.BytesConsumed)].ToArray();
    }

    private static void ReadMultifactor(ref Utf8JsonReader reader, Auth0User user, string rawKey)
    {
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (JsonValues.String(ref reader, rawKey) is { } provider)
                {
                    user.Multifactor.Add(provider);
                }
            }
        }
        else if (JsonValues.String(ref reader, rawKey) is { Length: > 0 } single)
        {
            user.Multifactor.Add(single);
        }
    }

    private void ReadIdentities(ref Utf8JsonReader reader, Auth0User user, string rawKey)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw JsonValues.WrongType(rawKey, "an array", reader.TokenType);
        }

        int index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            try
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw JsonValues.WrongType("", "an object", reader.TokenType);
                }

                user.Identities.Add(ReadIdentity(ref reader));
            }
            catch (RecordException ex)
            {
                // Field names are composed only on failure: the hot path builds no strings for them.
                string field = ex.Field is { Length: > 0 } inner ? $"{rawKey}[{index}].{inner}" : $"{rawKey}[{index}]";
                throw new RecordException(field, ex.Message);
            }

            index++;
        }
    }

    private Auth0Identity ReadIdentity(ref Utf8JsonReader reader)
    {
        var identity = new Auth0Identity();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            IdentityField field = IdentityFieldOf(ref reader, out string? otherKey);
            reader.Read();
            switch (field)
            {
                case IdentityField.Provider: identity.Provider = _strings.Get(ref reader, "provider"); break;
                case IdentityField.UserId: identity.UserId = JsonValues.StringOrNumber(ref reader, "user_id"); break;
                case IdentityField.Connection: identity.Connection = _strings.Get(ref reader, "connection"); break;
                case IdentityField.IsSocial: identity.IsSocial = JsonValues.Boolean(ref reader, "isSocial"); break;
                case IdentityField.ProfileData: identity.ProfileData = JsonValues.Object(ref reader, "profileData"); break;

                // IdP tokens are secrets the migration never needs: dropped, never stored or logged.
                case IdentityField.Token: reader.Skip(); break;
                default: identity.AdditionalProperties[otherKey!] = JsonNode.Parse(ref reader); break;
            }
        }

        return identity;
    }

    internal static IdentityField IdentityFieldOf(ref Utf8JsonReader reader, out string? otherKey)
    {
        otherKey = null;

        // Exports spell these exactly; the exact UTF-8 comparisons avoid allocating a string per key.
        if (reader.ValueTextEquals("provider"u8))
        {
            return IdentityField.Provider;
        }

        if (reader.ValueTextEquals("user_id"u8))
        {
            return IdentityField.UserId;
        }

        if (reader.ValueTextEquals("connection"u8))
        {
            return IdentityField.Connection;
        }

        if (reader.ValueTextEquals("isSocial"u8))
        {
            return IdentityField.IsSocial;
        }

        if (reader.ValueTextEquals("profileData"u8))
        {
            return IdentityField.ProfileData;
        }

        string key = reader.GetString()!;
        IdentityField field = IdentityFieldOf(key);
        otherKey = field == IdentityField.Other ? key : null;
        return field;
    }

    /// <summary>An identity's key spelled in any case, with or without underscores, spaces or hyphens.</summary>
    internal static IdentityField IdentityFieldOf(ReadOnlySpan<char> key)
    {
        Span<char> normalized = stackalloc char[64];
        int length = key.Length <= 64 ? KeyResolver.Normalize(key, normalized) : 0;
        return normalized[..length] switch
        {
            "provider" => IdentityField.Provider,
            "userid" => IdentityField.UserId,
            "connection" => IdentityField.Connection,
            "issocial" => IdentityField.IsSocial,
            "profiledata" => IdentityField.ProfileData,
            "accesstoken" or "refreshtoken" or "accesstokensecret" => IdentityField.Token,
            _ => IdentityField.Other,
        };
    }

    private static JsonObject? ReadMetadata(ref Utf8JsonReader reader, JsonObject? existing, string? path, string rawKey)
    {
        if (path is null)
        {
            JsonObject? value = JsonValues.Object(ref reader, rawKey);
            if (existing is null || value is null)
            {
                return value ?? existing;
            }

            // Flat dotted keys seen earlier are kept; the object's own keys win on conflict.
            foreach (var (name, node) in value.ToArray())
            {
                value.Remove(name);
                existing[name] = node;
            }

            return existing;
        }

        JsonNode? leaf = JsonNode.Parse(ref reader);
        existing ??= [];
        JsonObject target = existing;
        string[] segments = path.Split('.');
        for (int i = 0; i < segments.Length - 1; i++)
        {
            if (target[segments[i]] is JsonObject child)
            {
                target = child;
            }
            else if (target.ContainsKey(segments[i]))
            {
                throw new RecordException(rawKey, $"conflicts with a value already set for '{segments[i]}'");
            }
            else
            {
                var created = new JsonObject();
                target[segments[i]] = created;
                target = created;
            }
        }

        target[segments[^1]] = leaf;
        return existing;
    }
}
