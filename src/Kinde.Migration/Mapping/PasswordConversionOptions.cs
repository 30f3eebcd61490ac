namespace Kinde.Migration.Mapping;

/// <summary>Options for <see cref="PasswordHashConverter"/>.</summary>
public sealed class PasswordConversionOptions
{
    /// <summary>Gets or sets a value indicating whether bcrypt hashes with the <c>$2b$</c> prefix are rewritten to <c>$2a$</c>.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    /// <remarks>
    /// <para>
    /// <c>$2a$</c> and <c>$2b$</c> are the same algorithm for any password shorter than 255 bytes (Auth0 allows at
    /// most 72), and Kinde's own import "substitutes <c>$2b</c> with <c>$2a</c>". Rewriting client-side keeps the
    /// Management API path (<c>PUT /api/v1/users/{id}/password</c>), where acceptance of <c>$2b$</c> is undocumented,
    /// consistent with the file import.
    /// </para>
    /// <para>
    /// <c>$2y$</c> (PHP's marker for the corrected algorithm, identical to <c>$2b$</c>) is always left as it is: the
    /// project treats Kinde's bcrypt verifiers as accepting it. This is not stated in Kinde's documentation; if a tenant
    /// rejects <c>$2y$</c> hashes, rewriting them to <c>$2a$</c> is equally safe.
    /// </para>
    /// </remarks>
    public bool RewriteBcrypt2bTo2a { get; set; } = true;
}
