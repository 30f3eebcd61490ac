using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Kinde.Migration.Target.Files.Internal;

/// <summary>Writes a user as one line of Kinde's "Custom NDJSON" import schema.</summary>
/// <remarks>The line is written as UTF-8 bytes directly, byte for byte what <see cref="Utf8JsonWriter"/> with the
/// same encoder wrote (its validation and bookkeeping per token cost more than the bytes): strings are checked and
/// escaped by that very encoder, the same way the writer does it.</remarks>
internal sealed class NdJsonUserEncoder : IUserEncoder
{
    /// <summary>The hashing methods Kinde's NDJSON import documents (<c>hashing_algorithm</c>).</summary>
    internal static readonly FrozenSet<string> DocumentedMethods =
        FrozenSet.ToFrozenSet(["crypt", "bcrypt", "sha256", "md5", "wordpress"], StringComparer.Ordinal);

    // The default encoder's rules (HTML-sensitive characters such as < > & ' + and control characters escaped)
    // but letters of every script left readable.
    internal static readonly JavaScriptEncoder Escaper = JavaScriptEncoder.Create(UnicodeRanges.All);

    // Utf8JsonWriter's own limit for escaping on the stack.
    private const int StackallocChars = 128;

    // The ASCII characters the encoder writes as they are, asked of the encoder itself: a string of only these is
    // copied byte for byte without a call into the encoder (ids, emails, hashes, most names).
    private static readonly SearchValues<char> PlainAscii = SearchValues.Create(
        Enumerable.Range(0, 128).Select(c => (char)c).Where(c => FirstToEscape(c.ToString()) < 0).ToArray());

    // The line's writer allowed 1000 levels (its default) and a profile starts three deep in the line (the user, the
    // identities, the identity): a profile too deep for that fails as it did, rather than being written.
    private static readonly JsonWriterOptions ProfileOptions = new() { Encoder = Escaper, Indented = false, MaxDepth = 1000 - 3 };

    // A Comparison, not a Comparer: sorting with a Comparer makes a delegate of it on every call.
    private static readonly Comparison<KeyValuePair<string, string>> PropertyOrder = (a, b) => string.CompareOrdinal(a.Key, b.Key);

    private KeyValuePair<string, string>[] _properties = new KeyValuePair<string, string>[16];
    private byte[] _line = new byte[1024];
    private int _length;

    // Whether the next member or element needs a comma before it.
    private bool _comma;

    // Profiles are JSON trees of any shape: they go through the writer, into a buffer of their own.
    private ArrayBufferWriter<byte>? _profileBuffer;
    private Utf8JsonWriter? _profileWriter;

    public string Extension => "ndjson";

    public ReadOnlyMemory<byte> Header => ReadOnlyMemory<byte>.Empty;

    public int Encode(KindeUser user, IBufferWriter<byte> output, WarningSet warnings)
    {
        _length = 0;
        StartObject();
        OptionalString("\"id\":"u8, user.Id);
        OptionalString("\"first_name\":"u8, user.FirstName);
        OptionalString("\"last_name\":"u8, user.LastName);

        if (user.Password is { } password)
        {
            PasswordChecks.Check(password, DocumentedMethods, warnings);
            Name("\"password\":"u8);
            StartObject();
            Name("\"hashed_password\":"u8);
            StringValue(password.HashedPassword);
            Name("\"hashing_algorithm\":"u8);
            StringValue(password.HashingMethod);
            OptionalString("\"salt\":"u8, password.Salt);
            OptionalString("\"salt_format\":"u8, password.SaltFormat);
            OptionalString("\"salt_position\":"u8, password.SaltPosition);
            EndObject();
        }

        IList<KindeIdentity> identities = user.Identities;
        if (identities.Count > 0)
        {
            Name("\"identities\":"u8);
            StartArray();
            for (int i = 0; i < identities.Count; i++)
            {
                KindeIdentity identity = identities[i];
                Element();
                StartObject();
                Name("\"type\":"u8);
                StringValue(identity.Type);
                Name("\"identity\":"u8);
                StringValue(identity.Value);
                if (identity.IsVerified is { } verified)
                {
                    Name("\"is_verified\":"u8);
                    Append(verified ? "true"u8 : "false"u8);
                }

                OptionalString("\"provider\":"u8, identity.Provider);
                if (identity.Profile is { } profile)
                {
                    Name("\"profile\":"u8);
                    WriteProfile(profile);
                }

                EndObject();
            }

            EndArray();
        }

        if (user.PropertiesOrNull is { Count: > 0 } properties)
        {
            // Sorted so that the output does not depend on the dictionary's insertion history (in an array kept
            // for the next user: a LINQ sort per user cost more than writing the properties).
            int count = properties.Count;
            if (_properties.Length < count)
            {
                _properties = new KeyValuePair<string, string>[Math.Max(count, 2 * _properties.Length)];
            }

            ((ICollection<KeyValuePair<string, string>>)properties).CopyTo(_properties, 0);
            _properties.AsSpan(0, count).Sort(PropertyOrder);
            Name("\"properties\":"u8);
            StartArray();
            foreach (KeyValuePair<string, string> property in _properties.AsSpan(0, count))
            {
                Element();
                StartObject();
                Name("\"key\":"u8);
                StringValue(property.Key);
                Name("\"value\":"u8);
                StringValue(property.Value);
                EndObject();
            }

            EndArray();
            Array.Clear(_properties, 0, count);
        }

        if (user.OrganizationsOrNull is { Count: > 0 } organizations)
        {
            Name("\"organizations\":"u8);
            StartArray();
            for (int i = 0; i < organizations.Count; i++)
            {
                KindeOrganizationMembership organization = organizations[i];
                Element();
                StartObject();
                Name("\"external_id\":"u8);
                StringValue(organization.ExternalId ?? string.Empty);
                Strings("\"roles\":"u8, organization.Roles);
                Strings("\"permissions\":"u8, organization.Permissions);
                EndObject();
            }

            EndArray();
        }

        EndObject();
        Append((byte)'\n');
        output.Write(_line.AsSpan(0, _length));
        return 1;
    }

