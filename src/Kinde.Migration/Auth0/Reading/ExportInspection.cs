namespace Kinde.Migration.Auth0.Reading;

/// <summary>What reading one export found: its format and how many records were read, accepted and rejected.</summary>
public sealed class ExportInspection
{
    private readonly List<ExportReadError> _rejections = [];

    internal ExportInspection(ExportSource source)
    {
        Name = source.Name;
        Format = source.Format;
        IsCompressed = source.IsCompressed;
    }

    /// <summary>Gets the source name.</summary>
    public string Name { get; }

    /// <summary>Gets the detected format.</summary>
    public ExportFormat Format { get; }

    /// <summary>Gets a value indicating whether the source was gzip-compressed.</summary>
    public bool IsCompressed { get; }

    /// <summary>Gets the number of records read (always <see cref="RecordsOk"/> + <see cref="RecordsRejected"/>).</summary>
    public long RecordsRead => RecordsOk + RecordsRejected;

    /// <summary>Gets the number of records read successfully.</summary>
    public long RecordsOk { get; private set; }

    /// <summary>Gets the number of records rejected.</summary>
    public long RecordsRejected => _rejections.Count;

    /// <summary>Gets every rejection, in file order.</summary>
    public IReadOnlyList<ExportReadError> Rejections => _rejections;

    /// <summary>Reads a whole user export and counts what it holds.</summary>
    /// <param name="path">The user export.</param>
    /// <param name="reader">The reader to use; the built-in one when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The inspection.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ExportFormatException">The file cannot be read as an export at all.</exception>
    public static async Task<ExportInspection> InspectUsersAsync(string path, IAuth0UserReader? reader = null, CancellationToken cancellationToken = default)
    {
        await using var source = await ExportSource.OpenAsync(path, cancellationToken).ConfigureAwait(false);
        var inspection = new ExportInspection(source);
        await foreach (var record in (reader ?? new Auth0UserReader()).ReadAsync(source, cancellationToken).ConfigureAwait(false))
        {
            inspection.Count(record.Error);
        }

        return inspection;
    }

    /// <summary>Reads a whole password-hash export and counts what it holds.</summary>
    /// <param name="path">The password-hash export.</param>
    /// <param name="reader">The reader to use; the built-in one when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The inspection.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ExportFormatException">The file cannot be read as a hash export at all.</exception>
    public static async Task<ExportInspection> InspectPasswordHashesAsync(string path, IPasswordHashReader? reader = null, CancellationToken cancellationToken = default)
    {
        await using var source = await ExportSource.OpenAsync(path, cancellationToken).ConfigureAwait(false);
        var inspection = new ExportInspection(source);
        await foreach (var record in (reader ?? new PasswordHashReader()).ReadAsync(source, cancellationToken).ConfigureAwait(false))
        {
            inspection.Count(record.Error);
        }

        return inspection;
    }

    private void Count(ExportReadError? error)
    {
        if (error is null)
        {
            RecordsOk++;
        }
        else
        {
            _rejections.Add(error);
        }
    }
}
