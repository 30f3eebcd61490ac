using Kinde.Migration.Auth0;
using Kinde.Migration.Mapping;
using Kinde.Migration.Target;
using Kinde.Migration.Target.Files;

namespace Kinde.Migration.Pipeline;

/// <summary>Composes a <see cref="MigrationRunner"/> in code without dependency injection.</summary>
/// <example>
/// <code>
/// var runner = new MigrationBuilder()
///     .Configure(o => { o.OutputDirectory = "out"; o.Mode = MigrationMode.WithPasswords; })
///     .UseMapper((auth0, kinde, context) => kinde.Properties["source"] = "auth0")
///     .Build();
/// var report = await runner.RunAsync("users.json.gz", "passwords.json");
/// </code>
/// </example>
public sealed class MigrationBuilder
{
    private readonly MigrationOptions _options = new();
    private readonly UserMapperChain _mappers = new();
    private IKindeImporter? _importer;
    private TimeProvider? _timeProvider;
    private bool _built;

    /// <summary>Configures the options.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">The runner was already built (it shares these options).</exception>
    public MigrationBuilder Configure(Action<MigrationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (_built)
        {
            throw new InvalidOperationException("The runner was already built; configure a new MigrationBuilder instead.");
        }

        configure(_options);
        return this;
    }

    /// <summary>Adds a wrapping mapper (first added = outermost).</summary>
    /// <param name="factory">Creates the mapper around the inner one.</param>
    /// <returns>This builder.</returns>
    public MigrationBuilder UseMapper(Func<IUserMapper, IUserMapper> factory)
    {
        _mappers.Use(factory);
        return this;
    }

    /// <summary>Adds a one-off tweak run on every accepted user.</summary>
    /// <param name="enrich">Changes the mapped user in place.</param>
    /// <returns>This builder.</returns>
    public MigrationBuilder UseMapper(Action<Auth0User, KindeUser, MappingContext> enrich)
    {
        _mappers.Use(enrich);
        return this;
    }

    /// <summary>Adds a mapper delegate that decides whether and how to call the inner mappers.</summary>
    /// <param name="map">The mapping delegate.</param>
    /// <returns>This builder.</returns>
    public MigrationBuilder UseMapper(Func<Auth0User, MappingContext, Func<ValueTask<MappingResult>>, CancellationToken, ValueTask<MappingResult>> map)
    {
        _mappers.Use(map);
        return this;
    }

    /// <summary>Replaces the default mapper.</summary>
    /// <param name="mapper">The replacement.</param>
    /// <returns>This builder.</returns>
    public MigrationBuilder ReplaceDefaultMapper(IUserMapper mapper)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        _mappers.ReplaceDefault(_ => mapper);
        return this;
    }

    /// <summary>Sets the importer (default: Kinde import files, NDJSON).</summary>
    /// <param name="importer">The importer.</param>
    /// <returns>This builder.</returns>
    public MigrationBuilder UseImporter(IKindeImporter importer)
    {
        _importer = importer ?? throw new ArgumentNullException(nameof(importer));
        return this;
    }

    /// <summary>Sets the clock used for the report.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    public MigrationBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        return this;
    }

    /// <summary>Builds the runner.</summary>
    /// <returns>The runner.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MigrationRunner Build()
    {
        var validation = new MigrationOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            throw new ArgumentException("Invalid migration options: " + validation.FailureMessage);
        }

        _built = true;
        return new MigrationRunner(_options, _mappers.Build(new DefaultUserMapper(_options.Mapping)), _importer ?? new KindeImportFilesImporter(), timeProvider: _timeProvider);
    }
}
