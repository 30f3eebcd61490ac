using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kinde.Migration.Target;

namespace Kinde.Migration.Mapping;

/// <summary>Converts Auth0 password hashes to the <see cref="KindePassword"/> form Kinde imports.</summary>
/// <remarks>
/// <para>
/// The converter classifies every hash and converts only what Kinde can verify. It never guesses: a string it does not
/// recognise is reported as <see cref="PasswordHashKinds.Unknown"/>, never passed on as bcrypt. Reasons for refusing a
/// hash name the algorithm or prefix, never the hash, its salt or any part of them.
/// </para>
/// <para>Kinde methods produced: <c>bcrypt</c>, <c>crypt</c>, <c>wordpress</c>, <c>md5</c>, <c>sha256</c> and <c>pbkdf2</c>.</para>
/// </remarks>
public static partial class PasswordHashConverter
{
    private const int MaxNameInReason = 32;

    private static readonly System.Buffers.SearchValues<char> BcryptBase64 =
        System.Buffers.SearchValues.Create("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Converts a hash from the password-hash export Auth0 support sends (<c>passwordHash</c>).</summary>
    /// <param name="hash">The hash string; surrounding whitespace is ignored.</param>
    /// <param name="options">The conversion options.</param>
    /// <returns>The conversion; check <see cref="PasswordConversion.Password"/> or <see cref="PasswordConversion.IsSupported"/>.</returns>
    /// <remarks>
    /// <list type="bullet">
    /// <item><description>bcrypt <c>$2a$</c>/<c>$2b$</c>/<c>$2y$</c> with any two-digit cost → <c>bcrypt</c> (see <see cref="PasswordConversionOptions.RewriteBcrypt2bTo2a"/>).</description></item>
    /// <item><description>md5-crypt <c>$1$</c>, sha-crypt <c>$5$</c>/<c>$6$</c> → <c>crypt</c>.</description></item>
    /// <item><description>phpass <c>$P$</c>/<c>$H$</c> → <c>wordpress</c>.</description></item>
    /// <item><description>
    /// PBKDF2 as PHC (<c>$pbkdf2-sha256$i=…,l=…$salt$hash</c>) or passlib (<c>$pbkdf2-sha256$rounds$salt$hash</c>) →
    /// <c>pbkdf2</c> with standard-base64 salt and hash, the iteration count, and the FusionAuth-style variant Kinde
    /// names, which encodes digest and derived-key length: SHA-256 with a 32-byte key →
    /// <c>salted-pbkdf2-hmac-sha256</c>, SHA-256 with a 64-byte key (Auth0's default <c>l=64</c>) →
    /// <c>salted-pbkdf2-hmac-sha256-512</c>, SHA-512 with a 64-byte key → <c>salted-pbkdf2-hmac-sha512-512</c>.
    /// Other digests or key lengths have no Kinde variant and are refused.
    /// </description></item>
    /// <item><description>
    /// Refused: <c>$2$</c>/<c>$2x$</c>, malformed strings of a known family, Argon2, scrypt, yescrypt, WordPress
    /// 6.8 <c>$wp$</c>, LDAP <c>{SCHEME}</c>, bare hex digests (the algorithm and salt cannot be told from the string)
    /// and anything else.
    /// </description></item>
    /// </list>
    /// </remarks>
    public static PasswordConversion FromAuth0Hash(string? hash, PasswordConversionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(hash))
        {
            return PasswordConversion.Unsupported(PasswordHashKinds.Empty, "no hash");
        }

        string value = hash.Trim();
        if (value.StartsWith("$2", StringComparison.Ordinal))
        {
            return FromBcrypt(value, options, PasswordHashKinds.Bcrypt);
        }

        if (value.StartsWith("$1$", StringComparison.Ordinal))
        {
            return Md5CryptRegex().IsMatch(value)
                ? Supported(PasswordHashKinds.Crypt, value, "crypt")
                : PasswordConversion.Unsupported(PasswordHashKinds.Crypt, "malformed md5-crypt ($1$) hash");
        }

        if (value.StartsWith("$5$", StringComparison.Ordinal) || value.StartsWith("$6$", StringComparison.Ordinal))
        {
            return ShaCryptRegex().IsMatch(value)
                ? Supported(PasswordHashKinds.Crypt, value, "crypt")
                : PasswordConversion.Unsupported(PasswordHashKinds.Crypt, $"malformed sha-crypt ({value[..3]}) hash");
        }

        if (value.StartsWith("$P$", StringComparison.Ordinal) || value.StartsWith("$H$", StringComparison.Ordinal))
        {
            return PhpassRegex().IsMatch(value)
                ? Supported(PasswordHashKinds.Wordpress, value, "wordpress")
                : PasswordConversion.Unsupported(PasswordHashKinds.Wordpress, $"malformed phpass ({value[..3]}) hash");
        }

        if (value.StartsWith("$pbkdf2", StringComparison.Ordinal))
        {
            return FromPbkdf2(value, PasswordHashKinds.Pbkdf2);
        }

        return Unrecognised(value);
    }

