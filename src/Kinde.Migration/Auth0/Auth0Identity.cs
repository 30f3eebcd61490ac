using System.Text.Json.Nodes;

namespace Kinde.Migration.Auth0;

/// <summary>One entry of an Auth0 user's <c>identities[]</c> array.</summary>
/// <remarks>IdP tokens (<c>access_token</c>, <c>refresh_token</c>, <c>access_token_secret</c>) are dropped on read.</remarks>
public sealed class Auth0Identity
{
    /// <summary>Gets or sets the provider, e.g. <c>auth0</c>, <c>google-oauth2</c>, <c>samlp</c>.</summary>
    public string? Provider { get; set; }

    /// <summary>Gets or sets the id at the provider. Numeric ids (GitHub) are kept as their decimal text.</summary>
    public string? UserId { get; set; }

    /// <summary>Gets or sets the connection name.</summary>
    public string? Connection { get; set; }

    /// <summary>Gets or sets whether the connection is social.</summary>
    public bool? IsSocial { get; set; }

    /// <summary>Gets or sets the profile of a linked secondary account.</summary>
    public JsonObject? ProfileData { get; set; }

    /// <summary>Gets identity attributes the reader does not know.</summary>
    public IDictionary<string, JsonNode?> AdditionalProperties { get; } = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);

    /// <summary>Gets the Auth0 <c>user_id</c> this identity would have as a primary account: <c>provider|user_id</c>.</summary>
    public string? FullUserId => Provider is null || UserId is null ? null : Provider + "|" + UserId;

    /// <inheritdoc />
    public override string ToString() => FullUserId ?? "(incomplete identity)";
}
