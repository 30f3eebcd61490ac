using Kinde.Migration.Auth0;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Kinde.Migration.Target.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kinde.Migration;

/// <summary>Mapper and importer registration for <see cref="IKindeMigrationBuilder"/>.</summary>
public static class KindeMigrationBuilderExtensions
{
    /// <summary>Adds a wrapping mapper created by DI (its constructor takes the inner <see cref="IUserMapper"/> plus any services).</summary>
    /// <typeparam name="TMapper">The mapper type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IKindeMigrationBuilder AddUserMapper<TMapper>(this IKindeMigrationBuilder builder)
        where TMapper : DelegatingUserMapper
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Mappers.Use((inner, services) => services is null
            ? throw new InvalidOperationException($"{typeof(TMapper).Name} needs a service provider.")
            : ActivatorUtilities.CreateInstance<TMapper>(services, inner));
        return builder;
    }

    /// <summary>Adds a one-off tweak run on every user the inner mappers accepted.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="enrich">Changes the mapped user in place.</param>
    /// <returns>The builder.</returns>
    public static IKindeMigrationBuilder AddUserMapper(this IKindeMigrationBuilder builder, Action<Auth0User, KindeUser, MappingContext> enrich)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Mappers.Use(enrich);
        return builder;
    }

    /// <summary>Adds a mapper as a delegate that decides whether and how to call the inner mappers (it may reject).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="map">The mapping delegate.</param>
    /// <returns>The builder.</returns>
    public static IKindeMigrationBuilder AddUserMapper(
        this IKindeMigrationBuilder builder,
        Func<Auth0User, MappingContext, Func<ValueTask<MappingResult>>, CancellationToken, ValueTask<MappingResult>> map)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Mappers.Use(map);
        return builder;
    }

    /// <summary>Replaces the built-in <see cref="DefaultUserMapper"/> with <typeparamref name="TMapper"/> (created by DI).</summary>
    /// <typeparam name="TMapper">The replacement.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IKindeMigrationBuilder ReplaceDefaultMapper<TMapper>(this IKindeMigrationBuilder builder)
        where TMapper : class, IUserMapper
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Mappers.ReplaceDefault(services => services is null
            ? throw new InvalidOperationException($"{typeof(TMapper).Name} needs a service provider.")
            : ActivatorUtilities.CreateInstance<TMapper>(services));
        return builder;
    }

    /// <summary>Writes Kinde dashboard import files (the default importer; offline).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="format">NDJSON or CSV.</param>
    /// <param name="maxFileBytes">The largest size of one file.</param>
    /// <returns>The builder.</returns>
    public static IKindeMigrationBuilder UseImportFiles(this IKindeMigrationBuilder builder, KindeImportFileFormat format = KindeImportFileFormat.NdJson, long maxFileBytes = KindeImportFileOptions.DefaultMaxFileBytes)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IKindeImporter>(new KindeImportFilesImporter(format, maxFileBytes)));
        return builder;
    }

    /// <summary>Uses <typeparamref name="TImporter"/> (created by DI) as the sink.</summary>
    /// <typeparam name="TImporter">The importer type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IKindeMigrationBuilder UseImporter<TImporter>(this IKindeMigrationBuilder builder)
        where TImporter : class, IKindeImporter
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IKindeImporter, TImporter>());
        return builder;
    }
}
