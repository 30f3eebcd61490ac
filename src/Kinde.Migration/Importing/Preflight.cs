using Kinde.Migration.KindeApi;
using Microsoft.Extensions.Logging;

namespace Kinde.Migration.Importing;

/// <summary>Makes sure the organizations, roles, permissions and property definitions a run needs exist in Kinde
/// before any user is touched: creates the missing ones when allowed, otherwise stops with the list.</summary>
internal static class Preflight
{
    public static async Task<PreflightResult> RunAsync(
        IKindeApi api, ImportRequirements needs, KindeApiImportOptions options, bool readOnly, ILogger logger, CancellationToken ct)
    {
        using var activity = KindeMigrationMetrics.ActivitySource.StartActivity("kinde_migration.preflight");
        var (codes, missing) = await FindMissingAsync(api, needs, ct).ConfigureAwait(false);
        if (readOnly || missing.IsEmpty)
        {
            return new PreflightResult(codes, missing, Created: false);
        }

        if (!options.CreateMissingDefinitions || missing.DefaultOrganization)
        {
            throw new KindePreflightException(missing);
        }

        // A create that got no clear answer may have been carried out: every round lists again and creates only what
        // is still missing, so nothing is created twice.
        var created = missing;
        for (int round = 1; !missing.IsEmpty; round++)
        {
            if (round > options.MaxCreateAttempts)
            {
                throw new KindeApiException($"Preflight could not create what the users need after {options.MaxCreateAttempts} rounds without clear answers; no user was touched. Still missing: {missing.Organizations.Count} organizations, {missing.Roles.Count} roles, {missing.Permissions.Count} permissions, {missing.Properties.Count} properties.");
            }

            int unanswered = await CreateAsync(api, missing, options, ct).ConfigureAwait(false);
            if (unanswered > 0)
            {
                ImportLog.PreflightRetry(logger, round, unanswered);
            }

            (codes, missing) = await FindMissingAsync(api, needs, ct).ConfigureAwait(false);
        }

        ImportLog.PreflightCreated(logger, created.Organizations.Count, created.Roles.Count, created.Permissions.Count, created.Properties.Count);
        return new PreflightResult(codes, created, Created: true);
    }

    private static async Task<(Dictionary<string, string> Codes, PreflightMissing Missing)> FindMissingAsync(IKindeApi api, ImportRequirements needs, CancellationToken ct)
    {
        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var org in await api.ListOrganizationsAsync(ct).ConfigureAwait(false))
        {
            if (org.IsDefault)
            {
                codes[""] = org.Code;
            }

            // Kinde does not enforce unique external ids; the first listed wins.
            if (!string.IsNullOrEmpty(org.ExternalId))
            {
                codes.TryAdd(org.ExternalId, org.Code);
            }
        }

        var roles = needs.Roles.Count == 0 ? [] : (await api.ListRolesAsync(ct).ConfigureAwait(false)).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var permissions = needs.Permissions.Count == 0 ? [] : (await api.ListPermissionsAsync(ct).ConfigureAwait(false)).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var properties = needs.Properties.Count == 0 ? [] : (await api.ListUserPropertiesAsync(ct).ConfigureAwait(false)).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var missing = new PreflightMissing(
            [.. needs.Organizations.Where(o => !codes.ContainsKey(o))],
            [.. needs.Roles.Where(r => !roles.Contains(r))],
            [.. needs.Permissions.Where(p => !permissions.Contains(p))],
            [.. needs.Properties.Where(p => !properties.Contains(p))],
            needs.UsesDefaultOrganization && !codes.ContainsKey(""));
        return (codes, missing);
    }

    /// <summary>Creates what is missing; returns how many creates got no clear answer (they may or may not have been
    /// carried out: the caller lists again). A clear refusal (4xx) is thrown.</summary>
    private static async Task<int> CreateAsync(IKindeApi api, PreflightMissing missing, KindeApiImportOptions options, CancellationToken ct)
    {
        int unanswered = 0;
        foreach (string externalId in missing.Organizations)
        {
            // Named after the external id, as the offline organizations.csv does; rename in Kinde afterwards if needed.
            await TryAsync(() => api.CreateOrganizationAsync(externalId, externalId, ct)).ConfigureAwait(false);
        }

        foreach (string key in missing.Permissions)
        {
            await TryAsync(() => api.CreatePermissionAsync(key, key, "Migrated from Auth0", ct)).ConfigureAwait(false);
        }

        foreach (string key in missing.Roles)
        {
            await TryAsync(() => api.CreateRoleAsync(key, key, "Migrated from Auth0", ct)).ConfigureAwait(false);
        }

        if (missing.Properties.Count > 0)
        {
            var categories = await api.ListUserPropertyCategoriesAsync(ct).ConfigureAwait(false);
            string? categoryId = categories.FirstOrDefault(c => string.Equals(c.Key, options.PropertyCategoryName, StringComparison.Ordinal))?.Id;
            if (categoryId is null)
            {
                await TryAsync(async () => categoryId = await api.CreateUserPropertyCategoryAsync(options.PropertyCategoryName, ct).ConfigureAwait(false)).ConfigureAwait(false);
            }

            foreach (string key in missing.Properties.Where(_ => categoryId is not null))
            {
                await TryAsync(() => api.CreateUserPropertyAsync(key, key, categoryId!, ct)).ConfigureAwait(false);
            }
        }

        return unanswered;

        async Task TryAsync(Func<Task> create)
        {
            try
            {
                await create().ConfigureAwait(false);
            }
            catch (KindeApiException ex) when (ex.StatusCode is null or 408 or >= 500)
            {
                unanswered++;
            }
        }
    }
}

/// <summary>What preflight found (and, unless read-only or refused, created).</summary>
/// <param name="OrganizationCodes">External id → Kinde org code; the empty key is the default organization.</param>
/// <param name="Missing">What Kinde lacked.</param>
/// <param name="Created">Whether the missing definitions were created.</param>
internal sealed record PreflightResult(IReadOnlyDictionary<string, string> OrganizationCodes, PreflightMissing Missing, bool Created);
