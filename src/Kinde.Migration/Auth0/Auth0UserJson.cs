using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kinde.Migration.Auth0;

/// <summary>Writes an <see cref="Auth0User"/> back as an Auth0 job-export record (raw attribute names), so a rejected user
/// can be fixed and fed back to the reader.</summary>
internal static class Auth0UserJson
{
    public static void WriteProperties(Utf8JsonWriter writer, Auth0User user)
    {
        WriteString(writer, "user_id", user.UserId);
        WriteString(writer, "email", user.Email);
        WriteBool(writer, "email_verified", user.EmailVerified);
        WriteString(writer, "username", user.Username);
        WriteString(writer, "phone_number", user.PhoneNumber);
        WriteBool(writer, "phone_verified", user.PhoneVerified);
        WriteString(writer, "given_name", user.GivenName);
        WriteString(writer, "family_name", user.FamilyName);
        WriteString(writer, "name", user.Name);
        WriteString(writer, "nickname", user.Nickname);
        WriteString(writer, "picture", user.Picture);
        WriteString(writer, "connection", user.Identities.Count == 0 ? user.Connection : null);
        WriteDate(writer, "created_at", user.CreatedAt);
        WriteDate(writer, "updated_at", user.UpdatedAt);
        WriteDate(writer, "last_login", user.LastLogin);
        WriteString(writer, "last_ip", user.LastIp);
        if (user.LoginsCount is { } logins)
        {
            writer.WriteNumber("logins_count", logins);
        }

        WriteBool(writer, "blocked", user.Blocked);
        if (user.Multifactor.Count > 0)
        {
            writer.WriteStartArray("multifactor");
            foreach (string factor in user.Multifactor)
            {
                writer.WriteStringValue(factor);
            }

            writer.WriteEndArray();
        }

        if (user.Identities.Count > 0)
        {
            writer.WriteStartArray("identities");
            foreach (var identity in user.Identities)
            {
                writer.WriteStartObject();
                WriteString(writer, "provider", identity.Provider);
                WriteString(writer, "user_id", identity.UserId);
                WriteString(writer, "connection", identity.Connection);
                WriteBool(writer, "isSocial", identity.IsSocial);
                WriteNode(writer, "profileData", identity.ProfileData);
                foreach (var (key, value) in identity.AdditionalProperties)
                {
                    WriteNode(writer, key, value, writeNull: true);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        WriteNode(writer, "app_metadata", user.AppMetadata);
        WriteNode(writer, "user_metadata", user.UserMetadata);
        foreach (var (key, value) in user.AdditionalProperties)
        {
            WriteNode(writer, key, value, writeNull: true);
        }
    }

    private static void WriteString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteBool(Utf8JsonWriter writer, string name, bool? value)
    {
        if (value is { } b)
        {
            writer.WriteBoolean(name, b);
        }
    }

    private static void WriteDate(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } date)
        {
            writer.WriteString(name, date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
    }

    private static void WriteNode(Utf8JsonWriter writer, string name, JsonNode? node, bool writeNull = false)
    {
        if (node is null)
        {
            if (writeNull)
            {
                writer.WriteNull(name);
            }

            return;
        }

        writer.WritePropertyName(name);
        node.WriteTo(writer);
    }
}
