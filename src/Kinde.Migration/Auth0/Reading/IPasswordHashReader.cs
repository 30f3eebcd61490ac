namespace Kinde.Migration.Auth0.Reading;

/// <summary>Reads the password-hash export Auth0 support sends (NDJSON or JSON array), streaming.</summary>
/// <remarks>Errors never contain a hash, and rejected records keep no raw text.</remarks>
public interface IPasswordHashReader
{
    /// <summary>Reads every record of <paramref name="source"/>.</summary>
    /// <param name="source">An opened export.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The records in file order.</returns>
    IAsyncEnumerable<ExportRecord<Auth0PasswordHash>> ReadAsync(ExportSource source, CancellationToken cancellationToken = default);
}
