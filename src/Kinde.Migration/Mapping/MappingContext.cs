using Kinde.Migration.Auth0;
using Kinde.Migration.Joining;
using Kinde.Migration.Pipeline;

namespace Kinde.Migration.Mapping;

/// <summary>What a mapper knows about the user beyond the Auth0 record, and where it reports warnings.</summary>
public sealed class MappingContext
{
    private readonly Action<string> _warn;
    private readonly Action<string, MetadataKeyFate> _metadataFate;

    /// <summary>Initializes a new instance of the <see cref="MappingContext"/> class.</summary>
    /// <param name="mode">The migration approach.</param>
    /// <param name="passwordJoin">The user's joined password hash.</param>
    /// <param name="warn">Receives warning codes (counted, grouped, in the report).</param>
    /// <param name="metadataFate">Receives the fate of each metadata key.</param>
    public MappingContext(MigrationMode mode, PasswordJoinResult passwordJoin, Action<string>? warn = null, Action<string, MetadataKeyFate>? metadataFate = null)
    {
        Mode = mode;
        PasswordJoin = passwordJoin;
        _warn = warn ?? (_ => { });
        _metadataFate = metadataFate ?? ((_, _) => { });
    }

    /// <summary>Gets the migration approach.</summary>
    public MigrationMode Mode { get; }

    /// <summary>Gets how the password hash was joined to this user.</summary>
    public PasswordJoinResult PasswordJoin { get; }

    /// <summary>Gets the joined password-hash record, if any. Sensitive: never log it.</summary>
    public Auth0PasswordHash? PasswordHash => PasswordJoin.Hash;

    /// <summary>Records a warning, by a short code such as <c>enterprise_connection:acme-saml</c>; the report counts codes.</summary>
    /// <param name="code">The warning code; must not contain personal data or secrets.</param>
    public void AddWarning(string code) => _warn(code);

    /// <summary>Records what happened to a metadata key (e.g. <c>app_metadata.plan</c>).</summary>
    /// <param name="key">The metadata key, prefixed with <c>app_metadata.</c> or <c>user_metadata.</c>.</param>
    /// <param name="fate">What was done with it.</param>
    public void RecordMetadataFate(string key, MetadataKeyFate fate) => _metadataFate(key, fate);
}

/// <summary>What happened to one top-level metadata key of a user.</summary>
public enum MetadataKeyFate
{
    /// <summary>Consumed by a mapping rule (roles, organizations, or a host mapper).</summary>
    Mapped,

    /// <summary>Carried as a Kinde user property.</summary>
    Property,

    /// <summary>Excluded by configuration, or null (nothing to carry).</summary>
    Excluded,

    /// <summary>Not carried: its property key (after clean-up) was already taken by another key of the same user.</summary>
    Conflict,
}
