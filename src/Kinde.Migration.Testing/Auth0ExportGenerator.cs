using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Kinde.Migration.Testing.Internal;

namespace Kinde.Migration.Testing;

/// <summary>
/// Generates a deterministic, synthetic Auth0 tenant export: the user export (NDJSON, optionally gzipped, or the
/// export job's OWASP-escaped CSV) and the matching password-hash export Auth0 support sends.
/// </summary>
/// <remarks>
/// <para>The same options always give byte-identical output: every value comes from <see cref="Random"/> seeded
/// with <see cref="Auth0ExportGeneratorOptions.Seed"/>; no clock or <see cref="Guid"/> is used. Writers stream: a
/// million users never sit in memory at once.</para>
/// <para>All data is synthetic: emails under <c>example.com</c>, <c>example.org</c> and <c>example.net</c>, IPs in
/// <c>203.0.113.0/24</c> and <c>2001:db8::/32</c>, phone numbers <c>+1555555xxxx</c> (then <c>+1555556xxxx</c> and up), and bcrypt-shaped hashes that
/// are random characters (they verify no password).</para>
/// <para>User families cycle every 20 users (see <see cref="GeneratedUserFamily"/>).</para>
/// </remarks>
public sealed class Auth0ExportGenerator
{
    private const int ChunkBytes = 256 * 1024;

    private readonly int _seed;
    private readonly int _userCount;
    private readonly double _passwordCoverage;
    private readonly double _metadataFraction;
    private readonly double _blockedFraction;
    private readonly double? _databaseFraction;
    private readonly int? _organizationCount;
    private readonly string _tenant;

