using Kinde.Migration.Target;
using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Tests.Importing;

/// <summary>Compares what the emulator holds with the users a migration should have put there: every expected user
/// exactly once (by email, else phone), with its identities, password, suspension, properties and memberships.</summary>
internal static class KindeStateAssert
{
    public static void HoldsExactly(KindeEmulator emulator, IReadOnlyList<KindeUser> expected, bool withPasswords, IReadOnlyCollection<string>? preExistingIds = null)
    {
        var state = emulator.State;
        var users = state.Users.Where(u => preExistingIds is null || !preExistingIds.Contains(u.Id)).ToList();
        var problems = new List<string>();
        if (users.Count != expected.Count)
        {
            problems.Add($"expected {expected.Count} users, the emulator holds {users.Count}");
        }

        var byKey = users.GroupBy(Key).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        var organizations = state.Organizations;
        foreach (var user in expected)
        {
            string key = user.Email ?? user.Phone ?? "";
            if (!byKey.TryGetValue(key, out var matches) || matches.Count != 1)
            {
                problems.Add($"{user.Id}: {(matches is null ? 0 : matches.Count)} Kinde users instead of 1");
                continue;
            }

            var actual = matches[0];
            if (actual.ProvidedId != user.Id)
            {
                problems.Add($"{user.Id}: provided_id {actual.ProvidedId}");
            }

            var expectedIdentities = user.Identities.Where(i => !KindeIdentityTypes.IsSocial(i.Type))
                .Select(i => $"{i.Type}:{i.Value.ToLowerInvariant()}").Order(StringComparer.Ordinal).ToList();
            var actualIdentities = actual.Identities.Select(i => $"{i.Type}:{i.Value.ToLowerInvariant()}").Order(StringComparer.Ordinal).ToList();
            if (!expectedIdentities.SequenceEqual(actualIdentities))
            {
                problems.Add($"{user.Id}: identities [{string.Join(", ", actualIdentities)}] instead of [{string.Join(", ", expectedIdentities)}]");
            }

            string? expectedPassword = withPasswords && user.Password is { } p ? EmulatedPassword.Fingerprint(p.HashedPassword) : null;
            if (actual.Password?.HashFingerprint != expectedPassword)
            {
                problems.Add($"{user.Id}: password {(actual.Password is null ? "missing" : "set")}, expected {(expectedPassword is null ? "none" : "set")}");
            }

            if (actual.IsSuspended != user.Suspended)
            {
                problems.Add($"{user.Id}: suspended {actual.IsSuspended}");
            }

            if (!actual.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(user.Properties.OrderBy(p => p.Key, StringComparer.Ordinal)))
            {
                problems.Add($"{user.Id}: properties differ");
            }

            foreach (var membership in user.Organizations)
            {
                var org = organizations.SingleOrDefault(o => membership.ExternalId.Length == 0 ? o.IsDefault : o.ExternalId == membership.ExternalId);
                var member = org?.Members.SingleOrDefault(m => m.UserId == actual.Id);
                if (member is null)
                {
                    problems.Add($"{user.Id}: not a member of '{membership.ExternalId}'");
                }
                else if (!member.Roles.Order().SequenceEqual(membership.Roles.Distinct().Order()) || !member.Permissions.Order().SequenceEqual(membership.Permissions.Distinct().Order()))
                {
                    problems.Add($"{user.Id}: roles/permissions in '{membership.ExternalId}' differ");
                }
            }
        }

        Assert.That(problems, Is.Empty, () => $"{problems.Count} differences:\n" + string.Join("\n", problems.Take(30)));
    }

    private static string Key(EmulatedUser user) => user.Email ?? user.Identities.FirstOrDefault(i => i.Type == "phone")?.Value ?? "";
}
