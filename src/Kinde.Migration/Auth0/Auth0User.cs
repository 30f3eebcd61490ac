using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Kinde.Migration.Auth0;

/// <summary>
/// One user from an Auth0 user export, with every documented attribute and any unknown attribute kept.
/// </summary>
/// <remarks>
/// Keys are read from raw attribute names (<c>user_id</c>), from the Import/Export extension's labels
/// (<c>Id</c>, <c>Email Verified</c>) or from a caller-supplied key map. Attributes the export omitted are
/// <see langword="null"/>. The type never holds a password hash.
/// </remarks>
[DebuggerDisplay("{UserId,nq}")]
public sealed class Auth0User
{
    /// <summary>Gets or sets the Auth0 <c>user_id</c>, e.g. <c>auth0|65a1…</c> or <c>samlp|acme|E1</c>.</summary>
    public string? UserId { get; set; }

    /// <summary>Gets or sets the email address.</summary>
    public string? Email { get; set; }

    /// <summary>Gets or sets whether the email address was verified.</summary>
    public bool? EmailVerified { get; set; }

    /// <summary>Gets or sets the username.</summary>
    public string? Username { get; set; }

    /// <summary>Gets or sets the phone number (E.164 for SMS users).</summary>
    public string? PhoneNumber { get; set; }

    /// <summary>Gets or sets whether the phone number was verified.</summary>
    public bool? PhoneVerified { get; set; }

    /// <summary>Gets or sets the given name.</summary>
    public string? GivenName { get; set; }

    /// <summary>Gets or sets the family name.</summary>
    public string? FamilyName { get; set; }

    /// <summary>Gets or sets the full name (Auth0 often fills it with the email or phone number).</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the nickname.</summary>
    public string? Nickname { get; set; }

    /// <summary>Gets or sets the picture URL.</summary>
    public string? Picture { get; set; }

    /// <summary>Gets or sets the connection of the primary identity, when the export carries it as a column
    /// (<c>Connection</c>, or <c>identities[0].connection</c> exported as <c>provider</c>).</summary>
    public string? Connection { get; set; }

    /// <summary>Gets or sets when the user was created.</summary>
    public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>Gets or sets when the user was last updated.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>Gets or sets when the user last signed in.</summary>
    public DateTimeOffset? LastLogin { get; set; }

    /// <summary>Gets or sets the IP address of the last sign-in.</summary>
    public string? LastIp { get; set; }

    /// <summary>Gets or sets the number of sign-ins.</summary>
    public long? LoginsCount { get; set; }

    /// <summary>Gets or sets whether the user is blocked.</summary>
    public bool? Blocked { get; set; }

    /// <summary>Gets the multi-factor providers the user enrolled in, e.g. <c>guardian</c>.</summary>
    public IList<string> Multifactor { get; } = new List<string>();

    /// <summary>Gets the user's identities; the first is the primary one, linked accounts follow.</summary>
    public IList<Auth0Identity> Identities { get; } = new List<Auth0Identity>();

    private JsonObject? _appMetadata;
    private byte[]? _appMetadataUtf8;
    private JsonObject? _userMetadata;
    private byte[]? _userMetadataUtf8;

    /// <summary>Gets or sets <c>app_metadata</c>.</summary>
    /// <remarks>The reader keeps the object's JSON text and builds the node tree on first access, so code that
    /// never looks at metadata (counting, joining) does not pay for it. Not thread-safe.</remarks>
    public JsonObject? AppMetadata
    {
        get => _appMetadata ??= Materialize(ref _appMetadataUtf8);
        set => (_appMetadata, _appMetadataUtf8) = (value, null);
    }

    /// <summary>Gets or sets <c>user_metadata</c>.</summary>
    /// <remarks>Built on first access, like <see cref="AppMetadata"/>.</remarks>
    public JsonObject? UserMetadata
    {
        get => _userMetadata ??= Materialize(ref _userMetadataUtf8);
        set => (_userMetadata, _userMetadataUtf8) = (value, null);
    }

    internal bool HasAppMetadata => _appMetadata is not null || _appMetadataUtf8 is not null;

    internal bool HasUserMetadata => _userMetadata is not null || _userMetadataUtf8 is not null;

    /// <summary>Gets attributes the reader does not know, keyed by their name in the export; never dropped.</summary>
    public IDictionary<string, JsonNode?> AdditionalProperties { get; } = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);

    /// <summary>Gets the provider part of <see cref="UserId"/> (before the first <c>|</c>), or <see langword="null"/>.</summary>
    public string? Provider => UserId is null ? null : Auth0UserId.Parse(UserId).Provider;

    /// <inheritdoc />
    public override string ToString() => UserId ?? "(no user_id)";

    /// <summary>The metadata object's UTF-8 text while no node tree has been built (nobody read or replaced it).</summary>
    internal byte[]? MetadataUtf8(bool app) => app ? _appMetadataUtf8 : _userMetadataUtf8;

    /// <summary>Keeps a validated JSON object's UTF-8 text, to be parsed on first access.</summary>
    internal void SetMetadataUtf8(bool app, byte[] utf8)
    {
        if (app)
        {
            (_appMetadata, _appMetadataUtf8) = (null, utf8);
        }
        else
        {
            (_userMetadata, _userMetadataUtf8) = (null, utf8);
        }
    }

    private static JsonObject? Materialize(ref byte[]? utf8)
    {
        if (utf8 is null)
        {
            return null;
        }

        var node = (JsonObject)JsonNode.Parse(utf8)!;
        utf8 = null;
        return node;
    }
}
