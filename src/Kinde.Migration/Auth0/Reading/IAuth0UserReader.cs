namespace Kinde.Migration.Auth0.Reading;

/// <summary>Reads users from an Auth0 user export (NDJSON, JSON array, CSV or tab-separated), streaming.</summary>
/// <remarks>
/// Every record comes back, as a value or as an error with its position; a bad record never ends the read, so
/// records read = accepted + rejected. Only a source that cannot be read at all throws
/// (<see cref="ExportFormatException"/>, <see cref="IOException"/>).
/// </remarks>
public interface IAuth0UserReader
{
    /// <summary>Reads every record of <paramref name="source"/>.</summary>
    /// <param name="source">An opened export.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The records in file order.</returns>
    IAsyncEnumerable<ExportRecord<Auth0User>> ReadAsync(ExportSource source, CancellationToken cancellationToken = default);
}
