using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kinde.Migration.Internal;
using Kinde.Migration.Target;

namespace Kinde.Migration.Importing;

/// <summary>Holds the accepted users on disk between preflight and import: preflight must know every organization,
/// role, permission and property the run needs before any user is touched, and the users must not all sit in memory.
/// The file holds password hashes, so it is owner-only and deleted when the spool is disposed.</summary>
internal sealed class UserSpool : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly Utf8JsonWriter _writer;

    private UserSpool(FileStream file)
    {
        _file = file;
        _writer = new Utf8JsonWriter(file);
    }

    public long Count { get; private set; }

    public static UserSpool Create(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $".kinde-import-spool-{Guid.NewGuid():N}.tmp");
        var file = OwnerOnlyFile.Create(path, FileMode.CreateNew, FileAccess.ReadWrite, OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        if (!OperatingSystem.IsWindows())
        {
            // Unlinked at once: the open handle keeps the data, and a killed process leaves no file of hashes behind.
            File.Delete(path);
        }

        return new UserSpool(file);
    }

    public async ValueTask WriteAsync(KindeUser user, CancellationToken cancellationToken)
    {
        JsonSerializer.Serialize(_writer, SpooledUser.From(user), SpoolJsonContext.Default.SpooledUser);
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        _writer.Reset();
        _file.WriteByte((byte)'\n');
        Count++;
    }

    /// <summary>Reads the users back in the order written, in batches.</summary>
    public async IAsyncEnumerable<IReadOnlyList<KindeUser>> ReadBatchesAsync(int batchSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        _file.Position = 0;
        using var reader = new StreamReader(_file, leaveOpen: true);
        var batch = new List<KindeUser>(batchSize);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            batch.Add(JsonSerializer.Deserialize(line, SpoolJsonContext.Default.SpooledUser)!.ToUser());
            if (batch.Count == batchSize)
            {
                yield return batch;
                batch = new List<KindeUser>(batchSize);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The spool's line: a <see cref="KindeUser"/> without the parts the API importer does not use (social
/// profiles, the Auth0 hash record).</summary>
internal sealed record SpooledUser(
    string? Id,
    string? FirstName,
    string? LastName,
    string? Picture,
    IReadOnlyList<SpooledIdentity> Identities,
    SpooledPassword? Password,
    IReadOnlyList<SpooledMembership> Organizations,
    IReadOnlyDictionary<string, string> Properties,
    bool Suspended,
    IReadOnlyList<string> SourceUserIds)
{
    public static SpooledUser From(KindeUser user) => new(
        user.Id,
        user.FirstName,
        user.LastName,
        user.Picture,
        [.. user.Identities.Select(i => new SpooledIdentity(i.Type, i.Value, i.IsVerified, i.Provider))],
        user.Password is { } p ? new SpooledPassword(p.HashedPassword, p.HashingMethod, p.Salt, p.SaltPosition, p.SaltFormat, p.Iterations, p.Variant) : null,
        [.. user.Organizations.Select(m => new SpooledMembership(m.ExternalId, [.. m.Roles], [.. m.Permissions]))],
        new Dictionary<string, string>(user.Properties, StringComparer.Ordinal),
        user.Suspended,
        [.. user.SourceUserIds]);

    public KindeUser ToUser()
    {
        var user = new KindeUser { Id = Id, FirstName = FirstName, LastName = LastName, Picture = Picture, Suspended = Suspended };
        foreach (var i in Identities)
        {
            user.Identities.Add(new KindeIdentity(i.Type, i.Value, i.IsVerified) { Provider = i.Provider });
        }

        if (Password is { } p)
        {
            user.Password = new KindePassword
            {
                HashedPassword = p.Hash, HashingMethod = p.Method, Salt = p.Salt, SaltPosition = p.SaltPosition, SaltFormat = p.SaltFormat,
                Iterations = p.Iterations, Variant = p.Variant,
            };
        }

        foreach (var m in Organizations)
        {
            user.Organizations.Add(new KindeOrganizationMembership(m.ExternalId) { Roles = [.. m.Roles], Permissions = [.. m.Permissions] });
        }

        foreach (var (key, value) in Properties)
        {
            user.Properties[key] = value;
        }

        foreach (string id in SourceUserIds)
        {
            user.SourceUserIds.Add(id);
        }

        return user;
    }
}

internal sealed record SpooledIdentity(string Type, string Value, bool? IsVerified, string? Provider);

internal sealed record SpooledPassword(
    string Hash, string Method, string? Salt, string? SaltPosition, string? SaltFormat, int? Iterations, string? Variant)
{
    public override string ToString() => $"{Method} password (hash hidden)";
}

internal sealed record SpooledMembership(string ExternalId, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SpooledUser))]
internal sealed partial class SpoolJsonContext : JsonSerializerContext;
