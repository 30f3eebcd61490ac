using Kinde.Migration.Internal;

namespace Kinde.Migration.Target.Files;

/// <summary>Writes the <c>organizations.csv</c> file Kinde's dashboard imports (Organizations › Import), which
/// creates or updates organizations by external id before users are imported into them.</summary>
/// <remarks>The file has the header <c>name,id</c>; <c>id</c> becomes the organization's external id, the value
/// users' <c>external_organization_id</c> / <c>external_id</c> refer to. Values are written verbatim (UTF-8 without
/// a byte order mark, <c>\n</c> line endings): a name starting with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c> is not
/// defused, so do not open the file in a spreadsheet program.</remarks>
public static class OrganizationsCsvWriter
{
    /// <summary>The file name written.</summary>
    public const string FileName = "organizations.csv";

    /// <summary>Writes <c>organizations.csv</c> into <paramref name="outputDirectory"/>, replacing an existing one.
    /// Rows are sorted by id (ordinal); for an id given more than once the first name wins; organizations with an
    /// empty id (the default organization) are left out. On Unix the file is readable and writable by its owner only.</summary>
    /// <param name="outputDirectory">The directory; created if it does not exist.</param>
    /// <param name="organizations">The organizations: display name and external id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The full path of the file.</returns>
    public static async Task<string> WriteAsync(
        string outputDirectory,
        IEnumerable<(string Name, string ExternalId)> organizations,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentNullException.ThrowIfNull(organizations);

        var byId = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, string externalId) in organizations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!string.IsNullOrEmpty(externalId))
            {
                byId.TryAdd(externalId, name ?? string.Empty);
            }
        }

        string directory = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);

        await PairCsvFile.WriteAsync(path, ("name", "id"), PairCsvFile.Rows(byId.Select(o => (o.Value, o.Key))), cancellationToken).ConfigureAwait(false);
        return path;
    }
}
