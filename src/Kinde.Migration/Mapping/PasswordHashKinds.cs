namespace Kinde.Migration.Mapping;

/// <summary>The classifications <see cref="PasswordConversion.Kind"/> takes.</summary>
/// <remarks>
/// The kind describes the source hash, whether or not it could be converted: a <c>$2x$</c> string is
/// <see cref="Bcrypt"/> and unsupported, an Argon2 string is <see cref="Argon2"/> and unsupported.
/// </remarks>
public static class PasswordHashKinds
{
    /// <summary>No hash at all (null, empty or blank).</summary>
    public const string Empty = "empty";

    /// <summary>A string whose format was not recognised.</summary>
    public const string Unknown = "unknown";

    /// <summary>bcrypt (<c>$2a$</c>, <c>$2b$</c>, <c>$2y$</c>, and the unsupported <c>$2$</c>/<c>$2x$</c>).</summary>
    public const string Bcrypt = "bcrypt";

    /// <summary>A Unix crypt(3) string: md5-crypt <c>$1$</c>, sha-crypt <c>$5$</c>/<c>$6$</c>, or the unsupported yescrypt.</summary>
    public const string Crypt = "crypt";

    /// <summary>A phpass (WordPress, phpBB) portable hash: <c>$P$</c> or <c>$H$</c>.</summary>
    public const string Wordpress = "wordpress";

    /// <summary>PBKDF2.</summary>
    public const string Pbkdf2 = "pbkdf2";

    /// <summary>MD5 (possibly salted).</summary>
    public const string Md5 = "md5";

    /// <summary>SHA-256 (possibly salted).</summary>
    public const string Sha256 = "sha256";

    /// <summary>SHA-1 (unsupported by Kinde).</summary>
    public const string Sha1 = "sha1";

    /// <summary>SHA-512 (unsupported by Kinde).</summary>
    public const string Sha512 = "sha512";

    /// <summary>MD4 (unsupported by Kinde).</summary>
    public const string Md4 = "md4";

    /// <summary>HMAC (unsupported by Kinde).</summary>
    public const string Hmac = "hmac";

    /// <summary>An RFC 2307 LDAP <c>{SCHEME}</c> string (unsupported by Kinde).</summary>
    public const string Ldap = "ldap";

    /// <summary>Argon2 (unsupported by Kinde).</summary>
    public const string Argon2 = "argon2";

    /// <summary>scrypt (unsupported: Kinde's <c>firebase-scrypt</c> is a different construction).</summary>
    public const string Scrypt = "scrypt";
}
