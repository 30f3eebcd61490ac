namespace Kinde.Migration.Testing;

/// <summary>Options for <see cref="Auth0ExportGenerator"/>. The same options always produce the same output.</summary>
public sealed class Auth0ExportGeneratorOptions
{
    /// <summary>Gets or sets the seed of the pseudo-random generator.</summary>
    /// <value>The default value is 1.</value>
    public int Seed { get; set; } = 1;

    /// <summary>Gets or sets how many users to generate.</summary>
    /// <value>The default value is 1000. Must not be negative.</value>
    public int UserCount { get; set; } = 1000;

    /// <summary>Gets or sets the fraction of password-carrying users (database users, and linked users through their
    /// secondary database identity) that get a record in the password-hash export.</summary>
    /// <value>The default value is 1.0 (every such user). Must be between 0 and 1.</value>
    public double PasswordCoverage { get; set; } = 1.0;

    /// <summary>Gets or sets the fraction of users that carry <c>app_metadata</c> and <c>user_metadata</c>.</summary>
    /// <value>The default value is 0.3. Must be between 0 and 1.</value>
    public double MetadataFraction { get; set; } = 0.3;

    /// <summary>Gets or sets the fraction of users that are blocked (<c>"blocked":true</c>).</summary>
    /// <value>The default value is 0.03. Must be between 0 and 1.</value>
    public double BlockedFraction { get; set; } = 0.03;

    /// <summary>Gets or sets the fraction of users that are database users (and so carry a password hash), for
    /// scale runs that need more hashes than the default family mix gives (about 55 %); the other users keep cycling
    /// through every family. <see langword="null"/> keeps the default mix.</summary>
    /// <value>The default value is <see langword="null"/>. Must be between 0 and 1 when set.</value>
    public double? DatabaseFraction { get; set; }

    /// <summary>Gets or sets how many distinct organization ids (<c>app_metadata.org.id</c>) the users share, for runs
    /// that import organizations; <see langword="null"/> gives nearly every user its own.</summary>
    /// <value>The default value is <see langword="null"/>. Must be at least 1 when set.</value>
    public int? OrganizationCount { get; set; }

    /// <summary>Gets or sets the Auth0 tenant name written to the password-hash export.</summary>
    /// <value>The default value is <c>acme-synthetic</c>.</value>
    public string Tenant { get; set; } = "acme-synthetic";
}
