using Kinde.Migration.Auth0;
using Kinde.Migration.Target;

namespace Kinde.Migration.Mapping;

/// <summary>Builds the mapper chain: the default (or a replacement) innermost, added mappers around it, first added outermost.</summary>
public sealed class UserMapperChain
{
    private readonly List<Func<IUserMapper, IServiceProvider?, IUserMapper>> _factories = [];
    private Func<IServiceProvider?, IUserMapper>? _innermost;

    /// <summary>Adds a wrapping mapper built from the mapper it wraps.</summary>
    /// <param name="factory">Creates the mapper around the inner one.</param>
    /// <returns>This chain.</returns>
    public UserMapperChain Use(Func<IUserMapper, IUserMapper> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factories.Add((inner, _) => factory(inner));
        return this;
    }

    /// <summary>Adds a wrapping mapper built from the mapper it wraps and the service provider (DI).</summary>
    /// <param name="factory">Creates the mapper around the inner one.</param>
    /// <returns>This chain.</returns>
    public UserMapperChain Use(Func<IUserMapper, IServiceProvider?, IUserMapper> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factories.Add(factory);
        return this;
    }

    /// <summary>Adds a one-off tweak that runs on every user the inner mappers accepted.</summary>
    /// <param name="enrich">Changes the mapped user in place.</param>
    /// <returns>This chain.</returns>
    public UserMapperChain Use(Action<Auth0User, KindeUser, MappingContext> enrich)
    {
        ArgumentNullException.ThrowIfNull(enrich);
        return Use(inner => new LambdaMapper(inner, async (source, context, next, ct) =>
        {
            var result = await next().ConfigureAwait(false);
            if (result.User is { } user)
            {
                enrich(source, user, context);
            }

            return result;
        }));
    }

    /// <summary>Adds a mapper as a delegate that decides whether and how to call the inner mappers.</summary>
    /// <param name="map">Receives the source, the context, a function that runs the inner mappers, and the token.</param>
    /// <returns>This chain.</returns>
    public UserMapperChain Use(Func<Auth0User, MappingContext, Func<ValueTask<MappingResult>>, CancellationToken, ValueTask<MappingResult>> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Use(inner => new LambdaMapper(inner, map));
    }

    /// <summary>Replaces the built-in <see cref="DefaultUserMapper"/> as the innermost mapper.</summary>
    /// <param name="factory">Creates the replacement.</param>
    /// <returns>This chain.</returns>
    public UserMapperChain ReplaceDefault(Func<IServiceProvider?, IUserMapper> factory)
    {
        _innermost = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>Builds the chain.</summary>
    /// <param name="defaultMapper">The innermost mapper unless replaced.</param>
    /// <param name="services">The service provider, when built from DI.</param>
    /// <returns>The outermost mapper.</returns>
    public IUserMapper Build(IUserMapper defaultMapper, IServiceProvider? services = null)
    {
        IUserMapper mapper = _innermost?.Invoke(services) ?? defaultMapper;
        for (int i = _factories.Count - 1; i >= 0; i--)
        {
            mapper = _factories[i](mapper, services);
        }

        return mapper;
    }

    private sealed class LambdaMapper(
        IUserMapper inner,
        Func<Auth0User, MappingContext, Func<ValueTask<MappingResult>>, CancellationToken, ValueTask<MappingResult>> map)
        : DelegatingUserMapper(inner)
    {
        public override ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default) =>
            map(source, context, () => InnerMapper.MapAsync(source, context, cancellationToken), cancellationToken);
    }
}
