using Kinde.Migration.Auth0;
using Kinde.Migration.Importing;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;
using Kinde.Migration.Target.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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

    /// <summary>Sends the users to Kinde through the Management API (<see cref="KindeApiImporter"/>), with
    /// <see cref="KindeApiOptions"/> and <see cref="KindeApiImportOptions"/> bound from <paramref name="kindeSection"/>
    /// (for example <c>KindeMigration:Kinde</c>: <c>Domain</c>, <c>ClientId</c>, <c>ClientSecret</c>,
    /// <c>RequestsPerSecond</c>, <c>MaxConcurrency</c>, <c>ExistingUsers</c>, …) and validated at start-up. Also
    /// registers <see cref="KindeApiUndo"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="kindeSection">The configuration section holding both option sets.</param>
    /// <param name="dryRun"><see langword="true"/> to plan only: read Kinde, change nothing.</param>
    /// <returns>The builder.</returns>
    public static IKindeMigrationBuilder UseKindeApi(this IKindeMigrationBuilder builder, IConfiguration kindeSection, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(kindeSection);
        builder.Services.Configure<KindeApiOptions>(kindeSection);
        builder.Services.Configure<KindeApiImportOptions>(kindeSection);
        return builder.UseKindeApi(dryRun: dryRun);
    }

    /// <summary>Sends the users to Kinde through the Management API (<see cref="KindeApiImporter"/>), with options set
    /// in code and validated at start-up. Also registers <see cref="KindeApiUndo"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configureApi">Sets the connection options (domain, credentials, rate).</param>
    /// <param name="configureImport">Sets the import options (ledger, policies).</param>
    /// <param name="dryRun"><see langword="true"/> to plan only: read Kinde, change nothing.</param>
    /// <returns>The builder.</returns>
    public static IKindeMigrationBuilder UseKindeApi(
        this IKindeMigrationBuilder builder, Action<KindeApiOptions>? configureApi = null, Action<KindeApiImportOptions>? configureImport = null, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var api = services.AddOptions<KindeApiOptions>().ValidateDataAnnotations().ValidateOnStart();
        var import = services.AddOptions<KindeApiImportOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configureApi is not null)
        {
            api.Configure(configureApi);
        }

        if (configureImport is not null)
        {
            import.Configure(configureImport);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddKindeApiClient();
        services.Replace(ServiceDescriptor.Singleton<IKindeImporter>(sp => new KindeApiImporter(
            sp.GetRequiredService<IKindeApi>(),
            sp.GetRequiredService<IOptions<KindeApiImportOptions>>().Value,
            dryRun,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<KindeApiImporter>>())));
        services.TryAddSingleton(sp => new KindeApiUndo(sp.GetRequiredService<IKindeApi>(), sp.GetService<ILogger<KindeApiUndo>>()));
        return builder;
    }
}
