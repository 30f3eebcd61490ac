using System.Diagnostics.Metrics;
using Kinde.Migration.KindeApi;
using Kinde.Migration.Testing.Emulator;
using Kinde.Migration.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;

namespace Kinde.Migration.Tests.KindeApi;

/// <summary>The instruments of <see cref="KindeMigrationMetrics"/>, read with a <see cref="MeterListener"/> on a meter
/// of its own (from a meter factory), so other tests' measurements do not mix in.</summary>
[CancelAfter(15_000)]
public sealed class KindeApiMetricsTests
{
    [Test]
    public async Task Requests_Throttles_Retries_Durations_AndUsers_AreMeasured()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, RequestsPerSecond = 1 });
        await using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new KindeApiMetrics(provider.GetRequiredService<IMeterFactory>());
        using var recorder = new Recorder(metrics.Meter);
        var options = new KindeApiOptions
        {
            Domain = emulator.BaseAddress, ClientId = "emulator-client", ClientSecret = "emulator-secret", RequestsPerSecond = null,
        };
        using var client = KindeApiClient.Create(options, clock, metrics: metrics);

        var user = await client.CreateUserAsync(new KindeNewUser(Email: "m@example.com")); // 200
        await client.SetPasswordAsync(user.Id, new KindePasswordRequest("$2a$10$x", "bcrypt")); // 429, then 200
        metrics.UserProcessed(KindeApiMetrics.Imported);
        metrics.UserProcessed(KindeApiMetrics.PasswordsSet);

        Assert.That(recorder.Get("kinde_migration.requests"), Is.EquivalentTo(new[]
        {
            "1 operation=POST /api/v1/user status_code=200",
            "1 operation=PUT /api/v1/users/{user_id}/password status_code=429",
            "1 operation=PUT /api/v1/users/{user_id}/password status_code=200",
        }));
        Assert.That(recorder.Get("kinde_migration.throttled"), Is.EqualTo(new[] { "1 operation=PUT /api/v1/users/{user_id}/password" }));
        Assert.That(recorder.Get("kinde_migration.retries"), Is.EqualTo(new[] { "1 operation=PUT /api/v1/users/{user_id}/password" }));
        Assert.That(recorder.Get("kinde_migration.request.duration"), Has.Count.EqualTo(3));
        Assert.That(recorder.Get("kinde_migration.users"), Is.EqualTo(new[] { "1 outcome=imported", "1 outcome=passwords_set" }));
        Assert.That(string.Join('\n', recorder.All), Does.Not.Contain(user.Id).And.Not.Contain("m@example.com"), "no ids or emails in tags");
    }

    [Test]
    public async Task ARequestWithoutAnswer_IsTaggedWithTheError()
    {
        var clock = new ManualTimeProvider { AutoAdvance = true };
        await using var emulator = await KindeEmulator.StartAsync(new KindeEmulatorOptions { TimeProvider = clock, CommitThenDropRate = 1 });
        await using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new KindeApiMetrics(provider.GetRequiredService<IMeterFactory>());
        using var recorder = new Recorder(metrics.Meter);
        var options = new KindeApiOptions { Domain = emulator.BaseAddress, ClientId = "emulator-client", ClientSecret = "emulator-secret" };
        using var client = KindeApiClient.Create(options, clock, metrics: metrics);

        Assert.ThrowsAsync<KindeApiException>(() => client.CreateRoleAsync("admin", "Admin", null));

        Assert.That(recorder.Get("kinde_migration.requests"), Is.EqualTo(new[] { "1 operation=POST /api/v1/roles error=network" }));
    }

    [Test]
    public void UserProcessed_NeedsAnOutcome()
    {
        Assert.That(() => new KindeApiMetrics().UserProcessed(""), Throws.ArgumentException);
    }

    /// <summary>Records every measurement of one meter as "value tag=value …".</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, string Text)> _measurements = [];

        public Recorder(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value.ToString(System.Globalization.CultureInfo.InvariantCulture), tags));
            _listener.SetMeasurementEventCallback<double>((i, _, tags, _) => Add(i, "duration", tags));
            _listener.Start();
        }

        public IEnumerable<string> All
        {
            get { lock (_measurements) { return _measurements.Select(m => m.Instrument + " " + m.Text).ToArray(); } }
        }

        public List<string> Get(string instrument)
        {
            lock (_measurements)
            {
                return _measurements.Where(m => m.Instrument == instrument).Select(m => m.Text).ToList();
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, string value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var text = new System.Text.StringBuilder(value);
            foreach (var tag in tags)
            {
                text.Append(' ').Append(tag.Key).Append('=').Append(tag.Value);
            }

            lock (_measurements)
            {
                _measurements.Add((instrument.Name, text.ToString()));
            }
        }
    }
}
