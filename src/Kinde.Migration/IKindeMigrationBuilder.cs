using Kinde.Migration.Mapping;
using Microsoft.Extensions.DependencyInjection;

namespace Kinde.Migration;

/// <summary>Returned by <c>AddKindeMigration</c>: add mappers and choose the importer with its extension methods.</summary>
public interface IKindeMigrationBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>Gets the mapper chain (first added = outermost, around the default mapper).</summary>
    UserMapperChain Mappers { get; }
}
