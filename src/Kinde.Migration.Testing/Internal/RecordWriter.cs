using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kinde.Migration.Testing.Internal;

/// <summary>Writes a <see cref="SyntheticUser"/> as an Auth0 user NDJSON line, a password-hash line or a CSV row.</summary>
internal static class RecordWriter
{
    /// <summary>The CSV columns, in the order <see cref="WriteCsvRow"/> writes them.</summary>
    public const string CsvHeader =
        "user_id,email,email_verified,username,phone_number,given_name,family_name,name,nickname,created_at,updated_at,last_login,last_ip,logins_count,blocked,provider,user_metadata.theme,user_metadata.bio,app_metadata.plan";

    public static readonly JsonWriterOptions JsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private const string IsoFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly JsonEncodedText UserIdKey = JsonEncodedText.Encode("user_id");
    private static readonly JsonEncodedText EmailKey = JsonEncodedText.Encode("email");
    private static readonly JsonEncodedText EmailVerifiedKey = JsonEncodedText.Encode("email_verified");
    private static readonly JsonEncodedText UsernameKey = JsonEncodedText.Encode("username");
    private static readonly JsonEncodedText PhoneNumberKey = JsonEncodedText.Encode("phone_number");
    private static readonly JsonEncodedText PhoneVerifiedKey = JsonEncodedText.Encode("phone_verified");
    private static readonly JsonEncodedText GivenNameKey = JsonEncodedText.Encode("given_name");
    private static readonly JsonEncodedText FamilyNameKey = JsonEncodedText.Encode("family_name");
    private static readonly JsonEncodedText NameKey = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText NicknameKey = JsonEncodedText.Encode("nickname");
    private static readonly JsonEncodedText PictureKey = JsonEncodedText.Encode("picture");
    private static readonly JsonEncodedText CreatedAtKey = JsonEncodedText.Encode("created_at");
    private static readonly JsonEncodedText UpdatedAtKey = JsonEncodedText.Encode("updated_at");
    private static readonly JsonEncodedText LastLoginKey = JsonEncodedText.Encode("last_login");
    private static readonly JsonEncodedText LastIpKey = JsonEncodedText.Encode("last_ip");
    private static readonly JsonEncodedText LoginsCountKey = JsonEncodedText.Encode("logins_count");
    private static readonly JsonEncodedText BlockedKey = JsonEncodedText.Encode("blocked");
    private static readonly JsonEncodedText MultifactorKey = JsonEncodedText.Encode("multifactor");
    private static readonly JsonEncodedText IdentitiesKey = JsonEncodedText.Encode("identities");
    private static readonly JsonEncodedText ProviderKey = JsonEncodedText.Encode("provider");
    private static readonly JsonEncodedText ConnectionKey = JsonEncodedText.Encode("connection");
    private static readonly JsonEncodedText IsSocialKey = JsonEncodedText.Encode("isSocial");
    private static readonly JsonEncodedText ProfileDataKey = JsonEncodedText.Encode("profileData");
    private static readonly JsonEncodedText AppMetadataKey = JsonEncodedText.Encode("app_metadata");
    private static readonly JsonEncodedText UserMetadataKey = JsonEncodedText.Encode("user_metadata");
    private static readonly JsonEncodedText IdKey = JsonEncodedText.Encode("_id");
    private static readonly JsonEncodedText OidKey = JsonEncodedText.Encode("$oid");
    private static readonly JsonEncodedText DateKey = JsonEncodedText.Encode("$date");
    private static readonly JsonEncodedText AltIdKey = JsonEncodedText.Encode("alt_id");
    private static readonly JsonEncodedText PasswordHashKey = JsonEncodedText.Encode("passwordHash");
    private static readonly JsonEncodedText PasswordSetDateKey = JsonEncodedText.Encode("password_set_date");
    private static readonly JsonEncodedText LastPasswordResetKey = JsonEncodedText.Encode("last_password_reset");
    private static readonly JsonEncodedText TenantKey = JsonEncodedText.Encode("tenant");
    private static readonly JsonEncodedText TmpIsUniqueKey = JsonEncodedText.Encode("_tmp_is_unique");
    private static readonly JsonEncodedText VersionKey = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText IdentifiersKey = JsonEncodedText.Encode("identifiers");
    private static readonly JsonEncodedText TypeKey = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText ValueKey = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText VerifiedKey = JsonEncodedText.Encode("verified");
    private static readonly JsonEncodedText Auth0Value = JsonEncodedText.Encode("auth0");
    private static readonly JsonEncodedText Version11Value = JsonEncodedText.Encode("1.1");

