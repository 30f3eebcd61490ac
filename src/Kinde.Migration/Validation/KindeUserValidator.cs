using System.Text.RegularExpressions;
using Kinde.Migration.Mapping;
using Kinde.Migration.Target;

namespace Kinde.Migration.Validation;

/// <summary>Checks <see cref="KindeUser"/>s against what Kinde's import and Management API accept, before sending them.</summary>
/// <remarks>
/// <para>
/// Use one instance per run: it remembers the usernames of the users it has passed, so that a username is used by only
/// one user in the run (compared case-insensitively, as Kinde does). To keep memory bounded at millions of users it
/// stores a 64-bit FNV-1a hash of each lower-cased (invariant culture) username, not the string: about 8 bytes per
/// username plus set overhead. Two different usernames share a hash with probability about n²/2⁶⁵ (about 3 in a
/// million at 10 million usernames); such a collision reports a false duplicate, never misses a real one.
/// </para>
/// <para>
/// A user's usernames are registered only when the user passes every check, so a rejected user does not block a
/// later, valid user with the same username. Duplicates are still reported for users that fail other checks.
/// </para>
/// <para>
/// Messages name the field and the rule, e.g. <c>identities[0] (email): not a plausible email address (no '@')</c>.
/// They never contain the password hash or salt, nor email addresses, phone numbers or usernames (treated as PII).
/// They may contain a property key, an identity type and a hashing-method name when these look like such names.
/// </para>
/// <para><see cref="Validate"/> may be called from several threads at once.</para>
/// </remarks>
public sealed partial class KindeUserValidator
{
    private const int MaxLocalPartLength = 64;
    private const ulong FnvOffsetBasis = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    private static readonly string[] HashingMethods =
        ["bcrypt", "crypt", "md5", "sha256", "wordpress", "pbkdf2", "firebase-scrypt", "aspnet-identity-v2"];

    // Property keys: [a-z0-9_]+.
    private static readonly System.Buffers.SearchValues<char> PropertyKeyChars = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_");

    private static readonly System.Buffers.SearchValues<char> PrintableAscii =
        System.Buffers.SearchValues.Create(Enumerable.Range(0x21, 0x7E - 0x21 + 1).Select(i => (char)i).ToArray());

    private readonly int _maxNameLength;
    private readonly int _maxEmailLength;
    private readonly int _maxUsernameLength;
    private readonly int _maxPropertyValueLength;
    private readonly int _maxIdLength;
    private readonly bool _requireEmailOrPhone;
    private readonly HashSet<ulong> _usernames = [];
    private readonly Lock _gate = new();

    /// <summary>Initializes a new instance of the <see cref="KindeUserValidator"/> class with default options.</summary>
    public KindeUserValidator()
        : this(new KindeValidationOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="KindeUserValidator"/> class.</summary>
    /// <param name="options">The limits; read once, here.</param>
    /// <exception cref="ArgumentOutOfRangeException">A maximum length is less than 1.</exception>
    public KindeUserValidator(KindeValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxNameLength, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEmailLength, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxUsernameLength, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPropertyValueLength, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxIdLength, 1, nameof(options));
        _maxNameLength = options.MaxNameLength;
        _maxEmailLength = options.MaxEmailLength;
        _maxUsernameLength = options.MaxUsernameLength;
        _maxPropertyValueLength = options.MaxPropertyValueLength;
        _maxIdLength = options.MaxIdLength;
        _requireEmailOrPhone = options.RequireEmailOrPhone;
    }

