using Kinde.Migration.Auth0;

namespace Kinde.Migration.Mapping;

/// <summary>Turns an Auth0 user into a Kinde user. Mappers chain: each may change, enrich or reject the result of the one it wraps.</summary>
/// <remarks>
/// A mapper returns <see cref="MappingResult.Reject(string[])"/> for a user it cannot or should not migrate; the run
/// counts it, writes it to the rejected file with the reason, and goes on. A mapper that throws is a bug: the run
/// stops. The built-in <see cref="DefaultUserMapper"/> sits innermost; mappers added by host code wrap it, the first
/// registered being the outermost (derive from <see cref="DelegatingUserMapper"/>).
/// </remarks>
public interface IUserMapper
{
    /// <summary>Maps one user.</summary>
    /// <param name="source">The Auth0 user as read from the export.</param>
    /// <param name="context">The joined password hash, the migration mode, and a place for warnings.</param>
    /// <param name="cancellationToken">Stops the mapping.</param>
    /// <returns>The Kinde user, or a rejection with reasons.</returns>
    ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default);
}
