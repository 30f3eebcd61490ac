using Kinde.Migration.Target;

namespace Kinde.Migration.Pipeline;

/// <summary>Merges Kinde users made from several Auth0 users with the same email into one (first in file order leads).</summary>
internal static class KindeUserMerger
{
    public static KindeUser Merge(IReadOnlyList<KindeUser> users, Action<string> warn)
    {
        KindeUser merged = users[0];
        foreach (KindeUser other in users.Skip(1))
        {
            merged.FirstName ??= other.FirstName;
            merged.LastName ??= other.LastName;
            merged.Picture ??= other.Picture;
            foreach (var identity in other.Identities)
            {
                var same = merged.Identities.FirstOrDefault(i => i.Type == identity.Type && string.Equals(i.Value, identity.Value, StringComparison.OrdinalIgnoreCase));
                if (same is null)
                {
                    merged.Identities.Add(identity);
                }
                else if (identity.IsVerified == true && same.IsVerified != true)
                {
                    merged.Identities[merged.Identities.IndexOf(same)] = same with { IsVerified = true };
                }
            }

            if (other.Password is not null)
            {
                if (merged.Password is null)
                {
                    merged.Password = other.Password;
                }
                else
                {
                    warn("merge_kept_first_password");
                }
            }

            foreach (var membership in other.Organizations)
            {
                var existing = merged.Organizations.FirstOrDefault(m => m.ExternalId == membership.ExternalId);
                if (existing is null)
                {
                    merged.Organizations.Add(membership);
                    continue;
                }

                foreach (string role in membership.Roles.Where(r => !existing.Roles.Contains(r)))
                {
                    existing.Roles.Add(role);
                }

                foreach (string permission in membership.Permissions.Where(p => !existing.Permissions.Contains(p)))
                {
                    existing.Permissions.Add(permission);
                }
            }

            foreach (var (key, value) in other.Properties)
            {
                merged.Properties.TryAdd(key, value);
            }

            foreach (string id in other.SourceUserIds)
            {
                merged.SourceUserIds.Add(id);
            }
        }

        // One active Auth0 account keeps the merged user active.
        merged.Suspended = users.All(u => u.Suspended);
        return merged;
    }
}