    /// <summary>Converts an Auth0 bulk-import <c>custom_password_hash</c> object.</summary>
    /// <param name="customPasswordHash">
    /// The object: <c>algorithm</c>, <c>hash{value, encoding, digest, key}</c>, <c>salt{value, encoding, position}</c>,
    /// <c>password{encoding}</c>, <c>keylen</c>, <c>cost</c>, ….
    /// </param>
    /// <param name="options">The conversion options.</param>
    /// <returns>The conversion; check <see cref="PasswordConversion.Password"/> or <see cref="PasswordConversion.IsSupported"/>.</returns>
    /// <remarks>
    /// <list type="bullet">
    /// <item><description><c>bcrypt</c> (hash encoding <c>utf8</c> or absent, no separate salt) → as <see cref="FromAuth0Hash"/>.</description></item>
    /// <item><description>
    /// <c>md5</c>, <c>sha256</c> → the same Kinde method with the digest as lower-case hex (Kinde: "Provide the hash in
    /// hex format"); a <c>base64</c> digest is re-encoded, an absent encoding is accepted only when the value is
    /// unambiguously hex or base64 of the digest's length. A salt keeps its position (default <c>prefix</c>):
    /// <c>utf8</c> (default) salts go as they are with salt format <c>string</c>, <c>hex</c> salts as lower-case hex
    /// and <c>base64</c> salts decoded and given as hex, both with salt format <c>hex</c>.
    /// </description></item>
    /// <item><description><c>pbkdf2</c> (PHC string in <c>hash.value</c>, no separate salt) → as <see cref="FromAuth0Hash"/>.</description></item>
    /// <item><description>
    /// Refused with a reason naming the algorithm: <c>sha1</c>, <c>sha512</c>, <c>md4</c>, <c>hmac</c>, <c>ldap</c>,
    /// <c>argon2</c>, <c>scrypt</c>, unknown algorithms, a <c>password.encoding</c> other than <c>utf8</c>, a missing
    /// <c>hash.value</c>, and malformed values.
    /// </description></item>
    /// </list>
    /// </remarks>
    public static PasswordConversion FromCustomPasswordHash(JsonObject customPasswordHash, PasswordConversionOptions options)
    {
        ArgumentNullException.ThrowIfNull(customPasswordHash);
        ArgumentNullException.ThrowIfNull(options);

        string? algorithm = GetString(customPasswordHash, "algorithm")?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(algorithm))
        {
            return PasswordConversion.Unsupported(PasswordHashKinds.Unknown, "custom_password_hash has no algorithm");
        }

        string kind = algorithm switch
        {
            "bcrypt" => PasswordHashKinds.Bcrypt,
            "md5" => PasswordHashKinds.Md5,
            "sha256" => PasswordHashKinds.Sha256,
            "pbkdf2" => PasswordHashKinds.Pbkdf2,
            "sha1" => PasswordHashKinds.Sha1,
            "sha512" => PasswordHashKinds.Sha512,
            "md4" => PasswordHashKinds.Md4,
            "hmac" => PasswordHashKinds.Hmac,
            "ldap" => PasswordHashKinds.Ldap,
            "argon2" => PasswordHashKinds.Argon2,
            "scrypt" => PasswordHashKinds.Scrypt,
            _ => PasswordHashKinds.Unknown,
        };

