using System.Buffers;
using System.Collections.Frozen;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Kinde.Migration.Target.Files.Internal;

/// <summary>Writes a user as one line of Kinde's "Custom NDJSON" import schema.</summary>
internal sealed class NdJsonUserEncoder : IUserEncoder
{
    /// <summary>The hashing methods Kinde's NDJSON import documents (<c>hashing_algorithm</c>).</summary>
    internal static readonly FrozenSet<string> DocumentedMethods =
        FrozenSet.ToFrozenSet(["crypt", "bcrypt", "sha256", "md5", "wordpress"], StringComparer.Ordinal);

    // The default encoder's rules (HTML-sensitive characters such as < > & ' + and control characters escaped)
    // but letters of every script left readable.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        Indented = false,
    };

    private static readonly Comparer<KeyValuePair<string, string>> PropertyOrder =
        Comparer<KeyValuePair<string, string>>.Create((a, b) => string.CompareOrdinal(a.Key, b.Key));

    private Utf8JsonWriter? _writer;
    private KeyValuePair<string, string>[] _properties = new KeyValuePair<string, string>[16];

    public string Extension => "ndjson";

    public ReadOnlyMemory<byte> Header => ReadOnlyMemory<byte>.Empty;

    public int Encode(KindeUser user, IBufferWriter<byte> output, WarningSet warnings)
    {
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(output, WriterOptions);
        }
        else
        {
            _writer.Reset(output);
        }

        Utf8JsonWriter w = _writer;
        w.WriteStartObject();
        WriteOptional(w, "id"u8, user.Id);
        WriteOptional(w, "first_name"u8, user.FirstName);
        WriteOptional(w, "last_name"u8, user.LastName);

        if (user.Password is { } password)
        {
            PasswordChecks.Check(password, DocumentedMethods, warnings);
            w.WriteStartObject("password"u8);
            w.WriteString("hashed_password"u8, password.HashedPassword);
            w.WriteString("hashing_algorithm"u8, password.HashingMethod);
            WriteOptional(w, "salt"u8, password.Salt);
            WriteOptional(w, "salt_format"u8, password.SaltFormat);
            WriteOptional(w, "salt_position"u8, password.SaltPosition);
            w.WriteEndObject();
        }

        if (user.Identities.Count > 0)
        {
            w.WriteStartArray("identities"u8);
            foreach (KindeIdentity identity in user.Identities)
            {
                w.WriteStartObject();
                w.WriteString("type"u8, identity.Type);
                w.WriteString("identity"u8, identity.Value);
                if (identity.IsVerified is { } verified)
                {
                    w.WriteBoolean("is_verified"u8, verified);
                }

                WriteOptional(w, "provider"u8, identity.Provider);
                if (identity.Profile is { } profile)
                {
                    w.WritePropertyName("profile"u8);
                    profile.WriteTo(w);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (user.Properties.Count > 0)
        {
            // Sorted so that the output does not depend on the dictionary's insertion history (in an array kept
            // for the next user: a LINQ sort per user cost more than writing the properties).
            int count = user.Properties.Count;
            if (_properties.Length < count)
            {
                _properties = new KeyValuePair<string, string>[Math.Max(count, 2 * _properties.Length)];
            }

            user.Properties.CopyTo(_properties, 0);
            Array.Sort(_properties, 0, count, PropertyOrder);
            w.WriteStartArray("properties"u8);
            foreach (KeyValuePair<string, string> property in _properties.AsSpan(0, count))
            {
                w.WriteStartObject();
                w.WriteString("key"u8, property.Key);
                w.WriteString("value"u8, property.Value);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            Array.Clear(_properties, 0, count);
        }

        if (user.Organizations.Count > 0)
        {
            w.WriteStartArray("organizations"u8);
            foreach (KindeOrganizationMembership organization in user.Organizations)
            {
                w.WriteStartObject();
                w.WriteString("external_id"u8, organization.ExternalId ?? string.Empty);
                WriteStrings(w, "roles"u8, organization.Roles);
                WriteStrings(w, "permissions"u8, organization.Permissions);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.Flush();
        output.Write("\n"u8);
        return 1;
    }

    public void Dispose() => _writer?.Dispose();

    private static void WriteOptional(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteStrings(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
