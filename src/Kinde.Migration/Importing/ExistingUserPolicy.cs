namespace Kinde.Migration.Importing;

/// <summary>What the Kinde API importer does with a user that was already in Kinde before the migration touched it
/// (found by email or phone, not created by one of our runs).</summary>
public enum ExistingUserPolicy
{
    /// <summary>Leave it as it is — profile, password, properties and memberships untouched (it may already have signed
    /// in) — and count it <c>skipped_existing</c>.</summary>
    Skip,

    /// <summary>Keep its profile and identities, but carry out the migration's other steps for it: password, suspension,
    /// properties, organization memberships.</summary>
    FillMissing,

    /// <summary>As <see cref="FillMissing"/>, and also update its profile (given and family names) from Auth0.</summary>
    Update,
}