    /// <summary>Checks one user and returns every problem found.</summary>
    /// <param name="user">The user.</param>
    /// <returns>The problems, one message each; empty when the user is valid.</returns>
    /// <remarks>
    /// <para>Rules:</para>
    /// <list type="bullet">
    /// <item><description><c>id</c>: when set, not blank and at most <see cref="KindeValidationOptions.MaxIdLength"/> long.</description></item>
    /// <item><description><c>first_name</c>, <c>last_name</c>: at most <see cref="KindeValidationOptions.MaxNameLength"/> long.</description></item>
    /// <item><description>identities: at least one email or phone identity (<see cref="KindeValidationOptions.RequireEmailOrPhone"/>); each type is <c>email</c>, <c>phone</c>, <c>username</c> or <c>oauth2:</c> + a lower-case name (<c>[a-z0-9][a-z0-9_.-]*</c>); each value non-empty.</description></item>
    /// <item><description>
    /// email: a plausible address, checked simply rather than by RFC 5322 regex: exactly one <c>@</c>; a non-empty
    /// local part of at most 64 characters; a domain that contains a dot, does not start or end with one and has no
    /// <c>..</c>; no whitespace or control characters; at most <see cref="KindeValidationOptions.MaxEmailLength"/> in
    /// all. Quoted local parts containing <c>@</c> are therefore refused.
    /// </description></item>
    /// <item><description>phone: E.164, <c>^\+[1-9][0-9]{1,14}$</c>.</description></item>
    /// <item><description>
    /// username: at most <see cref="KindeValidationOptions.MaxUsernameLength"/> long, no whitespace or control
    /// characters, not itself a plausible email address (Auth0 forbids email addresses as usernames), and not used by
    /// another user passed earlier in the run (case-insensitively). The same username twice on one user counts once.
    /// </description></item>
    /// <item><description>
    /// password: a hashing method Kinde names (<c>bcrypt</c>, <c>crypt</c>, <c>md5</c>, <c>sha256</c>,
    /// <c>wordpress</c>, <c>pbkdf2</c>, <c>firebase-scrypt</c>, <c>aspnet-identity-v2</c>) and a non-empty hash;
    /// <c>salt_position</c> <c>prefix</c>/<c>suffix</c> and <c>salt_format</c> <c>hex</c>/<c>string</c> when set, a hex
    /// salt when the format is <c>hex</c>; bcrypt: a <c>$2a$</c>/<c>$2b$</c>/<c>$2y$</c> string and no salt; md5 and
    /// sha256: a hex digest (32 or 64 characters) and a <c>salt_position</c> when a salt is set; pbkdf2: a base64
    /// hash, a base64 salt, a variant, and positive iterations when set; firebase-scrypt: a salt; aspnet-identity-v2:
    /// no salt.
    /// </description></item>
    /// <item><description>properties: keys match <c>[a-z0-9_]+</c>; values at most <see cref="KindeValidationOptions.MaxPropertyValueLength"/> long.</description></item>
    /// <item><description>
    /// organizations: an <c>external_id</c> that is either empty (the default organization) or not blank; no
    /// organization listed twice; role and permission keys not blank.
    /// </description></item>
    /// </list>
    /// </remarks>
    public IReadOnlyList<string> Validate(KindeUser user)
    {
        ArgumentNullException.ThrowIfNull(user);

        // Made on the first problem: almost every user has none.
        List<string>? problems = null;
        ValidateId(user, ref problems);
        ValidateName("first_name", user.FirstName, ref problems);
        ValidateName("last_name", user.LastName, ref problems);
        List<(ulong Key, int Index)>? usernameKeys = ValidateIdentities(user, ref problems);
        ValidatePassword(user.Password, ref problems);
        ValidateProperties(user, ref problems);
        ValidateOrganizations(user, ref problems);

        if (usernameKeys is null)
        {
            return problems ?? (IReadOnlyList<string>)[];
        }

        lock (_gate)
        {
            foreach ((ulong key, int index) in usernameKeys)
            {
                if (_usernames.Contains(key))
                {
                    Add(ref problems, $"identities[{index}] (username): already used by another user in this run (usernames are compared case-insensitively)");
                }
            }

            if (problems is null)
            {
                foreach ((ulong key, _) in usernameKeys)
                {
                    _usernames.Add(key);
                }
            }
        }

        return problems ?? (IReadOnlyList<string>)[];
    }

    /// <summary>Forgets a username an accepted user took (the runner withdrew that user), so it can be taken again.</summary>
    /// <param name="key">The username's <see cref="UsernameKey"/>.</param>
    internal void ForgetUsername(ulong key)
    {
        lock (_gate)
        {
            _usernames.Remove(key);
        }
    }

    /// <summary>Gets the 64-bit FNV-1a hash of the lower-cased (invariant) username's UTF-16 code units.</summary>
    /// <param name="username">The username.</param>
    /// <returns>The key the validator remembers.</returns>
    internal static ulong UsernameKey(string username)
    {
        ulong hash = FnvOffsetBasis;
        foreach (char c in username.ToLowerInvariant())
        {
            hash = (hash ^ (byte)c) * FnvPrime;
            hash = (hash ^ (byte)(c >> 8)) * FnvPrime;
        }

        return hash;
    }

