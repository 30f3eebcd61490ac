namespace Kinde.Migration.Ledger;

/// <summary>A step the Kinde Management API importer performs for one user, recorded in the <see cref="MigrationLedger"/>.</summary>
public enum LedgerStep
{
    /// <summary>Find the user in Kinde by email, or create it.</summary>
    Create,

    /// <summary>Set the user's password (from the Auth0 hash).</summary>
    SetPassword,

    /// <summary>Suspend the user (it was blocked in Auth0).</summary>
    Suspend,

    /// <summary>Set the user's properties.</summary>
    SetProperties,

    /// <summary>Add the user to its organizations, with roles and permissions.</summary>
    AddToOrganizations,

    /// <summary>Add the identities the create call cannot carry (a second email, a social identity with a configured
    /// connection).</summary>
    AddIdentities,

    /// <summary>Update the profile (names) of a user that was already in Kinde (<see cref="Importing.ExistingUserPolicy.Update"/>).</summary>
    UpdateProfile,
}
