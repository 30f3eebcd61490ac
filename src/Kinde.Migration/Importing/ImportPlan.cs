using System.Text.Json;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Ledger;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;

namespace Kinde.Migration.Importing;

/// <summary>The dry run of <see cref="KindeApiImporter"/>: reads Kinde (and the ledger of earlier runs, when there is
/// one) only, and writes what a migration would do —
/// <c>preflight.json</c> (what preflight would create) and <c>plan.ndjson</c> (per user: exists or not, and what it
/// would get). No email, hash or secret is written.</summary>
internal static class ImportPlan
{
    public static async Task WriteAsync(
        IKindeApi api,
        UserSpool spool,
        PreflightResult preflight,
        KindeApiImportOptions options,
        KindeImportContext context,
        MigrationLedger? ledger,
        KindeImportResult result,
        CancellationToken ct)
    {
        string preflightPath = Path.Combine(context.OutputDirectory, "preflight.json");
        await using (var file = File.Create(preflightPath))
        await using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
        {
            var missing = preflight.Missing;
            json.WriteStartObject();
            json.WriteBoolean("default_organization_missing", missing.DefaultOrganization);
            WriteArray(json, "organizations", missing.Organizations);
            WriteArray(json, "roles", missing.Roles);
            WriteArray(json, "permissions", missing.Permissions);
            WriteArray(json, "properties", missing.Properties);
            json.WriteBoolean("would_create", options.CreateMissingDefinitions);
            json.WriteEndObject();
        }

        result.Files.Add(preflightPath);
        string planPath = Path.Combine(context.OutputDirectory, "plan.ndjson");
        long create = 0, existing = 0, notFound = 0, passwords = 0, resume = 0;
        await using (var file = File.Create(planPath))
        {
            await foreach (var batch in spool.ReadBatchesAsync(options.BatchSize, ct).ConfigureAwait(false))
            {
                var found = await UserLookup.FindAllAsync(api, batch, ct).ConfigureAwait(false);
                foreach (var user in batch)
                {
                    // The ledger of an earlier run, if given, says which users a run of ours created (a re-run resumes
                    // them) and which were found existing; without it every user found is taken as existing.
                    string? ledgerKey = user.SourceUserIds.FirstOrDefault() ?? user.Id;
                    var state = ledger is null || ledgerKey is null ? null : await ledger.GetUserAsync(ledgerKey, ct).ConfigureAwait(false);
                    string? kindeId = state?.KindeUserId ?? (UserLookup.Key(user) is { } key && found.TryGetValue(key, out string? id) ? id : null);
                    // As the import decides: a known Kinde id is the runs' own unless a users pass found it there before;
                    // an unanswered create is the run's own too.
                    bool resumes = state is not null && (state.KindeUserId is not null
                        ? state.StatusOf(LedgerStep.Create) != LedgerStepStatus.Skipped
                        : state.StatusOf(LedgerStep.Create) == LedgerStepStatus.Pending);
                    string action = (kindeId, context.Mode, options.ExistingUsers) switch
                    {
                        (null, MigrationMode.PasswordsOnly, _) => "not_found",
                        (null, _, _) => "create",
                        (_, MigrationMode.PasswordsOnly, _) => "set_password",
                        _ when resumes => "resume",
                        (_, _, ExistingUserPolicy.Skip) => "skip_existing",
                        (_, _, ExistingUserPolicy.Update) => "update_existing",
                        _ => "fill_existing",
                    };
                    bool setsPassword = user.Password is not null && action is "create" or "fill_existing" or "update_existing" or "set_password" or "resume"
                        && context.Mode is MigrationMode.WithPasswords or MigrationMode.PasswordsOnly
                        && state?.StatusOf(LedgerStep.SetPassword) != LedgerStepStatus.Done;
                    create += action == "create" ? 1 : 0;
                    resume += action == "resume" ? 1 : 0;
                    existing += kindeId is null || action == "resume" ? 0 : 1;
                    notFound += action == "not_found" ? 1 : 0;
                    passwords += setsPassword ? 1 : 0;
                    await using var json = new Utf8JsonWriter(file);
                    WriteUser(json, user, action, kindeId, setsPassword, preflight);
                    await json.FlushAsync(ct).ConfigureAwait(false);
                    file.WriteByte((byte)'\n');
                }
            }
        }

        result.Files.Add(planPath);
        result.Counters["would_create"] = create;
        result.Counters["existing"] = existing;
        result.Counters["not_found"] = notFound;
        result.Counters["would_set_password"] = passwords;
        result.Counters["would_resume"] = resume;
    }

    private static void WriteUser(Utf8JsonWriter json, KindeUser user, string action, string? kindeId, bool setsPassword, PreflightResult preflight)
    {
        json.WriteStartObject();
        WriteArray(json, "auth0_user_ids", user.SourceUserIds.DefaultIfEmpty(user.Id ?? ""));
        json.WriteString("action", action);
        if (kindeId is not null)
        {
            json.WriteString("kinde_user_id", kindeId);
        }

        if (action is not ("skip_existing" or "not_found" or "resume"))
        {
            WriteArray(json, "identity_types", user.Identities.Select(i => i.Type));
            json.WriteBoolean("password", setsPassword);
            json.WriteBoolean("suspend", user.Suspended);
            WriteArray(json, "properties", user.Properties.Keys.Order(StringComparer.Ordinal));
            json.WriteStartArray("organizations");
            foreach (var membership in user.Organizations)
            {
                json.WriteStartObject();
                json.WriteString("external_id", membership.ExternalId);
                if (preflight.OrganizationCodes.TryGetValue(membership.ExternalId, out string? code))
                {
                    json.WriteString("code", code);
                }

                WriteArray(json, "roles", membership.Roles);
                WriteArray(json, "permissions", membership.Permissions);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
