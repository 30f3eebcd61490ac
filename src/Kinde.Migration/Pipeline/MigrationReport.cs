using System.Text.Json;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Mapping;

namespace Kinde.Migration.Pipeline;

/// <summary>What a migration run did, as counts a person can act on; written as <c>report.json</c>.</summary>
/// <remarks>Always <c>users_read = users_accepted + users_rejected + users_merged</c>. Holds no password hash, secret
/// or email.</remarks>
public sealed class MigrationReport
{
    /// <summary>Gets or sets the migration approach.</summary>
    public MigrationMode Mode { get; set; }

    /// <summary>Gets or sets when the run started.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Gets or sets when the run finished.</summary>
    public DateTimeOffset FinishedAt { get; set; }

    /// <summary>Gets or sets user records read (readable or not).</summary>
    public long UsersRead { get; set; }

    /// <summary>Gets or sets users handed to the importer.</summary>
    public long UsersAccepted { get; set; }

    /// <summary>Gets or sets users rejected (unreadable, refused by a mapper, invalid for Kinde, or duplicates).</summary>
    public long UsersRejected { get; set; }

    /// <summary>Gets or sets users merged into another user with the same email.</summary>
    public long UsersMerged { get; set; }

    /// <summary>Gets or sets hash records read.</summary>
    public long HashesRead { get; set; }

    /// <summary>Gets or sets hash records that could not be read.</summary>
    public long HashesRejected { get; set; }

    /// <summary>Gets or sets hash records repeated for an Auth0 user id already seen (the first is used).</summary>
    public long HashesDuplicate { get; set; }

    /// <summary>Gets or sets users joined to a hash.</summary>
    public long HashesJoined { get; set; }

    /// <summary>Gets or sets hash records no user took.</summary>
    public long HashesOrphaned { get; set; }

    /// <summary>Gets or sets users whose hash match was ambiguous (no hash used).</summary>
    public long HashesAmbiguous { get; set; }

    /// <summary>Gets or sets readable users without a hash.</summary>
    public long UsersWithoutHash { get; set; }

    /// <summary>Gets or sets users whose hash could not be converted to a method Kinde supports.</summary>
    public long PasswordsUnsupported { get; set; }

    /// <summary>Gets how hashes were joined: <c>id</c>, <c>linked_identity</c>, <c>email</c>.</summary>
    public IDictionary<string, long> HashesJoinedBy { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Gets users without a hash by Auth0 provider (<c>auth0</c> is the database: only those are expected to have one).</summary>
    public IDictionary<string, long> UsersWithoutHashByProvider { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Gets rejected users by stage: <c>read</c>, <c>map</c>, <c>validate</c>, <c>duplicate</c>.</summary>
    public IDictionary<string, long> RejectedByStage { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Gets warnings by code, counted.</summary>
    public IDictionary<string, long> Warnings { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Gets, per metadata key, how many users had it mapped, carried as a property, or excluded.</summary>
    public IDictionary<string, IDictionary<MetadataKeyFate, long>> MetadataKeys { get; } = new SortedDictionary<string, IDictionary<MetadataKeyFate, long>>(StringComparer.Ordinal);

    /// <summary>Gets the importer's own counters (e.g. <c>passwords_set</c>).</summary>
    public IDictionary<string, long> ImporterCounters { get; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Gets the files written (paths relative to the output directory where possible).</summary>
    public IList<string> Files { get; } = new List<string>();

    /// <summary>Gets the hash-file records that could not be read (position and reason only).</summary>
    public IList<ExportReadError> HashRejections { get; } = new List<ExportReadError>();

    /// <summary>Writes the report as JSON.</summary>
    /// <param name="stream">The destination.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>A task that completes when written.</returns>
    public async Task WriteJsonAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("mode", ModeName(Mode));
        writer.WriteString("started_at", StartedAt);
        writer.WriteString("finished_at", FinishedAt);
        writer.WriteNumber("duration_seconds", Math.Round((FinishedAt - StartedAt).TotalSeconds, 3));
        writer.WriteNumber("users_read", UsersRead);
        writer.WriteNumber("users_accepted", UsersAccepted);
        writer.WriteNumber("users_rejected", UsersRejected);
        writer.WriteNumber("users_merged", UsersMerged);
        writer.WriteNumber("hashes_read", HashesRead);
        writer.WriteNumber("hashes_rejected", HashesRejected);
        writer.WriteNumber("hashes_duplicate", HashesDuplicate);
        writer.WriteNumber("hashes_joined", HashesJoined);
        writer.WriteNumber("hashes_orphaned", HashesOrphaned);
        writer.WriteNumber("hashes_ambiguous", HashesAmbiguous);
        writer.WriteNumber("users_without_hash", UsersWithoutHash);
        writer.WriteNumber("passwords_unsupported", PasswordsUnsupported);
        foreach (var (name, value) in ImporterCounters)
        {
            writer.WriteNumber(name, value);
        }

        WriteCounts(writer, "hashes_joined_by", HashesJoinedBy);
        WriteCounts(writer, "users_without_hash_by_provider", UsersWithoutHashByProvider);
        WriteCounts(writer, "rejected_by_stage", RejectedByStage);
        WriteCounts(writer, "warnings", Warnings);
        writer.WriteStartObject("metadata_keys");
        foreach (var (key, fates) in MetadataKeys)
        {
            writer.WriteStartObject(key);
            foreach (var (fate, count) in fates.OrderBy(f => f.Key))
            {
                writer.WriteNumber(fate.ToString().ToLowerInvariant(), count);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteStartArray("files");
        foreach (string file in Files)
        {
            writer.WriteStringValue(file);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("hash_rejections");
        foreach (var rejection in HashRejections)
        {
            writer.WriteStartObject();
            writer.WriteNumber("position", rejection.Position);
            if (rejection.Field is not null)
            {
                writer.WriteString("field", rejection.Field);
            }

            writer.WriteString("reason", rejection.Reason);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The command-line name of a mode (<c>with-passwords</c>, <c>users-only</c>, …).</summary>
    /// <param name="mode">The mode.</param>
    /// <returns>Its kebab-case name.</returns>
    public static string ModeName(MigrationMode mode) => mode switch
    {
        MigrationMode.WithPasswords => "with-passwords",
        MigrationMode.UsersOnly => "users-only",
        MigrationMode.PasswordsOnly => "passwords-only",
        MigrationMode.NoPasswords => "no-passwords",
        MigrationMode.Passwordless => "passwordless",
        _ => mode.ToString(),
    };

    /// <summary>Adds <paramref name="by"/> to a count; <paramref name="by"/> is negative when the runner withdraws a
    /// user, and a count that this takes back to zero is removed, as if it had never been counted.</summary>
    internal static void Increment(IDictionary<string, long> counts, string key, long by = 1)
    {
        long count = counts.TryGetValue(key, out long current) ? current + by : by;
        if (count == 0 && by < 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = count;
        }
    }

    private static void WriteCounts(Utf8JsonWriter writer, string name, IDictionary<string, long> counts)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in counts)
        {
            writer.WriteNumber(key, value);
        }

        writer.WriteEndObject();
    }
}
