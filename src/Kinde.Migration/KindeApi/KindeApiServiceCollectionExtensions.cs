using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kinde.Migration.KindeApi;

/// <summary>Registers the Kinde Management API client.</summary>
internal static class KindeApiServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IKindeApi"/> as a typed HTTP client (<see cref="KindeApiClient"/>) configured from
    /// <see cref="IOptions{TOptions}"/> of <see cref="KindeApiOptions"/> (validated when the client is first resolved),
    /// with the handler chain of <see cref="KindeApiConnection"/>: retry (outermost), rate and concurrency limiter,
    /// attempt timeout, token handler, primary handler. Also registers <see cref="TimeProvider.System"/> unless a
    /// <see cref="TimeProvider"/> is registered, <see cref="KindeApiMetrics"/> (from the <see cref="IMeterFactory"/> when
    /// there is one) and the shared <see cref="KindeApiConnection"/>, all singletons.</summary>
    /// <param name="services">The services.</param>
    /// <returns>The HTTP client builder, to change the primary handler for example.</returns>
    internal static IHttpClientBuilder AddKindeApiClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KindeApiOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new KindeApiMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new KindeApiConnection(
            sp.GetRequiredService<IOptions<KindeApiOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<KindeApiMetrics>()));
        return services
            .AddHttpClient<IKindeApi, KindeApiClient>((http, sp) => new KindeApiClient(http, sp.GetRequiredService<KindeApiConnection>()))
            .ConfigureHttpClient((sp, http) => sp.GetRequiredService<KindeApiConnection>().ConfigureHttpClient(http))
            .ConfigurePrimaryHttpMessageHandler(KindeApiConnection.CreatePrimaryHandler)
            .ConfigureAdditionalHttpMessageHandlers((handlers, sp) =>
            {
                foreach (var handler in sp.GetRequiredService<KindeApiConnection>().CreateHandlers())
                {
                    handlers.Add(handler);
                }
            });
    }
}
