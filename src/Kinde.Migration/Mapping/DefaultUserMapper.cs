using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kinde.Migration.Auth0;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;

namespace Kinde.Migration.Mapping;

/// <summary>The documented Auth0 → Kinde mapping; the innermost mapper of every chain unless replaced.</summary>
/// <remarks>
/// <list type="bullet">
/// <item>Id: the Auth0 <c>user_id</c>. Names: <c>given_name</c>/<c>family_name</c>, else split from <c>name</c> when it
/// is not an email or phone number.</item>
/// <item>Identities: email (with <c>email_verified</c>), phone (with <c>phone_verified</c>), username; each social
/// identity in <see cref="MappingOptions.SocialConnections"/>; passwordless <c>email</c>/<c>sms</c> become email/phone
/// identities; enterprise users get an email identity and a warning naming the connection (rejected without an email);
/// any other connection keeps its email and gets a warning.</item>
/// <item><c>blocked</c> → suspended. Password: the joined hash, converted (<see cref="PasswordHashConverter"/>), in the
/// modes that carry passwords; an Auth0 import file's <c>password_hash</c>/<c>custom_password_hash</c> is used when no
/// hash was joined.</item>
/// <item>Metadata: every top-level key of <c>app_metadata</c>/<c>user_metadata</c> is mapped by a rule (roles,
/// organizations), excluded by configuration, or carried as a property (strings as they are, other values as JSON
/// text); its fate is recorded. Unknown root attributes are reported as not migrated.</item>
/// </list>
/// </remarks>
public sealed class DefaultUserMapper : IUserMapper
{
    // Property values are text that the import file escapes again: keep letters readable, as the user wrote them.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Bounds each cache of derived names: a file whose every user has a provider of its own costs work, not memory.
    private const int MaxCachedNames = 1024;

    [ThreadStatic]
    private static System.Buffers.ArrayBufferWriter<byte>? t_compactBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_compactWriter;

    private readonly MappingOptions _options;
    private readonly PasswordConversionOptions _passwordOptions;
    private readonly MetadataKeyNames _keyNames = new();

    // The property count of the last user that had properties (a hint only: threads may race on it).
    private int _propertyCountHint;

    // Strings made once per distinct provider or connection rather than once per user (exports have a handful).
    private readonly ConcurrentDictionary<string, string> _providers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _socialProviders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _enterpriseWarnings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _unsupportedWarnings = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="DefaultUserMapper"/> class.</summary>
    /// <param name="options">The mapping options.</param>
    public DefaultUserMapper(MappingOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _passwordOptions = new PasswordConversionOptions { RewriteBcrypt2bTo2a = options.RewriteBcrypt2bTo2a };
    }

