using Kinde.Migration.Target;

namespace Kinde.Migration.Importing;

/// <summary>Everything the users of a run need to exist in Kinde before they are imported: organizations (by
/// external id), role keys, permission keys and user property keys. Collected while the users are spooled.</summary>
internal sealed class ImportRequirements
{
    public SortedSet<string> Organizations { get; } = new(StringComparer.Ordinal);

    public SortedSet<string> Roles { get; } = new(StringComparer.Ordinal);

    public SortedSet<string> Permissions { get; } = new(StringComparer.Ordinal);

    public SortedSet<string> Properties { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether a user goes to the default organization explicitly (with roles or permissions there).</summary>
    public bool UsesDefaultOrganization { get; private set; }

    public void Add(KindeUser user)
    {
        foreach (var membership in user.Organizations)
        {
            if (membership.ExternalId.Length == 0)
            {
                UsesDefaultOrganization = true;
            }
            else
            {
                Organizations.Add(membership.ExternalId);
            }

            Roles.UnionWith(membership.Roles);
            Permissions.UnionWith(membership.Permissions);
        }

        Properties.UnionWith(user.Properties.Keys);
    }
}