    /// <summary>Initializes a new instance of the <see cref="Auth0ExportGenerator"/> class.</summary>
    /// <param name="options">The options; their values are copied now, so later changes have no effect.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or its tenant is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The user count is negative or a fraction is outside 0–1.</exception>
    public Auth0ExportGenerator(Auth0ExportGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.UserCount, nameof(options.UserCount));
        ThrowIfNotFraction(options.PasswordCoverage, nameof(options.PasswordCoverage));
        ThrowIfNotFraction(options.MetadataFraction, nameof(options.MetadataFraction));
        ThrowIfNotFraction(options.BlockedFraction, nameof(options.BlockedFraction));
        if (options.DatabaseFraction is { } databaseFraction)
        {
            ThrowIfNotFraction(databaseFraction, nameof(options.DatabaseFraction));
        }
        if (options.OrganizationCount is { } organizations)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(organizations, 1, nameof(options.OrganizationCount));
        }

        ArgumentException.ThrowIfNullOrEmpty(options.Tenant, nameof(options.Tenant));
        _seed = options.Seed;
        _userCount = options.UserCount;
        _passwordCoverage = options.PasswordCoverage;
        _metadataFraction = options.MetadataFraction;
        _blockedFraction = options.BlockedFraction;
        _databaseFraction = options.DatabaseFraction;
        _organizationCount = options.OrganizationCount;
        _tenant = options.Tenant;
    }

    private enum OutputKind
    {
        UsersNdjson,
        UsersCsv,
        PasswordHashes,
    }

    /// <summary>Gets the header row of <see cref="WriteUsersCsvAsync"/>, without its newline.</summary>
    /// <remarks><c>provider</c> holds <c>identities[0].connection</c>, as in Auth0's documented job request.</remarks>
    public static string CsvHeader => RecordWriter.CsvHeader;

    /// <summary>Generates the users lazily, with their exact export lines. The sequence is the same on every call.</summary>
    /// <returns>The users, in file order.</returns>
    public IEnumerable<GeneratedUser> GenerateUsers()
    {
        var factory = NewFactory();
        var buffer = new ArrayBufferWriter<byte>(4096);
        using var writer = new Utf8JsonWriter(buffer, RecordWriter.JsonOptions);
        while (factory.MoveNext())
        {
            SyntheticUser u = factory.Current;
            string line = ToJson(buffer, writer, w => RecordWriter.WriteUser(w, u));
            string? hashLine = u.HasHash ? ToJson(buffer, writer, w => RecordWriter.WriteHash(w, u, _tenant)) : null;
            yield return new GeneratedUser
            {
                Index = u.Index,
                UserId = u.UserId,
                Email = u.Email,
                Family = u.Family,
                Blocked = u.Blocked == true,
                NdjsonLine = line,
                PasswordHashLine = hashLine,
                HashOwnerUserId = u.HasHash ? u.UserId : null,
                HashAuth0UserId = u.HashAuth0UserId,
            };
        }
    }

    /// <summary>Writes the user export as NDJSON: one JSON object per line with raw Auth0 attribute names, every
    /// line ending with <c>\n</c>.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="gzip">Whether to gzip the file (as Auth0 delivers it, <c>.json.gz</c>).</param>
    /// <param name="cancellationToken">Stops the write; the partial file is left behind.</param>
    /// <returns>How many users and bytes were written.</returns>
    public Task<GeneratedExportSummary> WriteUsersNdjsonAsync(string path, bool gzip, CancellationToken cancellationToken = default) =>
        WriteFileAsync(path, gzip, OutputKind.UsersNdjson, cancellationToken);

    /// <summary>Writes the user export as the export job's CSV: the <see cref="CsvHeader"/> row, then one
    /// comma-delimited row per user, each line ending with <c>\n</c>. Every string cell is OWASP-escaped as
    /// <c>"'value"</c> with inner <c>"</c> doubled; booleans, numbers and ISO dates are bare; absent values are empty.</summary>
    /// <param name="path">The file to create or overwrite (not compressed).</param>
    /// <param name="cancellationToken">Stops the write; the partial file is left behind.</param>
    /// <returns>How many users and bytes were written.</returns>
    public Task<GeneratedExportSummary> WriteUsersCsvAsync(string path, CancellationToken cancellationToken = default) =>
        WriteFileAsync(path, gzip: false, OutputKind.UsersCsv, cancellationToken);

    /// <summary>Writes the password-hash export (NDJSON with MongoDB-style keys) for exactly the users that have a
    /// hash record, in user order. Records come in three shapes: classic, <c>version 1.1</c> with
    /// <c>identifiers[]</c> (some without a root email), and plain-string <c>_id</c>.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="gzip">Whether to gzip the file.</param>
    /// <param name="cancellationToken">Stops the write; the partial file is left behind.</param>
    /// <returns>How many hash records and bytes were written.</returns>
    public Task<GeneratedExportSummary> WritePasswordHashesAsync(string path, bool gzip, CancellationToken cancellationToken = default) =>
        WriteFileAsync(path, gzip, OutputKind.PasswordHashes, cancellationToken);

    private static void ThrowIfNotFraction(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(name, value, "must be between 0 and 1");
        }
    }

    private static string ToJson(ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer, Action<Utf8JsonWriter> write)
    {
        buffer.ResetWrittenCount();
        writer.Reset();
        write(writer);
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private UserFactory NewFactory() => new(_seed, _userCount, _passwordCoverage, _metadataFraction, _blockedFraction, _databaseFraction, _organizationCount);

    private async Task<GeneratedExportSummary> WriteFileAsync(string path, bool gzip, OutputKind kind, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        cancellationToken.ThrowIfCancellationRequested();
        long users = 0, hashes = 0, uncompressed = 0, onDisk;
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true) : file;
            try
            {
                var chunk = new ArrayBufferWriter<byte>(ChunkBytes + (64 * 1024));
                using var json = new Utf8JsonWriter(chunk, RecordWriter.JsonOptions);
                if (kind == OutputKind.UsersCsv)
                {
                    RecordWriter.WriteCsvHeader(chunk);
                }

                var factory = NewFactory();
                while (factory.MoveNext())
                {
                    SyntheticUser u = factory.Current;
                    switch (kind)
                    {
                        case OutputKind.UsersNdjson:
                            json.Reset();
                            RecordWriter.WriteUser(json, u);
                            json.Flush();
                            NewLine(chunk);
                            users++;
                            break;
                        case OutputKind.UsersCsv:
                            RecordWriter.WriteCsvRow(chunk, u);
                            users++;
                            break;
                        case OutputKind.PasswordHashes when u.HasHash:
                            json.Reset();
                            RecordWriter.WriteHash(json, u, _tenant);
                            json.Flush();
                            NewLine(chunk);
                            hashes++;
                            break;
                        default:
                            break;
                    }

                    if (chunk.WrittenCount >= ChunkBytes)
                    {
                        uncompressed += chunk.WrittenCount;
                        await output.WriteAsync(chunk.WrittenMemory, cancellationToken).ConfigureAwait(false);
                        chunk.ResetWrittenCount();
                    }
                }

                uncompressed += chunk.WrittenCount;
                await output.WriteAsync(chunk.WrittenMemory, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (gzip)
                {
                    await output.DisposeAsync().ConfigureAwait(false);
                }
            }

            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            onDisk = file.Length;
        }

        return new GeneratedExportSummary(users, hashes, onDisk, uncompressed);
    }

    private static void NewLine(ArrayBufferWriter<byte> chunk)
    {
        chunk.GetSpan(1)[0] = (byte)'\n';
        chunk.Advance(1);
    }
}