    /// <summary>Gets why <paramref name="value"/> is not a plausible email address, or <see langword="null"/> when it is.</summary>
    /// <param name="value">The candidate address.</param>
    /// <param name="maxLength">The maximum total length.</param>
    /// <returns>A short reason without the address, or <see langword="null"/>.</returns>
    internal static string? EmailProblem(string value, int maxLength)
    {
        int at = value.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return "no '@'";
        }

        if (value.IndexOf('@', at + 1) >= 0)
        {
            return "more than one '@'";
        }

        if (HasWhitespaceOrControl(value))
        {
            return "contains whitespace or control characters";
        }

        ReadOnlySpan<char> local = value.AsSpan(0, at);
        ReadOnlySpan<char> domain = value.AsSpan(at + 1);
        if (local.IsEmpty)
        {
            return "empty local part";
        }

        if (local.Length > MaxLocalPartLength)
        {
            return $"local part longer than {MaxLocalPartLength} characters";
        }

        if (domain.IsEmpty)
        {
            return "empty domain";
        }

        if (!domain.Contains('.') || domain[0] == '.' || domain[^1] == '.' || domain.Contains("..", StringComparison.Ordinal))
        {
            return "domain needs a dot between non-empty labels";
        }

        return value.Length > maxLength ? $"longer than {maxLength} characters" : null;
    }

    private void ValidateId(KindeUser user, ref List<string>? problems)
    {
        if (user.Id is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(user.Id))
        {
            Add(ref problems, "id: is blank (leave it unset instead)");
        }
        else if (user.Id.Length > _maxIdLength)
        {
            Add(ref problems, $"id: longer than {_maxIdLength} characters");
        }
    }

    private void ValidateName(string field, string? value, ref List<string>? problems)
    {
        if (value is not null && value.Length > _maxNameLength)
        {
            Add(ref problems, $"{field}: longer than {_maxNameLength} characters");
        }
    }

    private List<(ulong Key, int Index)>? ValidateIdentities(KindeUser user, ref List<string>? problems)
    {
        List<(ulong Key, int Index)>? usernameKeys = null;
        bool hasEmailOrPhone = false;
        for (int i = 0; i < user.Identities.Count; i++)
        {
            KindeIdentity? identity = user.Identities[i];
            if (identity is null)
            {
                Add(ref problems, $"identities[{i}]: is null");
                continue;
            }

            string? type = identity.Type;
            if (string.IsNullOrEmpty(type))
            {
                Add(ref problems, $"identities[{i}]: type is empty");
                continue;
            }

            bool isSocial = KindeIdentityTypes.IsSocial(type);
            if (!isSocial && type is not (KindeIdentityTypes.Email or KindeIdentityTypes.Phone or KindeIdentityTypes.Username))
            {
                Add(ref problems, $"identities[{i}]: type {DescribeName(type)} is not email, phone, username or oauth2:<name>");
                continue;
            }

            if (isSocial && !SocialTypeRegex().IsMatch(type))
            {
                Add(ref problems, $"identities[{i}]: type {DescribeName(type)} needs a lower-case provider name after 'oauth2:' ([a-z0-9][a-z0-9_.-]*)");
                continue;
            }

            string? value = identity.Value;
            if (string.IsNullOrEmpty(value))
            {
                Add(ref problems, $"identities[{i}] ({type}): value is empty");
                hasEmailOrPhone |= type is KindeIdentityTypes.Email or KindeIdentityTypes.Phone;
                continue;
            }

            switch (type)
            {
                case KindeIdentityTypes.Email:
                    hasEmailOrPhone = true;
                    if (EmailProblem(value, _maxEmailLength) is { } emailProblem)
                    {
                        Add(ref problems, $"identities[{i}] ({type}): not a plausible email address ({emailProblem})");
                    }

                    break;
                case KindeIdentityTypes.Phone:
                    hasEmailOrPhone = true;
                    if (!E164Regex().IsMatch(value))
                    {
                        Add(ref problems, $"identities[{i}] ({type}): not an E.164 phone number ('+', a non-zero digit, then 1 to 14 more digits)");
                    }

                    break;
                case KindeIdentityTypes.Username:
                    ValidateUsername(i, value, ref problems);
                    ulong key = UsernameKey(value);
                    usernameKeys ??= [];
                    if (!ContainsKey(usernameKeys, key))
                    {
                        usernameKeys.Add((key, i));
                    }

                    break;
            }
        }

        if (_requireEmailOrPhone && !hasEmailOrPhone)
        {
            Add(ref problems, "identities: at least one email or phone identity is required");
        }

        return usernameKeys;
    }

    private void ValidateUsername(int index, string value, ref List<string>? problems)
    {
        if (value.Length > _maxUsernameLength)
        {
            Add(ref problems, $"identities[{index}] (username): longer than {_maxUsernameLength} characters");
        }

        if (HasWhitespaceOrControl(value))
        {
            Add(ref problems, $"identities[{index}] (username): contains whitespace or control characters");
        }
        else if (EmailProblem(value, int.MaxValue) is null)
        {
            Add(ref problems, $"identities[{index}] (username): is an email address (usernames may not be email addresses; use an email identity)");
        }
    }

    private static void ValidatePassword(KindePassword? password, ref List<string>? problems)
    {
        if (password is null)
        {
            return;
        }

        string? method = password.HashingMethod;
        if (string.IsNullOrEmpty(method) || Array.IndexOf(HashingMethods, method) < 0)
        {
            Add(ref problems, $"password: hashing method {DescribeName(method)} is not one Kinde accepts ({string.Join(", ", HashingMethods)})");
            return;
        }

        string hash = password.HashedPassword ?? "";
        bool hasSalt = !string.IsNullOrEmpty(password.Salt);
        if (hash.Length == 0)
        {
            Add(ref problems, $"password ({method}): hashed_password is empty");
        }

        if (password.SaltPosition is not (null or "prefix" or "suffix"))
        {
            Add(ref problems, $"password ({method}): salt_position must be 'prefix' or 'suffix'");
        }

        if (password.SaltFormat is not (null or "hex" or "string"))
        {
            Add(ref problems, $"password ({method}): salt_format must be 'hex' or 'string'");
        }
        else if (password.SaltFormat == "hex" && hasSalt && (password.Salt!.Length % 2 != 0 || !PasswordHashConverter.IsHex(password.Salt)))
        {
            Add(ref problems, $"password ({method}): salt_format is 'hex' but the salt is not an even number of hexadecimal characters");
        }

        switch (method)
        {
            case "bcrypt":
                if (hash.Length > 0 && !PasswordHashConverter.IsBcrypt(hash))
                {
                    Add(ref problems, $"password ({method}): hash is not a bcrypt string ($2a$, $2b$ or $2y$, a two-digit cost, '$', 53 characters)");
                }

                if (hasSalt)
                {
                    Add(ref problems, $"password ({method}): a separate salt is not allowed (the salt is inside the bcrypt string)");
                }

                break;
            case "md5" or "sha256":
                int digits = method == "md5" ? 32 : 64;
                if (hash.Length > 0 && (hash.Length != digits || !PasswordHashConverter.IsHex(hash)))
                {
                    Add(ref problems, $"password ({method}): hash must be {digits} hexadecimal characters");
                }

                if (hasSalt && password.SaltPosition is null)
                {
                    Add(ref problems, $"password ({method}): salt_position is required when a salt is set");
                }

                break;
            case "pbkdf2":
                if (hash.Length > 0 && !IsBase64(hash))
                {
                    Add(ref problems, $"password ({method}): hash must be base64");
                }

                if (!hasSalt)
                {
                    Add(ref problems, $"password ({method}): salt is required");
                }
                else if (!IsBase64(password.Salt!))
                {
                    Add(ref problems, $"password ({method}): salt must be base64");
                }

                if (string.IsNullOrWhiteSpace(password.Variant))
                {
                    Add(ref problems, $"password ({method}): variant is required (e.g. salted-pbkdf2-hmac-sha256)");
                }

                if (password.Iterations is <= 0)
                {
                    Add(ref problems, $"password ({method}): iterations must be positive");
                }

                break;
            case "firebase-scrypt":
                if (!hasSalt)
                {
                    Add(ref problems, $"password ({method}): salt is required");
                }

                break;
            case "aspnet-identity-v2":
                if (hasSalt)
                {
                    Add(ref problems, $"password ({method}): a separate salt is not allowed (the salt is inside the hash)");
                }

                break;
        }
    }

    private void ValidateProperties(KindeUser user, ref List<string>? problems)
    {
        if (user.PropertiesOrNull is not { } properties)
        {
            return;
        }

        // The dictionary's own enumerator: through the interface every user's would be boxed.
        int index = 0;
        foreach (KeyValuePair<string, string> property in properties)
        {
            ValidateProperty(property, ++index, ref problems);
        }
    }

    private void ValidateProperty(KeyValuePair<string, string> property, int index, ref List<string>? problems)
    {
        bool keyValid = !string.IsNullOrEmpty(property.Key) && !property.Key.AsSpan().ContainsAnyExcept(PropertyKeyChars);
        if (!keyValid)
        {
            Add(ref problems, $"properties (key #{index}): key {DescribeName(property.Key)} must be non-empty and match [a-z0-9_]+");
        }

        if (property.Value is { } value && value.Length > _maxPropertyValueLength)
        {
            string field = keyValid ? $"properties['{property.Key}']" : $"properties (key #{index})";
            Add(ref problems, $"{field}: value longer than {_maxPropertyValueLength} characters");
        }
    }

    private static void ValidateOrganizations(KindeUser user, ref List<string>? problems)
    {
        if (user.OrganizationsOrNull is not { Count: > 0 })
        {
            return;
        }

        // Only a user in several organizations can list one twice.
        Dictionary<string, int>? seen = user.Organizations.Count > 1 ? new(StringComparer.Ordinal) : null;
        for (int i = 0; i < user.Organizations.Count; i++)
        {
            KindeOrganizationMembership? membership = user.Organizations[i];
            if (membership is null)
            {
                Add(ref problems, $"organizations[{i}]: is null");
                continue;
            }

            string? externalId = membership.ExternalId;
            if (externalId is null)
            {
                Add(ref problems, $"organizations[{i}]: external_id is missing (use \"\" for the default organization)");
            }
            else if (externalId.Length > 0 && string.IsNullOrWhiteSpace(externalId))
            {
                Add(ref problems, $"organizations[{i}]: external_id is blank (use \"\" for the default organization)");
            }
            else if (seen is not null && !seen.TryAdd(externalId, i))
            {
                Add(ref problems, $"organizations[{i}]: same organization as organizations[{seen[externalId]}]");
            }

            CheckKeys(i, "role", membership.Roles, ref problems);
            CheckKeys(i, "permission", membership.Permissions, ref problems);
        }
    }

    private static void CheckKeys(int organization, string what, IList<string>? keys, ref List<string>? problems)
    {
        if (keys is null)
        {
            return;
        }

        for (int j = 0; j < keys.Count; j++)
        {
            if (string.IsNullOrWhiteSpace(keys[j]))
            {
                Add(ref problems, $"organizations[{organization}]: {what} key [{j}] is blank");
            }
        }
    }

    private static bool IsBase64(string value)
    {
        if (value.Length % 4 != 0)
        {
            return false;
        }

        var buffer = new byte[value.Length / 4 * 3];
        return !HasWhitespaceOrControl(value) && Convert.TryFromBase64String(value, buffer, out _);
    }

    private static bool HasWhitespaceOrControl(string value)
    {
        if (!value.AsSpan().ContainsAnyExcept(PrintableAscii))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    private static void Add(ref List<string>? problems, string problem) => (problems ??= []).Add(problem);

    private static bool ContainsKey(List<(ulong Key, int Index)> keys, ulong key)
    {
        foreach ((ulong existing, _) in keys)
        {
            if (existing == key)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Quotes a name (type, key, method) only when it looks like one, so no PII or hash reaches a message.</summary>
    private static string DescribeName(string? name) =>
        string.IsNullOrEmpty(name) ? "(empty)"
        : SafeNameRegex().IsMatch(name) ? $"'{name}'"
        : "(not shown)";

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}\z", RegexOptions.CultureInvariant)]
    private static partial Regex E164Regex();

    [GeneratedRegex(@"^oauth2:[a-z0-9][a-z0-9_.-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SocialTypeRegex();

    // Short, letter-led names without '@', '+', '$', '/' or '=': never an email, phone number, bcrypt string, or hex or
    // base64 digest (all of which are longer than 24 characters).
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_:.-]{0,23}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeNameRegex();
}