    /// <summary>Writes the user as one JSON object (raw Auth0 attribute names, absent attributes omitted).</summary>
    public static void WriteUser(Utf8JsonWriter w, SyntheticUser u)
    {
        w.WriteStartObject();
        w.WriteString(UserIdKey, u.UserId);
        WriteOptional(w, EmailKey, u.Email);
        WriteOptional(w, EmailVerifiedKey, u.EmailVerified);
        WriteOptional(w, UsernameKey, u.Username);
        WriteOptional(w, PhoneNumberKey, u.PhoneNumber);
        WriteOptional(w, PhoneVerifiedKey, u.PhoneVerified);
        WriteOptional(w, GivenNameKey, u.GivenName);
        WriteOptional(w, FamilyNameKey, u.FamilyName);
        WriteOptional(w, NameKey, u.Name);
        WriteOptional(w, NicknameKey, u.Nickname);
        WriteOptional(w, PictureKey, u.Picture);
        WriteDate(w, CreatedAtKey, u.CreatedMs);
        WriteDate(w, UpdatedAtKey, u.UpdatedMs);
        if (u.LastLoginMs is { } lastLogin)
        {
            WriteDate(w, LastLoginKey, lastLogin);
        }

        WriteOptional(w, LastIpKey, u.LastIp);
        if (u.LoginsCount is { } logins)
        {
            w.WriteNumber(LoginsCountKey, logins);
        }

        WriteOptional(w, BlockedKey, u.Blocked);
        if (u.Multifactor)
        {
            w.WriteStartArray(MultifactorKey);
            w.WriteStringValue("guardian");
            w.WriteEndArray();
        }

        w.WriteStartArray(IdentitiesKey);
        w.WriteStartObject();
        if (u.Provider == "auth0")
        {
            // Database identities come connection-first in Auth0's own samples; key order is not significant.
            w.WriteString(ConnectionKey, u.Connection);
            w.WriteString(UserIdKey, u.IdentityUserId);
            w.WriteString(ProviderKey, u.Provider);
        }
        else
        {
            w.WriteString(ProviderKey, u.Provider);
            if (u.IdentityNumericUserId is { } numeric)
            {
                w.WriteNumber(UserIdKey, numeric);
            }
            else
            {
                w.WriteString(UserIdKey, u.IdentityUserId);
            }

            w.WriteString(ConnectionKey, u.Connection);
        }

        w.WriteBoolean(IsSocialKey, u.IsSocial);
        w.WriteEndObject();
        if (u.SecondaryUserId is not null)
        {
            w.WriteStartObject();
            w.WriteStartObject(ProfileDataKey);
            WriteOptional(w, EmailKey, u.Email);
            WriteOptional(w, EmailVerifiedKey, u.EmailVerified);
            WriteOptional(w, NameKey, u.Name);
            w.WriteEndObject();
            w.WriteString(ConnectionKey, u.SecondaryConnection);
            w.WriteString(UserIdKey, u.SecondaryUserId);
            w.WriteString(ProviderKey, Auth0Value);
            w.WriteBoolean(IsSocialKey, false);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (u.HasMetadata)
        {
            WriteMetadata(w, u);
        }

        w.WriteEndObject();
    }

    /// <summary>Writes the user's password-hash export record in its <see cref="SyntheticUser.Shape"/>.</summary>
    public static void WriteHash(Utf8JsonWriter w, SyntheticUser u, string tenant)
    {
        w.WriteStartObject();
        if (u.Shape == HashShape.PlainStringId)
        {
            w.WriteString(IdKey, u.HashId);
        }
        else
        {
            w.WriteStartObject(IdKey);
            w.WriteString(OidKey, u.HashId);
            w.WriteEndObject();
        }

        switch (u.Shape)
        {
            case HashShape.Classic:
                w.WriteBoolean(EmailVerifiedKey, u.HashEmailVerified);
                w.WriteString(EmailKey, u.HashEmail);
                w.WriteString(PasswordHashKey, u.PasswordHash);
                w.WriteStartObject(PasswordSetDateKey);
                WriteDate(w, DateKey, u.PasswordSetMs);
                w.WriteEndObject();
                w.WriteString(TenantKey, tenant);
                w.WriteString(ConnectionKey, u.HashConnection);
                w.WriteBoolean(TmpIsUniqueKey, true);
                break;
            default:
                if (u.Shape != HashShape.Version11NoRootEmail)
                {
                    w.WriteString(EmailKey, u.HashEmail);
                    WriteOptional(w, UsernameKey, u.HashUsername);
                    w.WriteBoolean(EmailVerifiedKey, u.HashEmailVerified);
                }

                w.WriteString(TenantKey, tenant);
                w.WriteString(ConnectionKey, u.HashConnection);
                w.WriteString(PasswordHashKey, u.PasswordHash);
                w.WriteBoolean(TmpIsUniqueKey, true);
                w.WriteString(VersionKey, Version11Value);
                w.WriteStartArray(IdentifiersKey);
                w.WriteStartObject();
                w.WriteString(TypeKey, EmailKey);
                w.WriteString(ValueKey, u.HashEmail);
                w.WriteBoolean(VerifiedKey, u.HashEmailVerified);
                w.WriteEndObject();
                if (u.HashUsername is not null)
                {
                    w.WriteStartObject();
                    w.WriteString(TypeKey, UsernameKey);
                    w.WriteString(ValueKey, u.HashUsername);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                if (u.LastPasswordResetMs is { } reset)
                {
                    w.WriteStartObject(LastPasswordResetKey);
                    WriteDate(w, DateKey, reset);
                    w.WriteEndObject();
                }

                break;
        }

        if (u.AltId is not null)
        {
            w.WriteString(AltIdKey, u.AltId);
        }

        w.WriteEndObject();
    }

    /// <summary>Writes the header row (with its newline).</summary>
    public static void WriteCsvHeader(IBufferWriter<byte> output)
    {
        WriteUtf8(output, CsvHeader);
        WriteByte(output, (byte)'\n');
    }

    /// <summary>Writes the user as one CSV row (with its newline) in Auth0's OWASP-escaped style: every string
    /// cell <c>"'value"</c> with inner quotes doubled; booleans, numbers and ISO dates bare; absent values empty.</summary>
    public static void WriteCsvRow(IBufferWriter<byte> output, SyntheticUser u)
    {
        CsvString(output, u.UserId);
        Comma(output);
        CsvString(output, u.Email);
        Comma(output);
        CsvBoolean(output, u.EmailVerified);
        Comma(output);
        CsvString(output, u.Username);
        Comma(output);
        CsvString(output, u.PhoneNumber);
        Comma(output);
        CsvString(output, u.GivenName);
        Comma(output);
        CsvString(output, u.FamilyName);
        Comma(output);
        CsvString(output, u.Name);
        Comma(output);
        CsvString(output, u.Nickname);
        Comma(output);
        CsvDate(output, u.CreatedMs);
        Comma(output);
        CsvDate(output, u.UpdatedMs);
        Comma(output);
        CsvDate(output, u.LastLoginMs);
        Comma(output);
        CsvString(output, u.LastIp);
        Comma(output);
        if (u.LoginsCount is { } logins)
        {
            Span<byte> span = output.GetSpan(11);
            Utf8Formatter.TryFormat(logins, span, out int written);
            output.Advance(written);
        }

        Comma(output);
        CsvBoolean(output, u.Blocked);
        Comma(output);
        CsvString(output, u.Connection);
        Comma(output);
        CsvString(output, u.Theme);
        Comma(output);
        CsvString(output, u.Bio);
        Comma(output);
        CsvString(output, u.Plan);
        WriteByte(output, (byte)'\n');
    }

    private static void WriteMetadata(Utf8JsonWriter w, SyntheticUser u)
    {
        w.WriteStartObject(AppMetadataKey);
        w.WriteString("plan", u.Plan);
        w.WriteStartArray("roles");
        foreach (string role in u.Roles)
        {
            w.WriteStringValue(role);
        }

        w.WriteEndArray();
        w.WriteStartObject("org");
        w.WriteString("id", u.OrgId);
        w.WriteNumber("tier", u.Tier);
        w.WriteStartArray("flags");
        w.WriteBooleanValue(u.Tier > 1);
        w.WriteNullValue();
        w.WriteNumberValue(u.Tier * 1.5);
        w.WriteEndArray();
        w.WriteEndObject();
        if (u.MigratedFrom is not null)
        {
            w.WriteString("migrated_from", u.MigratedFrom);
        }

        w.WriteEndObject();

        w.WriteStartObject(UserMetadataKey);
        w.WriteString("theme", u.Theme);
        w.WriteString("locale", u.Locale);
        w.WriteStartObject("consent");
        w.WriteBoolean("given", u.ConsentGiven);
        w.WriteString("date", u.ConsentDate);
        w.WriteEndObject();
        if (u.Bio is not null)
        {
            w.WriteString("bio", u.Bio);
        }

        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, JsonEncodedText key, string? value)
    {
        if (value is not null)
        {
            w.WriteString(key, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, JsonEncodedText key, bool? value)
    {
        if (value is { } b)
        {
            w.WriteBoolean(key, b);
        }
    }

    private static void WriteDate(Utf8JsonWriter w, JsonEncodedText key, long unixMs)
    {
        Span<byte> buffer = stackalloc byte[32];
        int length = FormatDate(unixMs, buffer);
        w.WriteString(key, buffer[..length]);
    }

    private static int FormatDate(long unixMs, Span<byte> destination)
    {
        DateTime date = DateTime.UnixEpoch.AddMilliseconds(unixMs);
        return date.TryFormat(destination, out int written, IsoFormat, CultureInfo.InvariantCulture)
            ? written
            : throw new InvalidOperationException("date buffer too small");
    }

    private static void CsvString(IBufferWriter<byte> output, string? value)
    {
        if (value is null)
        {
            return;
        }

        WriteByte(output, (byte)'"');
        WriteByte(output, (byte)'\'');
        WriteUtf8(output, value.Contains('"', StringComparison.Ordinal) ? value.Replace("\"", "\"\"", StringComparison.Ordinal) : value);
        WriteByte(output, (byte)'"');
    }

    private static void CsvBoolean(IBufferWriter<byte> output, bool? value)
    {
        if (value is { } b)
        {
            WriteUtf8(output, b ? "true" : "false");
        }
    }

    private static void CsvDate(IBufferWriter<byte> output, long? unixMs)
    {
        if (unixMs is { } ms)
        {
            Span<byte> span = output.GetSpan(32);
            output.Advance(FormatDate(ms, span));
        }
    }

    private static void Comma(IBufferWriter<byte> output) => WriteByte(output, (byte)',');

    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void WriteUtf8(IBufferWriter<byte> output, string value)
    {
        Span<byte> span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        output.Advance(Encoding.UTF8.GetBytes(value, span));
    }
}
