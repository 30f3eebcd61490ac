namespace Kinde.Migration.Mapping;

/// <summary>Options of the <see cref="DefaultUserMapper"/>.</summary>
public sealed class MappingOptions
{
    /// <summary>Gets the Auth0 social connection (or provider) → Kinde identity type table. Host code can add to it.</summary>
    /// <value>By default: google-oauth2, apple, windowslive, microsoft, github, facebook, twitch, bitbucket, linkedin,
    /// gitlab, discord, twitter and slack.</value>
    public IDictionary<string, string> SocialConnections { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["google-oauth2"] = "oauth2:google",
        ["apple"] = "oauth2:apple",
        ["windowslive"] = "oauth2:microsoft",
        ["microsoft"] = "oauth2:microsoft",
        ["github"] = "oauth2:github",
        ["facebook"] = "oauth2:facebook",
        ["twitch"] = "oauth2:twitch",
        ["bitbucket"] = "oauth2:bitbucket",
        ["linkedin"] = "oauth2:linkedin",
        ["gitlab"] = "oauth2:gitlab",
        ["discord"] = "oauth2:discord",
        ["twitter"] = "oauth2:twitter",
        ["slack"] = "oauth2:slack",
    };

    /// <summary>Gets the Auth0 enterprise strategies: such users get an email identity and a warning naming the
    /// connection to set up in Kinde; without an email they are rejected.</summary>
    public ISet<string> EnterpriseStrategies { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "samlp", "waad", "adfs", "oidc", "ad", "auth0-adldap", "office365", "okta", "pingfederate", "google-apps", "sharepoint", "ip",
    };

    /// <summary>Gets or sets the metadata path holding role keys, e.g. <c>app_metadata.roles</c> (an array or a
    /// comma-separated string). <see langword="null"/> turns role mapping off (the key then becomes a property).</summary>
    public string? RolesPath { get; set; }

    /// <summary>Gets or sets the external id of the organization the roles apply in; empty or <see langword="null"/>
    /// means Kinde's default organization.</summary>
    public string? RolesOrganization { get; set; }

    /// <summary>Gets or sets the metadata path holding organization external ids the user belongs to, e.g.
    /// <c>app_metadata.external_org_ids</c>. <see langword="null"/> turns it off.</summary>
    public string? OrganizationsPath { get; set; }

    /// <summary>Gets the metadata keys (<c>app_metadata.x</c>, <c>user_metadata.y</c>) to leave out of the migration.</summary>
    public ISet<string> ExcludedMetadata { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Gets explicit Kinde property keys for metadata keys, e.g. <c>user_metadata.theme → theme</c>.</summary>
    public IDictionary<string, string> PropertyKeys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the property key prefix for <c>app_metadata</c> keys without an explicit property key.</summary>
    /// <value>The default value is <c>auth0_app_</c>.</value>
    public string AppMetadataPropertyPrefix { get; set; } = "auth0_app_";

    /// <summary>Gets or sets the property key prefix for <c>user_metadata</c> keys without an explicit property key.</summary>
    /// <value>The default value is <c>auth0_user_</c>.</value>
    public string UserMetadataPropertyPrefix { get; set; } = "auth0_user_";

    /// <summary>Gets or sets whether <c>$2b$</c> bcrypt hashes are rewritten to <c>$2a$</c> (Kinde does the same on import).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RewriteBcrypt2bTo2a { get; set; } = true;
}
