using Kinde.Migration.Auth0;

namespace Kinde.Migration.Mapping;

/// <summary>Base class for mappers that wrap another: call <see cref="InnerMapper"/>, then change, enrich or reject its result.</summary>
/// <example>
/// <code>
/// sealed class PlanMapper(IUserMapper inner) : DelegatingUserMapper(inner)
/// {
///     public override async ValueTask&lt;MappingResult&gt; MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
///     {
///         var result = await base.MapAsync(source, context, cancellationToken);
///         result.User?.Properties.Add("plan", "gold");
///         return result;
///     }
/// }
/// </code>
/// </example>
public abstract class DelegatingUserMapper : IUserMapper
{
    /// <summary>Initializes a new instance of the <see cref="DelegatingUserMapper"/> class.</summary>
    /// <param name="innerMapper">The mapper this one wraps.</param>
    protected DelegatingUserMapper(IUserMapper innerMapper)
    {
        InnerMapper = innerMapper ?? throw new ArgumentNullException(nameof(innerMapper));
    }

    /// <summary>Gets the wrapped mapper.</summary>
    protected IUserMapper InnerMapper { get; }

    /// <inheritdoc />
    public virtual ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default) =>
        InnerMapper.MapAsync(source, context, cancellationToken);
}
