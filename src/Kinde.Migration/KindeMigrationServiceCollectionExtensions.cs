using System.ComponentModel.DataAnnotations;
using Kinde.Migration.Auth0.Reading;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kinde.Migration;

/// <summary>Registers Kinde.Migration with dependency injection.</summary>
public static class KindeMigrationServiceCollectionExtensions
{
    /// <summary>Adds the migration pipeline: readers, the mapper chain around <see cref="DefaultUserMapper"/>, the
    /// Kinde import-file importer (unless another is chosen) and <see cref="MigrationRunner"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to add mappers and choose the importer.</returns>
    public static IKindeMigrationBuilder AddKindeMigration(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(UserMapperChain) && d.ImplementationInstance is not null);
        var chain = (UserMapperChain?)existing?.ImplementationInstance ?? new UserMapperChain();
        if (existing is null)
        {
            services.AddSingleton(chain);
        }

        services.AddOptions<MigrationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MigrationOptions>, MigrationOptionsValidator>());
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAuth0UserReader>(sp => new Auth0UserReader(sp.GetRequiredService<IOptions<MigrationOptions>>().Value.Reader));
        services.TryAddSingleton<IPasswordHashReader>(sp => new PasswordHashReader(sp.GetRequiredService<IOptions<MigrationOptions>>().Value.Reader));
        services.TryAddSingleton(sp => new DefaultUserMapper(sp.GetRequiredService<IOptions<MigrationOptions>>().Value.Mapping));
        services.TryAddSingleton<IUserMapper>(sp => sp.GetRequiredService<UserMapperChain>().Build(sp.GetRequiredService<DefaultUserMapper>(), sp));
        services.TryAddSingleton<IKindeImporter>(_ => new KindeImportFilesImporter());
        services.TryAddTransient(sp => new MigrationRunner(
            sp.GetRequiredService<IOptions<MigrationOptions>>().Value,
            sp.GetRequiredService<IUserMapper>(),
            sp.GetRequiredService<IKindeImporter>(),
            sp.GetRequiredService<IAuth0UserReader>(),
            sp.GetRequiredService<IPasswordHashReader>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MigrationRunner>>()));
        return new KindeMigrationBuilder(services, chain);
    }

    /// <summary>Adds the migration pipeline and configures its options.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder to add mappers and choose the importer.</returns>
    public static IKindeMigrationBuilder AddKindeMigration(this IServiceCollection services, Action<MigrationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddKindeMigration();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds the migration pipeline with options bound from configuration (e.g. the <c>KindeMigration</c> section).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding <see cref="MigrationOptions"/>.</param>
    /// <returns>A builder to add mappers and choose the importer.</returns>
    public static IKindeMigrationBuilder AddKindeMigration(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddKindeMigration();
        services.Configure<MigrationOptions>(configuration);
        return builder;
    }

    private sealed class KindeMigrationBuilder(IServiceCollection services, UserMapperChain mappers) : IKindeMigrationBuilder
    {
        public IServiceCollection Services { get; } = services;

        public UserMapperChain Mappers { get; } = mappers;
    }
}

/// <summary>Validates <see cref="MigrationOptions"/> and its nested options with their data annotations, at start-up.</summary>
internal sealed class MigrationOptionsValidator : IValidateOptions<MigrationOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationOptions options)
    {
        var failures = new List<string>();
        foreach (object target in new object[] { options, options.Reader, options.Mapping, options.Validation })
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(target, new ValidationContext(target), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"{target.GetType().Name}: {r.ErrorMessage}"));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
