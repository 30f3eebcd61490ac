using System.Runtime.InteropServices;
using Kinde.Migration.Auth0;
using Kinde.Migration.Internal;
using Kinde.Migration.Pipeline;

namespace Kinde.Migration.Target.Files;

/// <summary>
/// The offline <see cref="IKindeImporter"/>: writes Kinde dashboard import files into the run's output directory. Needs
/// no Kinde account.
/// </summary>
/// <remarks>
/// <para>In every mode but <see cref="MigrationMode.PasswordsOnly"/> it writes <c>users-NNNN.ndjson</c> (or <c>.csv</c>)
/// through <see cref="KindeImportFileWriter"/>, and <c>organizations.csv</c> when users belong to organizations (the
/// name is the external id; rename organizations in Kinde afterwards if needed).</para>
/// <para>In <see cref="MigrationMode.PasswordsOnly"/> it writes <c>passwords-NNNN.json</c>: the hash records of the
/// accepted users only, in the Auth0 export's own NDJSON shape that Kinde's "Import passwords only" reads, split like
/// the user files. These files are owner-only.</para>
/// </remarks>
public sealed class KindeImportFilesImporter : IKindeImporter
{
    private readonly KindeImportFileFormat _format;
    private readonly long _maxFileBytes;

    /// <summary>Initializes a new instance of the <see cref="KindeImportFilesImporter"/> class.</summary>
    /// <param name="format">The user file format.</param>
    /// <param name="maxFileBytes">The largest size of one file.</param>
    public KindeImportFilesImporter(KindeImportFileFormat format = KindeImportFileFormat.NdJson, long maxFileBytes = KindeImportFileOptions.DefaultMaxFileBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFileBytes, KindeImportFileOptions.MinMaxFileBytes);
        _format = format;
        _maxFileBytes = maxFileBytes;
    }

    /// <inheritdoc />
    public async Task<KindeImportResult> ImportAsync(IAsyncEnumerable<KindeUser> users, KindeImportContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(context);
        return context.Mode == MigrationMode.PasswordsOnly
            ? await WritePasswordsAsync(users, context.OutputDirectory, cancellationToken).ConfigureAwait(false)
            : await WriteUsersAsync(users, context.OutputDirectory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the user files for a caller that writes users one by one (the runner's single pass, which may
    /// withdraw users it wrote; <paramref name="withdrawable"/> keeps what that needs).</summary>
    internal async Task<UserFiles> OpenUserFilesAsync(string directory, bool withdrawable, CancellationToken cancellationToken)
    {
        var writer = await KindeImportFileWriter.CreateAsync(
            new KindeImportFileOptions { OutputDirectory = directory, Format = _format, MaxFileBytes = _maxFileBytes }, cancellationToken).ConfigureAwait(false);
        if (withdrawable)
        {
            writer.TrackUsers();
        }

        return new UserFiles(writer, directory, withdrawable);
    }

    private async Task<KindeImportResult> WriteUsersAsync(IAsyncEnumerable<KindeUser> users, string directory, CancellationToken cancellationToken)
    {
        await using var files = await OpenUserFilesAsync(directory, withdrawable: false, cancellationToken).ConfigureAwait(false);
        await foreach (var user in users.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await files.WriteAsync(user, cancellationToken).ConfigureAwait(false);
        }

        return await files.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<KindeImportResult> WritePasswordsAsync(IAsyncEnumerable<KindeUser> users, string directory, CancellationToken cancellationToken)
    {
        var result = new KindeImportResult();
        long written = 0, withoutHash = 0, fileBytes = 0;
        FileStream? file = null;
        try
        {
            await foreach (var user in users.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (user.Password?.Source is not { } hash)
                {
                    withoutHash++;
                    continue;
                }

                byte[] line = [.. Auth0PasswordHashJson.ToUtf8(hash), (byte)'\n'];
                if (file is null || (fileBytes > 0 && fileBytes + line.Length > _maxFileBytes))
                {
                    if (file is not null)
                    {
                        await file.DisposeAsync().ConfigureAwait(false);
                    }

                    string path = Path.Combine(directory, $"passwords-{result.Files.Count + 1:D4}.json");
                    if (File.Exists(path))
                    {
                        throw new IOException($"{path} already exists: remove the earlier output or choose another output directory.");
                    }

                    file = OwnerOnlyFile.Create(path);
                    result.Files.Add(path);
                    fileBytes = 0;
                }

                await file.WriteAsync(line, cancellationToken).ConfigureAwait(false);
                fileBytes += line.Length;
                written++;
            }
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }

        result.Counters["passwords_written"] = written;
        result.Counters["users_without_password"] = withoutHash;
        return result;
    }

    /// <summary>The user files of one run, with the organizations and passwords their users have.</summary>
    internal sealed class UserFiles(KindeImportFileWriter writer, string directory, bool withdrawable) : IAsyncDisposable
    {
        private readonly Dictionary<string, int> _organizations = new(StringComparer.Ordinal);

        // Only when withdrawable: per user written, whether it has a password; the organizations of those that have any.
        private readonly List<bool>? _hasPassword = withdrawable ? [] : null;
        private readonly Dictionary<int, string[]>? _organizationsOf = withdrawable ? [] : null;
        private long _passwords;

        public async ValueTask WriteAsync(KindeUser user, CancellationToken cancellationToken)
        {
            await writer.WriteAsync(user, cancellationToken).ConfigureAwait(false);
            _passwords += user.Password is null ? 0 : 1;
            List<string>? organizations = null;
            if (user.OrganizationsOrNull is { } memberships)
            {
                foreach (KindeOrganizationMembership membership in memberships)
                {
                    if (membership.ExternalId.Length > 0)
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(_organizations, membership.ExternalId, out _)++;
                        (organizations ??= []).Add(membership.ExternalId);
                    }
                }
            }

            if (_hasPassword is not null)
            {
                if (organizations is not null)
                {
                    _organizationsOf![_hasPassword.Count] = [.. organizations];
                }

                _hasPassword.Add(user.Password is not null);
            }
        }

        /// <summary>Takes users written earlier out again (<see cref="KindeImportFileWriter.WithdrawAsync"/>).</summary>
        /// <param name="users">The users, by the order they were written in (0 for the first), ascending.</param>
        public async Task WithdrawAsync(IReadOnlyList<long> users)
        {
            await writer.WithdrawAsync(users).ConfigureAwait(false);
            foreach (long user in users)
            {
                _passwords -= _hasPassword![(int)user] ? 1 : 0;
                foreach (string organization in _organizationsOf!.GetValueOrDefault((int)user) ?? [])
                {
                    if ((_organizations[organization] -= 1) == 0)
                    {
                        _organizations.Remove(organization);
                    }
                }
            }
        }

        public async Task<KindeImportResult> CompleteAsync(CancellationToken cancellationToken)
        {
            var result = new KindeImportResult();
            foreach (string file in await writer.CompleteAsync(cancellationToken).ConfigureAwait(false))
            {
                result.Files.Add(file);
            }

            if (_organizations.Count > 0)
            {
                var names = _organizations.Keys.Order(StringComparer.Ordinal).Select(o => (o, o));
                result.Files.Add(await OrganizationsCsvWriter.WriteAsync(directory, names, cancellationToken).ConfigureAwait(false));
            }

            result.Counters["users_written"] = writer.UsersWritten;
            result.Counters["passwords_set"] = _passwords;
            foreach (var (code, count) in writer.Warnings)
            {
                result.Warnings[code] = count;
            }

            return result;
        }

        public ValueTask DisposeAsync() => writer.DisposeAsync();
    }
}
