using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Kinde.Migration.Auth0;

/// <summary>Writes a hash record back in the Auth0 support export's own shape (what Kinde's "Import passwords only" reads).</summary>
internal static class Auth0PasswordHashJson
{
    public static void Write(Utf8JsonWriter writer, Auth0PasswordHash record)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("_id");
        writer.WriteString("$oid", record.Id);
        writer.WriteEndObject();
        WriteIfSet(writer, "alt_id", record.AltId);
        WriteIfSet(writer, "email", record.Email);
        if (record.EmailVerified is { } verified)
        {
            writer.WriteBoolean("email_verified", verified);
        }

        WriteIfSet(writer, "username", record.Username);
        writer.WriteString("passwordHash", record.PasswordHash);
        WriteDate(writer, "password_set_date", record.PasswordSetDate);
        WriteDate(writer, "last_password_reset", record.LastPasswordReset);
        WriteIfSet(writer, "tenant", record.Tenant);
        WriteIfSet(writer, "connection", record.Connection);
        WriteIfSet(writer, "version", record.Version);
        if (record.Identifiers.Count > 0)
        {
            writer.WriteStartArray("identifiers");
            foreach (var identifier in record.Identifiers)
            {
                writer.WriteStartObject();
                WriteIfSet(writer, "type", identifier.Type);
                WriteIfSet(writer, "value", identifier.Value);
                if (identifier.Verified is { } v)
                {
                    writer.WriteBoolean("verified", v);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    public static byte[] ToUtf8(Auth0PasswordHash record)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, record);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteDate(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } date)
        {
            writer.WriteStartObject(name);
            writer.WriteString("$date", date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
    }
}
