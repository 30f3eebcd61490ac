using System.Buffers;
using System.Collections.ObjectModel;
using System.Globalization;
using Kinde.Migration.Internal;
using Kinde.Migration.Target.Files.Internal;

namespace Kinde.Migration.Target.Files;

/// <summary>
/// Writes <see cref="KindeUser"/> values into the files Kinde's dashboard imports (Users › Import users):
/// "Custom NDJSON" or "Custom CSV", split into <c>{prefix}-0001.ndjson</c>, <c>{prefix}-0002.ndjson</c>, … so that no
/// file is larger than <see cref="KindeImportFileOptions.MaxFileBytes"/>.
/// </summary>
/// <remarks>
/// <para>A user's data (its NDJSON line, or all of its CSV rows) is never split across files. A user larger than the
/// limit on its own is written alone into its own file and counted in <see cref="Warnings"/>
/// (<see cref="KindeImportWarnings.UserExceedsMaxFileBytes"/>). Every CSV file starts with the header.</para>
/// <para>The output is deterministic (the same users in the same order give byte-identical files): UTF-8 without a
/// byte order mark, <c>\n</c> line endings, properties sorted by key.</para>
/// <para>Files can hold password hashes: on Unix every file is created readable and writable by its owner only
/// (<c>0600</c>). Creating the writer fails when the directory already holds files of this prefix and format,
/// so that stale parts of an earlier run are never mixed with, or imported alongside, a new one.</para>
/// <para><b>NDJSON</b> lines follow Kinde's "Custom NDJSON" schema: <c>id</c>, <c>first_name</c>, <c>last_name</c>,
/// <c>password</c> (<c>hashed_password</c>, <c>hashing_algorithm</c>, <c>salt</c>, <c>salt_format</c>,
/// <c>salt_position</c>; left out for users without a password), <c>identities</c> (<c>type</c>, <c>identity</c>,
/// <c>is_verified</c>, <c>provider</c>, <c>profile</c>), <c>properties</c> (<c>key</c>, <c>value</c>) and
/// <c>organizations</c> (<c>external_id</c>, <c>roles</c>, <c>permissions</c>). Null values are left out. Strings are
/// escaped with the default JSON rules (<c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, <c>'</c>, <c>+</c> and control
/// characters as <c>\uXXXX</c>), but letters of every script stay readable.</para>
/// <para><b>CSV</b> files follow Kinde's "Custom CSV" columns: <c>id, email, email_verified, phone, phone_verified,
/// username, first_name, last_name, hashed_password, hashing_method, salt, salt_position, salt_format,
/// external_organization_id, roles, permissions</c>. Booleans are <c>TRUE</c>/<c>FALSE</c> (empty when unknown).
/// A user gets one row per organization (the same user data repeated), or one row with empty organization columns
/// when it has none; roles and permissions are comma-separated inside one (quoted) cell. Only the first email,
/// phone and username identity fit: further and social identities, and properties, are left out and counted in
/// <see cref="Warnings"/>.</para>
/// <para><b>Spreadsheets:</b> values are written exactly as they are, because Kinde must receive the exact data.
/// A value that starts with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c> (a name such as <c>=HYPERLINK(…)</c>) is
/// <em>not</em> defused, so a spreadsheet program would run it as a formula: import the files into Kinde, do not open
/// them in a spreadsheet.</para>
/// <para>Picture and suspension have no field in either format; users that have them are counted in
/// <see cref="Warnings"/> and need the Management API.</para>
/// <para>An instance is not thread-safe: call <see cref="WriteAsync"/> from one caller at a time, then
/// <see cref="CompleteAsync"/>.</para>
/// </remarks>
public sealed class KindeImportFileWriter : IAsyncDisposable
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _directory;
    private readonly string _prefix;
    private readonly long _maxFileBytes;
    private readonly IUserEncoder _encoder;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly WarningSet _userWarnings = new();
    private readonly SortedDictionary<string, long> _warnings = new(StringComparer.Ordinal);
    private readonly List<string> _paths = [];

    // Kept only when the runner may withdraw users (its single pass): per user written, its bytes and its warnings
    // (as a number into the distinct sets seen); per file, the first user in it.
    private List<int>? _userBytes;
    private Dictionary<int, int>? _userRowsOtherThanOne;
    private List<ushort>? _userWarningSet;
    private List<string[]>? _warningSets;
    private List<long>? _fileFirstUser;

    private FileStream? _stream;
    private Task? _closing;
    private long _fileBytes;
    private long _fileUsers;
    private bool _completed;
    private bool _faulted;
    private bool _disposed;

    private KindeImportFileWriter(string directory, string prefix, long maxFileBytes, IUserEncoder encoder)
    {
        _directory = directory;
        _prefix = prefix;
        _maxFileBytes = maxFileBytes;
        _encoder = encoder;
        Warnings = new ReadOnlyDictionary<string, long>(_warnings);
    }

    /// <summary>Gets the number of users written.</summary>
    public long UsersWritten { get; private set; }

    /// <summary>Gets the number of data rows written: CSV rows (headers not counted; one per user and
    /// organization), or NDJSON lines (one per user).</summary>
    public long RowsWritten { get; private set; }

    /// <summary>Gets, per warning key (see <see cref="KindeImportWarnings"/>), the number of users it applied to,
    /// ordered by key. The users were still written.</summary>
    public IReadOnlyDictionary<string, long> Warnings { get; }

    /// <summary>Creates the output directory if needed and opens the first file.</summary>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The writer; dispose it (or call <see cref="CompleteAsync"/>) when done.</returns>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="IOException">The directory already holds files of this prefix and format, or cannot be
    /// written.</exception>
    public static async Task<KindeImportFileWriter> CreateAsync(KindeImportFileOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();

        string directory = Path.GetFullPath(options.OutputDirectory);
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, OwnerOnlyDirectory);
            }
        }

        IUserEncoder encoder = options.Format == KindeImportFileFormat.Csv ? new CsvUserEncoder() : new NdJsonUserEncoder();
        ThrowIfEarlierOutputExists(directory, options.FilePrefix, encoder.Extension);

        var writer = new KindeImportFileWriter(directory, options.FilePrefix, options.MaxFileBytes, encoder);
        try
        {
            await writer.OpenNextFileAsync().ConfigureAwait(false);
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return writer;
    }

    /// <summary>Writes one user, starting a new file first when the user does not fit into the current one.</summary>
    /// <param name="user">The user.</param>
    /// <param name="cancellationToken">The cancellation token; checked before the user is written, never while its
    /// bytes are being written, so a user is always written whole.</param>
    /// <returns>A task that completes when the user is written.</returns>
    /// <exception cref="InvalidOperationException">The writer was completed, or an earlier write failed.</exception>
    public async ValueTask WriteAsync(KindeUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ThrowIfNotWritable();
        cancellationToken.ThrowIfCancellationRequested();

        // Not Clear(): it zeroes the bytes that the next user overwrites anyway.
        _buffer.ResetWrittenCount();
        _userWarnings.Clear();
        if (!string.IsNullOrEmpty(user.Picture))
        {
            _userWarnings.Add(KindeImportWarnings.PictureNotInImportFile);
        }

        if (user.Suspended)
        {
            _userWarnings.Add(KindeImportWarnings.SuspendedNeedsApi);
        }

        int rows = _encoder.Encode(user, _buffer, _userWarnings);
        int length = _buffer.WrittenCount;

        try
        {
            if (_fileUsers > 0 && _fileBytes + length > _maxFileBytes)
            {
                // The full file is flushed to disk in the background while the next one fills.
                await CloseInBackgroundAsync().ConfigureAwait(false);
                await OpenNextFileAsync().ConfigureAwait(false);
            }

            if (_fileBytes + length > _maxFileBytes)
            {
                // The file holds nothing but the header: the user alone is too big; it stays alone in this file.
                _userWarnings.Add(KindeImportWarnings.UserExceedsMaxFileBytes);
            }

            // A synchronous write: it lands in the stream's 64 KiB buffer; an asynchronous one per user cost a
            // semaphore and a state machine each, more than encoding the user.
            _stream!.Write(_buffer.WrittenSpan);
        }
        catch
        {
            _faulted = true;
            throw;
        }

        _fileBytes += length;
        _fileUsers++;
        UsersWritten++;
        RowsWritten += rows;
        IReadOnlyList<string> keys = _userWarnings.Keys;
        for (int i = 0; i < keys.Count; i++)
        {
            _warnings[keys[i]] = _warnings.GetValueOrDefault(keys[i]) + 1;
        }

        if (_userBytes is not null)
        {
            if (rows != 1)
            {
                _userRowsOtherThanOne![_userBytes.Count] = rows;
            }

            _userBytes.Add(length);
            _userWarningSet!.Add(WarningSetNumber(keys));
        }
    }

    /// <summary>From now on, remembers where each user is written, so that <see cref="WithdrawAsync"/> can take users out
    /// again (6 bytes a user).</summary>
    /// <exception cref="InvalidOperationException">Users were written already.</exception>
    internal void TrackUsers()
    {
        if (UsersWritten > 0 || _paths.Count != 1)
        {
            throw new InvalidOperationException("Users are tracked from the first one on.");
        }

        _userBytes = [];
        _userRowsOtherThanOne = [];
        _userWarningSet = [];
        _warningSets = [[]];
        _fileFirstUser = [0];
    }

    /// <summary>Takes users written earlier out of the files (their bytes, counts and warnings), then goes on writing
    /// at the end of the last file.</summary>
    /// <param name="users">The users to take out, by the order they were written in (0 for the first user written
    /// since <see cref="TrackUsers"/>), ascending.</param>
    internal async Task WithdrawAsync(IReadOnlyList<long> users)
    {
        if (_userBytes is null)
        {
            throw new InvalidOperationException("Users are withdrawn only when tracked.");
        }

        ThrowIfNotWritable();
        if (users.Count == 0)
        {
            return;
        }

        await AwaitClosingAsync().ConfigureAwait(false);
        await CloseFileAsync().ConfigureAwait(false);
        int next = 0;
        var emptied = new List<int>();
        for (int file = 0; file < _fileFirstUser!.Count && next < users.Count; file++)
        {
            long first = _fileFirstUser[file];
            long end = file + 1 < _fileFirstUser.Count ? _fileFirstUser[file + 1] : _userBytes.Count;
            var ranges = new List<(long Offset, long Length)>();
            long offset = _encoder.Header.Length;
            int left = 0;
            for (long user = first; user < end; user++)
            {
                int bytes = _userBytes[(int)user];
                if (next < users.Count && users[next] == user)
                {
                    ranges.Add((offset, bytes));
                    RowsWritten -= _userRowsOtherThanOne!.GetValueOrDefault((int)user, 1);
                    foreach (string key in _warningSets![_userWarningSet![(int)user]])
                    {
                        if ((_warnings[key] -= 1) == 0)
                        {
                            _warnings.Remove(key);
                        }
                    }

                    _userBytes[(int)user] = 0;
                    next++;
                }
                else
                {
                    left += bytes > 0 ? 1 : 0;
                }

                offset += bytes;
            }

            if (ranges.Count > 0)
            {
                FileRewriter.RemoveRanges(_paths[file], ranges, durable: true);
                UsersWritten -= ranges.Count;
                if (left == 0)
                {
                    emptied.Add(file);
                }
            }
        }

        RemoveEmptiedFiles(emptied);

        // Goes on at the end of the last file.
        string last = _paths[^1];
        _stream = OwnerOnlyFile.Create(last, FileMode.Append);
        _fileBytes = _stream.Length;
        _fileUsers = 0;
        for (long user = _fileFirstUser[^1]; user < _userBytes.Count; user++)
        {
            _fileUsers += _userBytes[(int)user] > 0 ? 1 : 0;
        }
    }

    /// <summary>Deletes the files that withdrawal left without users (never the only one) and renumbers the rest, so the
    /// files stay <c>-0001</c>, <c>-0002</c>, … with no empty file to import.</summary>
    private void RemoveEmptiedFiles(List<int> emptied)
    {
        for (int i = emptied.Count - 1; i >= 0 && _paths.Count > 1; i--)
        {
            File.Delete(_paths[emptied[i]]);
            _paths.RemoveAt(emptied[i]);
            _fileFirstUser!.RemoveAt(emptied[i]);
        }

        for (int file = 0; file < _paths.Count; file++)
        {
            string path = Path.Combine(_directory, FileName(file));
            if (!string.Equals(path, _paths[file], StringComparison.Ordinal))
            {
                File.Move(_paths[file], path);
                _paths[file] = path;
            }
        }
    }

    private string FileName(int index) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}-{index + 1:D4}.{_encoder.Extension}");

    private static bool SameKeys(string[] set, IReadOnlyList<string> keys)
    {
        if (set.Length != keys.Count)
        {
            return false;
        }

        for (int i = 0; i < set.Length; i++)
        {
            if (!string.Equals(set[i], keys[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private ushort WarningSetNumber(IReadOnlyList<string> keys)
    {
        List<string[]> sets = _warningSets!;
        for (int i = 0; i < sets.Count; i++)
        {
            if (SameKeys(sets[i], keys))
            {
                return (ushort)i;
            }
        }

        sets.Add([.. keys]);
        return sets.Count <= ushort.MaxValue ? (ushort)(sets.Count - 1) : throw new InvalidOperationException("Too many distinct warning sets to track.");
    }

    /// <summary>Flushes and closes the last file.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The full paths of every file written, in order. With no users written, the one (empty, or for CSV
    /// header-only) file.</returns>
    /// <exception cref="InvalidOperationException">An earlier write failed.</exception>
    public async Task<IReadOnlyList<string>> CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed && !_completed, this);
        if (_completed)
        {
            return _paths.AsReadOnly();
        }

        if (_faulted)
        {
            throw new InvalidOperationException("An earlier write failed; the import files are incomplete.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        await CloseFileAsync().ConfigureAwait(false);
        await AwaitClosingAsync().ConfigureAwait(false);
        _completed = true;
        _encoder.Dispose();
        return _paths.AsReadOnly();
    }

    /// <summary>Closes the current file. Users already written stay in the files; a writer disposed without
    /// <see cref="CompleteAsync"/> may leave its last file unflushed to disk.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_closing is not null)
        {
            await _closing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _closing = null;
        }

        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            _stream = null;
        }

        if (!_completed)
        {
            _encoder.Dispose();
        }
    }

    private static void ThrowIfEarlierOutputExists(string directory, string prefix, string extension)
    {
        foreach (string file in Directory.EnumerateFiles(directory, $"{prefix}-*.{extension}"))
        {
            string name = Path.GetFileNameWithoutExtension(file);
            ReadOnlySpan<char> number = name.AsSpan(prefix.Length + 1);
            if (Path.GetExtension(file) == "." + extension && number.Length >= 4 && !number.ContainsAnyExceptInRange('0', '9'))
            {
                throw new IOException(
                    $"'{directory}' already holds import files of an earlier run ('{Path.GetFileName(file)}'); " +
                    "remove them or choose another directory or prefix.");
            }
        }
    }

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The writer was completed.");
        }

        if (_faulted)
        {
            throw new InvalidOperationException("An earlier write failed; the import files are incomplete.");
        }
    }

    private async Task OpenNextFileAsync()
    {
        string path = Path.Combine(_directory, FileName(_paths.Count));
        _stream = OwnerOnlyFile.Create(path, FileMode.CreateNew);
        _paths.Add(path);
        _fileFirstUser?.Add(_userBytes!.Count);
        _fileUsers = 0;
        _fileBytes = _encoder.Header.Length;
        if (!_encoder.Header.IsEmpty)
        {
            await _stream.WriteAsync(_encoder.Header, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Starts closing the current file on another thread, after the one before it has closed (so at most
    /// one file is in flight, and a failure to close surfaces at the next file or at completion).</summary>
    private async Task CloseInBackgroundAsync()
    {
        await AwaitClosingAsync().ConfigureAwait(false);
        FileStream stream = _stream!;
        _stream = null;
        _closing = Task.Run(() => CloseAsync(stream));
    }

    private async Task AwaitClosingAsync()
    {
        if (_closing is { } closing)
        {
            _closing = null;
            await closing.ConfigureAwait(false);
        }
    }

    private async Task CloseFileAsync()
    {
        if (_stream is null)
        {
            return;
        }

        FileStream stream = _stream;
        _stream = null;
        await CloseAsync(stream).ConfigureAwait(false);
    }

    private static async Task CloseAsync(FileStream stream)
    {
        try
        {
            await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