    public void Dispose() => _profileWriter?.Dispose();

    private void StartObject()
    {
        Append((byte)'{');
        _comma = false;
    }

    private void EndObject()
    {
        Append((byte)'}');
        _comma = true;
    }

    private void StartArray()
    {
        Append((byte)'[');
        _comma = false;
    }

    private void EndArray()
    {
        Append((byte)']');
        _comma = true;
    }

    private void Element()
    {
        if (_comma)
        {
            Append((byte)',');
        }

        _comma = true;
    }

    /// <summary>Writes a member's name; <paramref name="quotedName"/> is <c>"name":</c>, plain ASCII.</summary>
    private void Name(ReadOnlySpan<byte> quotedName)
    {
        Element();
        Append(quotedName);
    }

    private void OptionalString(ReadOnlySpan<byte> quotedName, string? value)
    {
        if (value is not null)
        {
            Name(quotedName);
            StringValue(value);
        }
    }

    private void Strings(ReadOnlySpan<byte> quotedName, IList<string> values)
    {
        Name(quotedName);
        StartArray();
        for (int i = 0; i < values.Count; i++)
        {
            Element();
            StringValue(values[i]);
        }

        EndArray();
    }

    /// <summary>A JSON string as <see cref="Utf8JsonWriter.WriteStringValue(string)"/> writes it: <c>null</c> for
    /// <see langword="null"/>; else, from the first character the encoder wants escaped, the encoder's escaping.</summary>
    private void StringValue(string? value)
    {
        if (value is null)
        {
            Append("null"u8);
            return;
        }

        int plain = value.AsSpan().IndexOfAnyExcept(PlainAscii);
        if (plain < 0)
        {
            Ensure(value.Length + 2L);
            _line[_length++] = (byte)'"';
            _length += Encoding.ASCII.GetBytes(value, _line.AsSpan(_length));
            _line[_length++] = (byte)'"';
            return;
        }

        // The encoder decides from the first character that is not plain ASCII on (the ones before it are plain).
        int rest = FirstToEscape(value.AsSpan(plain));
        if (rest < 0)
        {
            Quoted(value);
            return;
        }

        int escapeAt = plain + rest;

        int max = checked(escapeAt + (6 * (value.Length - escapeAt)));
        char[]? rented = null;
        Span<char> escaped = max <= StackallocChars ? stackalloc char[StackallocChars] : (rented = ArrayPool<char>.Shared.Rent(max));
        value.AsSpan(0, escapeAt).CopyTo(escaped);
        OperationStatus status = Escaper.Encode(value.AsSpan(escapeAt), escaped[escapeAt..], out _, out int written, isFinalBlock: true);
        if (status != OperationStatus.Done)
        {
            // The encoder replaces invalid UTF-16 rather than failing; anything else is a bug, not data.
            throw new InvalidOperationException($"The JSON encoder could not escape a string ({status}).");
        }

        Quoted(escaped[..(escapeAt + written)]);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static unsafe int FirstToEscape(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return -1;
        }

        fixed (char* chars = value)
        {
            return Escaper.FindFirstCharacterToEncode(chars, value.Length);
        }
    }

    /// <summary>Appends <paramref name="chars"/>, which need no escaping, in quotes as UTF-8.</summary>
    private void Quoted(ReadOnlySpan<char> chars)
    {
        Ensure((3L * chars.Length) + 2);
        _line[_length++] = (byte)'"';
        _length += Encoding.UTF8.GetBytes(chars, _line.AsSpan(_length));
        _line[_length++] = (byte)'"';
    }

    private void WriteProfile(System.Text.Json.Nodes.JsonObject profile)
    {
        _profileBuffer ??= new ArrayBufferWriter<byte>(256);
        _profileBuffer.ResetWrittenCount();
        if (_profileWriter is null)
        {
            _profileWriter = new Utf8JsonWriter(_profileBuffer, ProfileOptions);
        }
        else
        {
            _profileWriter.Reset(_profileBuffer);
        }

        profile.WriteTo(_profileWriter);
        _profileWriter.Flush();
        Append(_profileBuffer.WrittenSpan);
        _comma = true;
    }

    private void Append(byte value)
    {
        Ensure(1);
        _line[_length++] = value;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_line.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(long extra)
    {
        if (_length + extra > _line.Length)
        {
            Grow(extra);
        }
    }

    private void Grow(long extra)
    {
        long needed = _length + extra;
        int size = (int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * _line.Length));
        if (size < needed)
        {
            throw new InvalidOperationException("A user's import line is too large to encode.");
        }

        Array.Resize(ref _line, size);
    }
}