    /// <inheritdoc />
    public ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        return new ValueTask<MappingResult>(Map(source, context));
    }

    private MappingResult Map(Auth0User source, MappingContext context)
    {
        if (string.IsNullOrWhiteSpace(source.UserId))
        {
            return MappingResult.Reject("the record has no user_id");
        }

        var user = new KindeUser { Id = source.UserId, Picture = NullIfEmpty(source.Picture), Suspended = source.Blocked == true };
        user.SourceUserIds.Add(source.UserId);
        SetNames(source, user);

        string? email = NullIfEmpty(source.Email?.Trim());
        if (email is not null)
        {
            user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, email, source.EmailVerified ?? false));
        }

        if (NullIfEmpty(source.PhoneNumber?.Trim()) is { } phone)
        {
            user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Phone, phone, source.PhoneVerified ?? false));
        }

        if (NullIfEmpty(source.Username?.Trim()) is { } username)
        {
            user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, username));
        }

        if (AddConnectionIdentities(source, user, context, email) is { } rejection)
        {
            return MappingResult.Reject(rejection);
        }

        if (source.Multifactor.Count > 0)
        {
            context.AddWarning("multifactor_not_migrated");
        }

        SetPassword(source, user, context);
        // Metadata nobody has touched is walked straight from its UTF-8 text: building a node tree per user cost
        // more than the rest of the mapping together.
        if (source.MetadataUtf8(app: true) is { } appUtf8)
        {
            MapMetadata("app_metadata", appUtf8, _options.AppMetadataPropertyPrefix, user, context);
        }
        else
        {
            MapMetadata("app_metadata", source.AppMetadata, _options.AppMetadataPropertyPrefix, user, context);
        }

        if (source.MetadataUtf8(app: false) is { } userUtf8)
        {
            MapMetadata("user_metadata", userUtf8, _options.UserMetadataPropertyPrefix, user, context);
        }
        else
        {
            MapMetadata("user_metadata", source.UserMetadata, _options.UserMetadataPropertyPrefix, user, context);
        }
        foreach (string key in source.AdditionalProperties.Keys)
        {
            if (key is "password_hash" or "custom_password_hash")
            {
                // An Auth0 import file's password fields: used as the password in the modes that carry one.
                if (context.Mode is not (MigrationMode.WithPasswords or MigrationMode.PasswordsOnly))
                {
                    context.AddWarning("password_not_migrated_in_this_mode");
                }
            }
            else if (key == "mfa_factors")
            {
                context.AddWarning("multifactor_not_migrated");
            }
            else
            {
                context.AddWarning("attribute_not_migrated:" + key);
            }
        }

        if (user.PropertiesOrNull is { Count: > 0 } properties)
        {
            // Capped: one user with a thousand keys must not size every later user's dictionary.
            _propertyCountHint = Math.Min(properties.Count, 32);
        }

        return MappingResult.Success(user);
    }

    private static void SetNames(Auth0User source, KindeUser user)
    {
        user.FirstName = NullIfEmpty(source.GivenName?.Trim());
        user.LastName = NullIfEmpty(source.FamilyName?.Trim());
        if (user.FirstName is not null || user.LastName is not null)
        {
            return;
        }

        string? name = NullIfEmpty(source.Name?.Trim());
        if (name is null || name.Contains('@', StringComparison.Ordinal) || name.StartsWith('+') || name == source.PhoneNumber)
        {
            return;
        }

        int space = name.IndexOf(' ', StringComparison.Ordinal);
        user.FirstName = space < 0 ? name : name[..space];
        user.LastName = space < 0 ? null : NullIfEmpty(name[(space + 1)..].Trim());
    }

    private string? AddConnectionIdentities(Auth0User source, KindeUser user, MappingContext context, string? email)
    {
        // Auth0UserId.Parse without its two substrings: the provider comes from a cache, the id is cut only when used.
        string userId = source.UserId!;
        int bar = userId.IndexOf('|', StringComparison.Ordinal);

        // An Auth0 import file's user_id has no strategy prefix (Auth0 adds it on import): it is a database user.
        string provider = bar < 0 ? "auth0" : Provider(userId.AsSpan(0, bar));
        string connection = (source.Identities.Count > 0 ? source.Identities[0].Connection : null) ?? source.Connection ?? provider;

        // Identities from the identities[] array, or the root user_id when the export has no array (CSV).
        if (source.Identities.Count == 0)
        {
            AddSocialIdentity(user, provider, connection, userId[(bar + 1)..], null);
        }

        for (int i = 0; i < source.Identities.Count; i++)
        {
            Auth0Identity identity = source.Identities[i];
            AddSocialIdentity(user, identity.Provider ?? "", identity.Connection, identity.UserId, identity.ProfileData);
        }

        if (provider is "auth0" or "email" or "sms" || SocialType(provider, connection) is not null)
        {
            return null;
        }

        if (_options.EnterpriseStrategies.Contains(provider))
        {
            context.AddWarning(Cached(_enterpriseWarnings, connection, static c => "enterprise_connection:" + c));
            return email is null
                ? $"enterprise user ({provider} connection '{connection}') has no email: Kinde needs one to link the user to an enterprise connection"
                : null;
        }

        context.AddWarning(Cached(_unsupportedWarnings, connection, static c => "unsupported_connection:" + c));
        return null;
    }

    private string Provider(ReadOnlySpan<char> name)
    {
        if (_providers.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out string? cached))
        {
            return cached;
        }

        string provider = name.ToString();
        if (_providers.Count < MaxCachedNames)
        {
            _providers.TryAdd(provider, provider);
        }

        return provider;
    }

    /// <summary>The cached value of <paramref name="key"/>, made by <paramref name="make"/> the first time.</summary>
    private static string Cached(ConcurrentDictionary<string, string> cache, string key, Func<string, string> make)
    {
        if (cache.TryGetValue(key, out string? cached))
        {
            return cached;
        }

        string value = make(key);
        if (cache.Count < MaxCachedNames)
        {
            cache.TryAdd(key, value);
        }

        return value;
    }

    private void AddSocialIdentity(KindeUser user, string provider, string? connection, string? id, JsonObject? profile)
    {
        string? socialType = SocialType(provider, connection);
        if (socialType is null || id is null)
        {
            return;
        }

        // Custom social (oauth2) identities carry "connection|id"; the provider knows the user by "id".
        if (connection is { Length: > 0 } prefix && id.Length > prefix.Length && id[prefix.Length] == '|' && id.StartsWith(prefix, StringComparison.Ordinal))
        {
            id = id[(prefix.Length + 1)..];
        }

        for (int i = 0; i < user.Identities.Count; i++)
        {
            if (user.Identities[i].Type == socialType && user.Identities[i].Value == id)
            {
                return;
            }
        }

        user.Identities.Add(new KindeIdentity(socialType, id, true) { Provider = Cached(_socialProviders, socialType, static t => t["oauth2:".Length..]), Profile = profile?.DeepClone().AsObject() });
    }

    private string? SocialType(string provider, string? connection) =>
        _options.SocialConnections.TryGetValue(provider, out string? type) ? type
        : connection is not null && _options.SocialConnections.TryGetValue(connection, out type) ? type
        : null;

    private void SetPassword(Auth0User source, KindeUser user, MappingContext context)
    {
        if (context.Mode is not (MigrationMode.WithPasswords or MigrationMode.PasswordsOnly))
        {
            return;
        }

        PasswordConversion? conversion = null;
        if (context.PasswordHash is { } hash)
        {
            conversion = PasswordHashConverter.FromAuth0Hash(hash.PasswordHash, _passwordOptions);
        }
        else if (source.AdditionalProperties.TryGetValue("custom_password_hash", out JsonNode? custom) && custom is JsonObject customObject)
        {
            conversion = PasswordHashConverter.FromCustomPasswordHash(customObject, _passwordOptions);
        }
        else if (source.AdditionalProperties.TryGetValue("password_hash", out JsonNode? plain) && plain is JsonValue value && value.TryGetValue(out string? text))
        {
            conversion = PasswordHashConverter.FromAuth0Hash(text, _passwordOptions);
        }

        if (conversion is not { } result)
        {
            return;
        }

        if (result.Password is null)
        {
            context.AddWarning("password_unsupported:" + result.Kind);
            return;
        }

        user.Password = result.Password;
        user.Password.Source = context.PasswordHash;
    }

    private void MapMetadata(string root, JsonObject? metadata, string prefix, KindeUser user, MappingContext context)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var (key, value) in metadata)
        {
            string fullKey = root + "." + key;
            bool roles = IsRulePath(fullKey, _options.RolesPath);
            bool organizations = IsRulePath(fullKey, _options.OrganizationsPath);
            if (roles || organizations)
            {
                if (roles)
                {
                    AddRoles(Lookup(value, _options.RolesPath!, fullKey), user, context);
                }

                if (organizations)
                {
                    AddOrganizations(Lookup(value, _options.OrganizationsPath!, fullKey), user, context);
                }

                context.RecordMetadataFate(fullKey, MetadataKeyFate.Mapped);

                // What the rules did not consume under this key (e.g. authz.groups beside authz.roles) is still carried.
                if (Remainder(value, fullKey, roles ? _options.RolesPath : null, organizations ? _options.OrganizationsPath : null) is { } rest)
                {
                    CarryAsProperty(fullKey, prefix + SanitizeKey(key), rest, user, context);
                }
            }
            else if (_options.ExcludedMetadata.Contains(fullKey))
            {
                context.RecordMetadataFate(fullKey, MetadataKeyFate.Excluded);
            }
            else if (value is null)
            {
                // A null has nothing to carry; an empty property would be indistinguishable from "".
                context.AddWarning("metadata_null_skipped");
                context.RecordMetadataFate(fullKey, MetadataKeyFate.Excluded);
            }
            else
            {
                string propertyKey = _options.PropertyKeys.TryGetValue(fullKey, out string? explicitKey) ? explicitKey : prefix + SanitizeKey(key);
                CarryAsProperty(fullKey, propertyKey, value, user, context);
            }
        }
    }

    /// <summary>The same rules as the node-tree overload, reading the metadata object's UTF-8 text directly.</summary>
    private void MapMetadata(string root, byte[] utf8, string prefix, KindeUser user, MappingContext context)
    {
        var reader = new Utf8JsonReader(utf8);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            MetadataKeyName name = _keyNames.Get(ref reader, root);
            (string key, string fullKey) = (name.Key, name.FullKey);
            reader.Read();
            if (IsRulePath(fullKey, _options.RolesPath) || IsRulePath(fullKey, _options.OrganizationsPath))
            {
                // Rules need the value as a tree; they concern a key or two, not every key of every user.
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                JsonNode? value = JsonNode.Parse(utf8.AsSpan(start, (int)reader.BytesConsumed - start));
                MapMetadata(root, new JsonObject { [key] = value }, prefix, user, context);
            }
            else if (_options.ExcludedMetadata.Contains(fullKey))
            {
                reader.Skip();
                context.RecordMetadataFate(fullKey, MetadataKeyFate.Excluded);
            }
            else if (reader.TokenType == JsonTokenType.Null)
            {
                context.AddWarning("metadata_null_skipped");
                context.RecordMetadataFate(fullKey, MetadataKeyFate.Excluded);
            }
            else
            {
                string propertyKey = _options.PropertyKeys.TryGetValue(fullKey, out string? explicitKey) ? explicitKey : name.PropertyKey(prefix);
                string text = reader.TokenType == JsonTokenType.String ? reader.GetString()! : CompactJson(ref reader, utf8);
                CarryAsProperty(fullKey, propertyKey, text, user, context);
            }
        }
    }

    /// <summary>Re-writes the current value compactly, with readable letters (as <see cref="ToText"/> does for trees).</summary>
    private static string CompactJson(ref Utf8JsonReader reader, byte[] utf8)
    {
        // Text of printable ASCII without spaces or backslashes is compact and needs no escaping: it is kept as written.
        int start = (int)reader.TokenStartIndex;
        Utf8JsonReader end = reader;
        end.Skip();
        ReadOnlySpan<byte> raw = utf8.AsSpan(start, (int)end.BytesConsumed - start);
        if (!raw.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) && !raw.Contains((byte)'\\'))
        {
            reader = end;
            return Encoding.ASCII.GetString(raw);
        }

        // One buffer and writer per thread, reused: a pair per value was most of the mapping's garbage.
        var buffer = t_compactBuffer ??= new System.Buffers.ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var writer = t_compactWriter ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Readable.Encoder });
        writer.Reset(buffer);
        int depth = reader.CurrentDepth;
        while (true)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                // Unescaped text is written from its UTF-8 bytes: the writer escapes it the same way as a string.
                case JsonTokenType.PropertyName when !reader.ValueIsEscaped: writer.WritePropertyName(reader.ValueSpan); break;
                case JsonTokenType.PropertyName: writer.WritePropertyName(reader.GetString()!); break;
                case JsonTokenType.String when !reader.ValueIsEscaped: writer.WriteStringValue(reader.ValueSpan); break;
                case JsonTokenType.String: writer.WriteStringValue(reader.GetString()); break;
                case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                case JsonTokenType.Null: writer.WriteNullValue(); break;
            }

            // Done after a scalar at the starting depth, or after the end token that closes the starting container.
            bool closed = reader.CurrentDepth == depth && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray);
            if (closed || !reader.Read())
            {
                break;
            }
        }

        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void CarryAsProperty(string fullKey, string propertyKey, JsonNode value, KindeUser user, MappingContext context) =>
        CarryAsProperty(fullKey, propertyKey, ToText(value), user, context);

    private void CarryAsProperty(string fullKey, string propertyKey, string text, KindeUser user, MappingContext context)
    {
        // Sized like the last user's: users of one export mostly share their metadata keys, and growing the
        // dictionary key by key made it several times over.
        Dictionary<string, string> properties = user.PropertiesWithCapacity(_propertyCountHint);
        if (!properties.TryAdd(propertyKey, text))
        {
            // Two keys ("a-b", "a_b") that clean up to one property key: the first keeps it, the other is reported.
            context.AddWarning("property_key_collision:" + propertyKey);
            context.RecordMetadataFate(fullKey, MetadataKeyFate.Conflict);
            return;
        }

        context.RecordMetadataFate(fullKey, MetadataKeyFate.Property);
    }

    /// <summary>The part of a metadata value that the rule paths under it did not consume, or <see langword="null"/>.</summary>
    private static JsonNode? Remainder(JsonNode? value, string fullKey, params string?[] rulePaths)
    {
        if (value is not JsonObject obj || rulePaths.Any(p => p == fullKey))
        {
            return null;
        }

        var rest = obj.DeepClone().AsObject();
        foreach (string path in rulePaths.OfType<string>())
        {
            RemovePath(rest, path[(fullKey.Length + 1)..].Split('.'));
        }

        return rest.Count == 0 ? null : rest;
    }

    private static void RemovePath(JsonObject node, string[] segments)
    {
        if (segments.Length == 1)
        {
            node.Remove(segments[0]);
            return;
        }

        if (node[segments[0]] is JsonObject child)
        {
            RemovePath(child, segments[1..]);
            if (child.Count == 0)
            {
                node.Remove(segments[0]);
            }
        }
    }

    private static bool IsRulePath(string fullKey, string? path) =>
        path is not null && path.StartsWith(fullKey, StringComparison.Ordinal) && (path.Length == fullKey.Length || path[fullKey.Length] == '.');

    private static JsonNode? Lookup(JsonNode? node, string path, string fullKey)
    {
        foreach (string segment in path[fullKey.Length..].Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node is JsonObject obj ? obj[segment] : null;
        }

        return node;
    }

    private void AddRoles(JsonNode? node, KindeUser user, MappingContext context)
    {
        var roles = Strings(node, "roles", context);
        if (roles.Count == 0)
        {
            return;
        }

        string org = _options.RolesOrganization ?? "";
        var membership = user.Organizations.FirstOrDefault(m => m.ExternalId == org);
        if (membership is null)
        {
            membership = new KindeOrganizationMembership(org);
            user.Organizations.Add(membership);
        }

        foreach (string role in roles.Where(r => !membership.Roles.Contains(r)))
        {
            membership.Roles.Add(role);
        }
    }

    private static void AddOrganizations(JsonNode? node, KindeUser user, MappingContext context)
    {
        foreach (string org in Strings(node, "organizations", context).Where(o => !user.Organizations.Any(m => m.ExternalId == o)))
        {
            user.Organizations.Add(new KindeOrganizationMembership(org));
        }
    }

    private static List<string> Strings(JsonNode? node, string rule, MappingContext context)
    {
        switch (node)
        {
            case null:
                return [];
            case JsonArray array:
                return [.. array.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s.Trim() : n?.ToJsonString(Readable) ?? "").Where(s => s.Length > 0)];
            case JsonValue value when value.TryGetValue(out string? text):
                return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            default:
                // The rule path points at something that is not a list: say so rather than lose it quietly.
                context.AddWarning($"{rule}_path_not_a_list");
                return [];
        }
    }

    private static string ToText(JsonNode value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String
        ? v.GetValue<string>()
        : value.ToJsonString(Readable);

    /// <summary>Kinde property keys: lower-case letters, digits and underscores.</summary>
    internal static string SanitizeKey(string key)
    {
        var builder = new StringBuilder(key.Length);
        foreach (char c in key.Normalize(NormalizationForm.FormKC))
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLower(c, CultureInfo.InvariantCulture) : '_');
        }

        return builder.ToString();
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
