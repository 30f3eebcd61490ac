using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Testing.Emulator;
using Kinde.Migration.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;

namespace Kinde.Migration.Tests.KindeApi;

/// <summary><see cref="KindeApiServiceCollectionExtensions.AddKindeApiClient"/>: IKindeApi from the container, with the
/// options, the clock and the meter factory of the container.</summary>
[CancelAfter(15_000)]
public sealed class KindeApiServiceCollectionTests
{
    [Test]
    public async Task IKindeApi_Resolves_AndTalksToKinde_WithTheContainersOptionsAndClock()
    {
        var clock = new ManualTimeProvider();
        await using var emulator = await KindeEmulator.StartAsync();
        var recorder = new RecordingHandler(clock);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.Configure<KindeApiOptions>(o =>
        {
            o.Domain = emulator.BaseAddress;
            o.ClientId = "emulator-client";
            o.ClientSecret = "emulator-secret";
            o.RequestsPerSecond = null;
            o.MaxConcurrency = 3;
        });
        services.AddKindeApiClient().ConfigurePrimaryHttpMessageHandler(() => recorder);
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var api = provider.GetRequiredService<IKindeApi>();
        var created = await api.CreateUserAsync(new KindeNewUser(Email: "di@example.com"));
        clock.Advance(TimeSpan.FromHours(2)); // the container's clock says the token expired
        var again = provider.GetRequiredService<IKindeApi>();
        var found = await again.GetUsersByEmailAsync(["di@example.com"]);

        Assert.That(api, Is.TypeOf<KindeApiClient>());
        Assert.That(found, Is.EqualTo(new[] { new KindeUserRef(created.Id, "di@example.com") }));
        Assert.That(emulator.State.TokensIssued, Is.EqualTo(2), "the token cache used the container's clock");
        Assert.That(again.Statistics, Is.SameAs(api.Statistics), "one connection per container");
        Assert.That(api.Statistics.Requests, Is.EqualTo(2));
        Assert.That(recorder.Api.Select(e => e.Status), Is.EqualTo(new[] { 200, 200 }));
        Assert.That(((KindeApiClient)api).Connection.Limiter.CurrentLimit, Is.EqualTo(3), "MaxConcurrency from the options");
        Assert.That(provider.GetRequiredService<TimeProvider>(), Is.SameAs(clock));
    }

    [Test]
    public async Task TheChainIsRetry_Limiter_Token_Primary()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, FailureRate = 1 });
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.Configure<KindeApiOptions>(o =>
        {
            o.Domain = emulator.BaseAddress;
            o.ClientId = "emulator-client";
            o.ClientSecret = "emulator-secret";
            o.MaxAttempts = 3;
        });
        services.AddKindeApiClient();
        await using var provider = services.BuildServiceProvider();
        var api = provider.GetRequiredService<IKindeApi>();

        var ex = Assert.ThrowsAsync<KindeApiException>(() => api.ListRolesAsync());

        Assert.That(ex!.StatusCode, Is.EqualTo(500));
        Assert.That((api.Statistics.Requests, api.Statistics.Retries), Is.EqualTo((3L, 2L)), "every attempt passed the limiter, inside the retry");
        Assert.That(emulator.State.TokensIssued, Is.EqualTo(1), "one token for all the attempts");
    }

    [Test]
    public async Task InvalidOptions_FailWhenTheClientIsResolved()
    {
        var services = new ServiceCollection();
        services.Configure<KindeApiOptions>(o =>
        {
            o.Domain = new Uri("http://example.kinde.com");
            o.ClientId = "c";
            o.ClientSecret = "s";
        });
        services.AddKindeApiClient();
        await using var provider = services.BuildServiceProvider();

        Assert.That(() => provider.GetRequiredService<IKindeApi>(), Throws.TypeOf<ValidationException>().With.Message.Contains("HTTPS"));
    }

    [Test]
    public async Task Metrics_ComeFromTheContainersMeterFactory()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.Configure<KindeApiOptions>(o =>
        {
            o.Domain = new Uri("https://example.kinde.com");
            o.ClientId = "c";
            o.ClientSecret = "s";
        });
        services.AddKindeApiClient();
        await using var provider = services.BuildServiceProvider();

        var metrics = provider.GetRequiredService<KindeApiMetrics>();

        Assert.That(metrics.Meter.Name, Is.EqualTo(KindeMigrationMetrics.MeterName));
        Assert.That(metrics.Meter.Scope, Is.SameAs(provider.GetRequiredService<IMeterFactory>()));
        Assert.That(((KindeApiClient)provider.GetRequiredService<IKindeApi>()).Connection.Metrics, Is.SameAs(metrics));
    }
}
