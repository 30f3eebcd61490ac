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
    private readonly MappingOptions _options;
    private readonly PasswordConversionOptions _passwordOptions;

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
        MapMetadata("app_metadata", source.AppMetadata, _options.AppMetadataPropertyPrefix, user, context);
        MapMetadata("user_metadata", source.UserMetadata, _options.UserMetadataPropertyPrefix, user, context);
        foreach (string key in source.AdditionalProperties.Keys)
        {
            context.AddWarning("attribute_not_migrated:" + key);
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
        var primary = Auth0UserId.Parse(source.UserId!);
        string provider = primary.Provider ?? "";
        string connection = source.Identities.FirstOrDefault()?.Connection ?? source.Connection ?? provider;

        // Identities from the identities[] array, or the root user_id when the export has no array (CSV).
        IEnumerable<(string Provider, string? Connection, string? Id, JsonObject? Profile)> identities = source.Identities.Count > 0
            ? source.Identities.Select(i => (i.Provider ?? "", i.Connection, i.UserId, i.ProfileData))
            : [(provider, connection, primary.Id, null)];

        foreach (var (identityProvider, identityConnection, id, profile) in identities)
        {
            string? socialType = SocialType(identityProvider, identityConnection);
            if (socialType is not null && id is not null)
            {
                if (!user.Identities.Any(i => i.Type == socialType && i.Value == id))
                {
                    user.Identities.Add(new KindeIdentity(socialType, id, true) { Provider = socialType["oauth2:".Length..], Profile = profile?.DeepClone().AsObject() });
                }
            }
        }

        if (provider is "auth0" or "email" or "sms" || SocialType(provider, connection) is not null)
        {
            return null;
        }

        if (_options.EnterpriseStrategies.Contains(provider))
        {
            context.AddWarning($"enterprise_connection:{connection}");
            return email is null
                ? $"enterprise user ({provider} connection '{connection}') has no email: Kinde needs one to link the user to an enterprise connection"
                : null;
        }

        context.AddWarning($"unsupported_connection:{connection}");
        return null;
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
            if (IsRulePath(fullKey, _options.RolesPath))
            {
                AddRoles(Lookup(value, _options.RolesPath!, fullKey), user);
                context.RecordMetadataFate(fullKey, MetadataKeyFate.Mapped);
            }
            else if (IsRulePath(fullKey, _options.OrganizationsPath))
            {
                AddOrganizations(Lookup(value, _options.OrganizationsPath!, fullKey), user);
                context.RecordMetadataFate(fullKey, MetadataKeyFate.Mapped);
            }
            else if (_options.ExcludedMetadata.Contains(fullKey))
            {
                context.RecordMetadataFate(fullKey, MetadataKeyFate.Excluded);
            }
            else
            {
                string propertyKey = _options.PropertyKeys.TryGetValue(fullKey, out string? explicitKey) ? explicitKey : prefix + SanitizeKey(key);
                user.Properties[propertyKey] = ToText(value);
                context.RecordMetadataFate(fullKey, MetadataKeyFate.Property);
            }
        }
    }

    private static bool IsRulePath(string fullKey, string? path) =>
        path is not null && (path == fullKey || path.StartsWith(fullKey + ".", StringComparison.Ordinal));

    private static JsonNode? Lookup(JsonNode? node, string path, string fullKey)
    {
        foreach (string segment in path[fullKey.Length..].Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node is JsonObject obj ? obj[segment] : null;
        }

        return node;
    }

    private void AddRoles(JsonNode? node, KindeUser user)
    {
        var roles = Strings(node);
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

    private static void AddOrganizations(JsonNode? node, KindeUser user)
    {
        foreach (string org in Strings(node).Where(o => !user.Organizations.Any(m => m.ExternalId == o)))
        {
            user.Organizations.Add(new KindeOrganizationMembership(org));
        }
    }

    private static List<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => [.. array.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s.Trim() : n?.ToJsonString() ?? "").Where(s => s.Length > 0)],
        JsonValue value when value.TryGetValue(out string? text) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
        _ => [],
    };

    private static string ToText(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

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
