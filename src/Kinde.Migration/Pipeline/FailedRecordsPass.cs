using Kinde.Migration.Auth0.Reading;

namespace Kinde.Migration.Pipeline;

/// <summary>Writes <c>failed.ndjson</c>: the source records of the users the importer could not import, with the
/// reason, in <c>rejected.ndjson</c>'s shape — so the file can be fed back as input. It costs one more read of the user
/// export, made only when some user failed.</summary>
internal static class FailedRecordsPass
{
    public static async Task<string?> WriteAsync(
        IAuth0UserReader reader, string usersPath, IDictionary<string, string> failed, string outputDirectory, CancellationToken cancellationToken)
    {
        if (failed.Count == 0)
        {
            return null;
        }

        string path = Path.Combine(outputDirectory, "failed.ndjson");
        using var writer = new RejectedRecordsWriter(path);
        await using var source = await ExportSource.OpenAsync(usersPath, cancellationToken).ConfigureAwait(false);
        await foreach (var record in reader.ReadAsync(source, cancellationToken).ConfigureAwait(false))
        {
            if (record.Value is { UserId: { } id } user && failed.TryGetValue(id, out string? reason))
            {
                writer.WriteUser(user, source.Name, record.Position, "import", [reason]);
            }
        }

        return path;
    }
}