        switch (kind)
        {
            case PasswordHashKinds.Unknown:
                return PasswordConversion.Unsupported(kind, $"unknown custom_password_hash algorithm '{Sanitize(algorithm)}'");
            case PasswordHashKinds.Sha1 or PasswordHashKinds.Sha512 or PasswordHashKinds.Md4:
                return PasswordConversion.Unsupported(kind, $"{algorithm} password hashes are not supported by Kinde (its methods are bcrypt, crypt, md5, sha256, wordpress, pbkdf2, firebase-scrypt and aspnet-identity-v2)");
            case PasswordHashKinds.Hmac:
                return PasswordConversion.Unsupported(kind, "hmac password hashes are not supported by Kinde (no keyed-hash method)");
            case PasswordHashKinds.Ldap:
                return PasswordConversion.Unsupported(kind, LdapScheme(GetString(customPasswordHash["hash"] as JsonObject, "value")) is { } scheme
                    ? $"ldap {{{scheme}}} password hashes are not supported by Kinde"
                    : "ldap {SCHEME} password hashes are not supported by Kinde");
            case PasswordHashKinds.Argon2:
                return PasswordConversion.Unsupported(kind, "argon2 password hashes are not supported by Kinde");
            case PasswordHashKinds.Scrypt:
                return PasswordConversion.Unsupported(kind, "scrypt password hashes are not supported by Kinde (its firebase-scrypt method is a different construction)");
        }

        string? passwordEncoding = GetString(customPasswordHash["password"] as JsonObject, "encoding")?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(passwordEncoding) && passwordEncoding is not ("utf8" or "utf-8"))
        {
            return PasswordConversion.Unsupported(kind, $"{algorithm} with password.encoding '{Sanitize(passwordEncoding)}' is not supported (Kinde hashes the UTF-8 password)");
        }

        if (customPasswordHash["hash"] is not JsonObject hashObject)
        {
            return PasswordConversion.Unsupported(kind, $"{algorithm} custom_password_hash has no hash object");
        }

        string? hashValue = GetString(hashObject, "value")?.Trim();
        if (string.IsNullOrEmpty(hashValue))
        {
            return PasswordConversion.Unsupported(kind, $"{algorithm} custom_password_hash has no hash.value");
        }

        string? hashEncoding = GetString(hashObject, "encoding")?.Trim().ToLowerInvariant();
        bool hasSalt = customPasswordHash["salt"] is JsonObject saltObject && !string.IsNullOrEmpty(GetString(saltObject, "value"));

        switch (kind)
        {
            case PasswordHashKinds.Bcrypt:
                if (!string.IsNullOrEmpty(hashEncoding) && hashEncoding is not ("utf8" or "utf-8"))
                {
                    return PasswordConversion.Unsupported(kind, $"bcrypt hash.encoding must be utf8, not '{Sanitize(hashEncoding)}'");
                }

                return hasSalt
                    ? PasswordConversion.Unsupported(kind, "bcrypt with a separate salt is not supported (Kinde's bcrypt takes the salt from the hash string only)")
                    : FromBcrypt(hashValue, options, kind);

            case PasswordHashKinds.Pbkdf2:
                if (!string.IsNullOrEmpty(hashEncoding) && hashEncoding is not ("utf8" or "utf-8"))
                {
                    return PasswordConversion.Unsupported(kind, $"pbkdf2 hash.encoding must be utf8, not '{Sanitize(hashEncoding)}'");
                }

                return hasSalt
                    ? PasswordConversion.Unsupported(kind, "pbkdf2 with a separate salt is not supported (the salt belongs in the PHC string)")
                    : FromPbkdf2(hashValue, kind);

            default:
                return FromDigest(customPasswordHash, kind, hashValue, hashEncoding, kind == PasswordHashKinds.Md5 ? 16 : 32);
        }
    }

    /// <summary>Gets a value indicating whether <paramref name="value"/> is a bcrypt string Kinde accepts.</summary>
    /// <param name="value">The candidate.</param>
    /// <returns><see langword="true"/> for <c>$2a$</c>, <c>$2b$</c> or <c>$2y$</c>, a two-digit cost and 53 bcrypt-base64 characters.</returns>
    /// <remarks>Checked by hand, as the regex <c>^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}\z</c> would: it runs twice per user
    /// (mapping, validation), and the regex cost more than the rest of the password's checks.</remarks>
    internal static bool IsBcrypt(string value) =>
        value.Length == 60
        && value.StartsWith("$2", StringComparison.Ordinal)
        && value[2] is ('a' or 'b' or 'y')
        && value[3] == '$'
        && char.IsAsciiDigit(value[4])
        && char.IsAsciiDigit(value[5])
        && value[6] == '$'
        && !value.AsSpan(7).ContainsAnyExcept(BcryptBase64);

    /// <summary>Gets a value indicating whether <paramref name="value"/> is non-empty hexadecimal text.</summary>
    /// <param name="value">The candidate.</param>
    /// <returns><see langword="true"/> when every character is 0-9, a-f or A-F.</returns>
    internal static bool IsHex(string value) => value.Length > 0 && !value.AsSpan().ContainsAnyExcept(HexDigits);

    private static PasswordConversion FromBcrypt(string value, PasswordConversionOptions options, string kind)
    {
        if (IsBcrypt(value))
        {
            string hashed = options.RewriteBcrypt2bTo2a && value.StartsWith("$2b$", StringComparison.Ordinal)
                ? string.Concat("$2a$", value.AsSpan(4))
                : value;
            return Supported(kind, hashed, "bcrypt");
        }

        Match prefix = BcryptPrefixRegex().Match(value);
        if (prefix.Success && prefix.Groups[1].Value is not ("a" or "b" or "y"))
        {
            return PasswordConversion.Unsupported(kind, $"bcrypt variant '{prefix.Value}' is not supported (only $2a$, $2b$ and $2y$ are)");
        }

        return PasswordConversion.Unsupported(kind, "malformed bcrypt hash (expected $2a$, $2b$ or $2y$, a two-digit cost, '$' and 53 characters of salt and hash)");
    }

    private static PasswordConversion FromPbkdf2(string value, string kind)
    {
        // $pbkdf2-<digest>$<params>$<salt>$<hash>
        string[] parts = value.Split('$');
        if (parts.Length != 5 || parts[0].Length != 0 || !parts[1].StartsWith("pbkdf2-", StringComparison.Ordinal))
        {
            return PasswordConversion.Unsupported(kind, "malformed pbkdf2 hash (expected $pbkdf2-<digest>$i=<iterations>,l=<length>$<salt>$<hash>)");
        }

        string digest = parts[1]["pbkdf2-".Length..];
        if (digest is not ("sha256" or "sha512"))
        {
            return PasswordConversion.Unsupported(kind, $"pbkdf2 with digest '{Sanitize(digest)}' is not supported (Kinde's pbkdf2 variants use sha256 or sha512)");
        }

        int? iterations = null;
        int? keyLength = null;
        if (parts[2].Length > 0 && parts[2].AsSpan().IndexOfAnyExceptInRange('0', '9') < 0)
        {
            // passlib: the segment is the bare rounds count.
            iterations = ParsePositive(parts[2]);
        }
        else
        {
            foreach (string parameter in parts[2].Split(','))
            {
                int eq = parameter.IndexOf('=', StringComparison.Ordinal);
                string name = eq < 0 ? parameter : parameter[..eq];
                int? number = eq < 0 ? null : ParsePositive(parameter[(eq + 1)..]);
                switch (name)
                {
                    case "i" when number is not null && iterations is null:
                        iterations = number;
                        break;
                    case "l" when number is not null && keyLength is null:
                        keyLength = number;
                        break;
                    default:
                        return PasswordConversion.Unsupported(kind, "malformed pbkdf2 parameters (expected i=<iterations> and optionally l=<length>)");
                }
            }
        }

        if (iterations is null)
        {
            return PasswordConversion.Unsupported(kind, "malformed pbkdf2 hash: no iteration count");
        }

        byte[]? salt = DecodePhcBase64(parts[3]);
        byte[]? derived = DecodePhcBase64(parts[4]);
        if (salt is null || salt.Length == 0 || derived is null || derived.Length == 0)
        {
            return PasswordConversion.Unsupported(kind, "malformed pbkdf2 hash: the salt or hash is not base64");
        }

        if (keyLength is not null && keyLength != derived.Length)
        {
            return PasswordConversion.Unsupported(kind, $"malformed pbkdf2 hash: l={keyLength} does not match the {derived.Length}-byte hash");
        }

        string? variant = (digest, derived.Length) switch
        {
            ("sha256", 32) => "salted-pbkdf2-hmac-sha256",
            ("sha256", 64) => "salted-pbkdf2-hmac-sha256-512",
            ("sha512", 64) => "salted-pbkdf2-hmac-sha512-512",
            _ => null,
        };
        if (variant is null)
        {
            return PasswordConversion.Unsupported(kind, $"pbkdf2-{digest} with a {derived.Length}-byte key has no Kinde variant (supported: sha256 with 32 or 64 bytes, sha512 with 64 bytes)");
        }

        return PasswordConversion.Supported(kind, new KindePassword
        {
            HashedPassword = Convert.ToBase64String(derived),
            HashingMethod = "pbkdf2",
            Salt = Convert.ToBase64String(salt),
            Iterations = iterations,
            Variant = variant,
        });
    }

    private static PasswordConversion FromDigest(JsonObject source, string kind, string hashValue, string? encoding, int digestBytes)
    {
        byte[]? digest;
        switch (encoding)
        {
            case "hex":
                digest = DecodeHex(hashValue);
                break;
            case "base64":
                digest = DecodeBase64(hashValue);
                break;
            case null or "":
                // Auth0 requires hex or base64; without it accept only an unambiguous value of the digest's length.
                digest = hashValue.Length == digestBytes * 2 ? DecodeHex(hashValue) : DecodeBase64(hashValue);
                break;
            default:
                return PasswordConversion.Unsupported(kind, $"{kind} hash.encoding must be hex or base64, not '{Sanitize(encoding)}'");
        }

        if (digest is null || digest.Length != digestBytes)
        {
            return PasswordConversion.Unsupported(kind, $"malformed {kind} hash: hash.value is not a {digestBytes}-byte digest in {(string.IsNullOrEmpty(encoding) ? "hex or base64" : encoding)}");
        }

        var password = new KindePassword { HashedPassword = Convert.ToHexStringLower(digest), HashingMethod = kind };
        if (source["salt"] is JsonObject saltObject && GetString(saltObject, "value") is { Length: > 0 } saltValue)
        {
            string position = GetString(saltObject, "position")?.Trim().ToLowerInvariant() is { Length: > 0 } p ? p : "prefix";
            if (position is not ("prefix" or "suffix"))
            {
                return PasswordConversion.Unsupported(kind, $"{kind} salt.position must be prefix or suffix, not '{Sanitize(position)}'");
            }

            string saltEncoding = GetString(saltObject, "encoding")?.Trim().ToLowerInvariant() is { Length: > 0 } e ? e : "utf8";
            switch (saltEncoding)
            {
                case "utf8" or "utf-8":
                    password.Salt = saltValue;
                    password.SaltFormat = "string";
                    break;
                case "hex" or "base64":
                    byte[]? saltBytes = saltEncoding == "hex" ? DecodeHex(saltValue) : DecodeBase64(saltValue);
                    if (saltBytes is null || saltBytes.Length == 0)
                    {
                        return PasswordConversion.Unsupported(kind, $"malformed {kind} salt: salt.value is not {saltEncoding}");
                    }

                    password.Salt = Convert.ToHexStringLower(saltBytes);
                    password.SaltFormat = "hex";
                    break;
                default:
                    return PasswordConversion.Unsupported(kind, $"{kind} salt.encoding must be utf8, hex or base64, not '{Sanitize(saltEncoding)}'");
            }

            password.SaltPosition = position;
        }

        return PasswordConversion.Supported(kind, password);
    }

    private static PasswordConversion Unrecognised(string value)
    {
        if (value.StartsWith("$argon2", StringComparison.Ordinal))
        {
            return PasswordConversion.Unsupported(PasswordHashKinds.Argon2, "argon2 password hashes are not supported by Kinde");
        }

        if (value.StartsWith("$scrypt$", StringComparison.Ordinal) || value.StartsWith("$7$", StringComparison.Ordinal))
        {
            return PasswordConversion.Unsupported(PasswordHashKinds.Scrypt, "scrypt password hashes are not supported by Kinde (its firebase-scrypt method is a different construction)");
        }

        if (value.StartsWith("$y$", StringComparison.Ordinal) || value.StartsWith("$gy$", StringComparison.Ordinal))
        {
            return PasswordConversion.Unsupported(PasswordHashKinds.Crypt, "yescrypt crypt hashes are not known to be supported by Kinde's crypt method");
        }

        if (value.StartsWith("$wp$", StringComparison.Ordinal))
        {
            return PasswordConversion.Unsupported(PasswordHashKinds.Wordpress, "WordPress 6.8+ $wp$ hashes (bcrypt over HMAC-SHA-384) are not known to be supported by Kinde's wordpress method");
        }

        if (LdapScheme(value) is { } scheme)
        {
            return PasswordConversion.Unsupported(PasswordHashKinds.Ldap, $"ldap {{{scheme}}} password hashes are not supported by Kinde");
        }

        if (IsHex(value) && value.Length is 32 or 40 or 64 or 128)
        {
            return PasswordConversion.Unsupported(PasswordHashKinds.Unknown, $"unrecognised hash format: a bare {value.Length}-character hex digest, whose algorithm and salt cannot be told from the string");
        }

        return PasswordConversion.Unsupported(PasswordHashKinds.Unknown, "unrecognised hash format");
    }

    private static string? LdapScheme(string? value)
    {
        Match match = value is null ? Match.Empty : LdapSchemeRegex().Match(value.Trim());
        return match.Success ? match.Groups[1].Value.ToUpperInvariant() : null;
    }

    private static PasswordConversion Supported(string kind, string hashed, string method) =>
        PasswordConversion.Supported(kind, new KindePassword { HashedPassword = hashed, HashingMethod = method });

    private static string? GetString(JsonObject? obj, string name) =>
        obj?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static int? ParsePositive(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;

    private static byte[]? DecodeHex(string text)
    {
        if (text.Length % 2 != 0 || !IsHex(text))
        {
            return null;
        }

        return Convert.FromHexString(text);
    }

    private static byte[]? DecodeBase64(string text)
    {
        if (text.Length == 0 || text.AsSpan().ContainsAny(" \t\r\n"))
        {
            return null;
        }

        // Accept the URL-safe alphabet and missing padding as well as standard base64.
        string standard = text.Replace('-', '+').Replace('_', '/');
        return DecodePadded(standard);
    }

    /// <summary>Decodes PHC "B64" (standard alphabet, no padding) and passlib's adapted base64 (<c>.</c> for <c>+</c>).</summary>
    private static byte[]? DecodePhcBase64(string text)
    {
        if (text.Length == 0 || text.AsSpan().ContainsAny(" \t\r\n"))
        {
            return null;
        }

        return DecodePadded(text.Replace('.', '+'));
    }

    private static byte[]? DecodePadded(string text)
    {
        string trimmed = text.TrimEnd('=');
        int remainder = trimmed.Length % 4;
        if (remainder == 1)
        {
            return null;
        }

        string padded = remainder == 0 ? trimmed : trimmed + new string('=', 4 - remainder);
        var buffer = new byte[padded.Length / 4 * 3];
        return Convert.TryFromBase64String(padded, buffer, out int written) ? buffer[..written] : null;
    }

    /// <summary>Makes an algorithm or encoding name safe to quote in a reason (these names are never secret).</summary>
    private static string Sanitize(string name)
    {
        Span<char> chars = stackalloc char[Math.Min(name.Length, MaxNameInReason)];
        for (int i = 0; i < chars.Length; i++)
        {
            char c = name[i];
            chars[i] = char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '?';
        }

        return name.Length > MaxNameInReason ? string.Concat(chars, "…") : new string(chars);
    }

    [GeneratedRegex(@"^\$2([a-z]?)\$", RegexOptions.CultureInvariant)]
    private static partial Regex BcryptPrefixRegex();

    // md5-crypt: $1$<salt up to 8>$<22 chars>.
    [GeneratedRegex(@"^\$1\$[^$:\s]{0,8}\$[./0-9A-Za-z]{22}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Md5CryptRegex();

    // sha256-crypt ($5$, 43-char hash) and sha512-crypt ($6$, 86-char hash), with optional rounds=N.
    [GeneratedRegex(@"^\$(5\$(rounds=[0-9]{1,9}\$)?[^$:\s]{0,16}\$[./0-9A-Za-z]{43}|6\$(rounds=[0-9]{1,9}\$)?[^$:\s]{0,16}\$[./0-9A-Za-z]{86})\z", RegexOptions.CultureInvariant)]
    private static partial Regex ShaCryptRegex();

    // phpass portable: $P$ or $H$, one cost character, 8 salt characters, 22 hash characters.
    [GeneratedRegex(@"^\$[PH]\$[./0-9A-Za-z]{31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PhpassRegex();

    [GeneratedRegex(@"^\{([A-Za-z0-9-]{1,16})\}", RegexOptions.CultureInvariant)]
    private static partial Regex LdapSchemeRegex();
}
