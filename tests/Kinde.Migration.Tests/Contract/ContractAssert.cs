using Kinde.Migration.Testing.Emulator;

namespace Kinde.Migration.Tests.Contract;

/// <summary>Asserts that the requests an emulator recorded conform to Kinde's spec. Call it at the end of a test that
/// started the emulator with <see cref="KindeEmulatorOptions.RecordRequests"/>.</summary>
internal static class ContractAssert
{
    /// <summary>Checks every recorded request against <see cref="KindeApiContract.Default"/>.</summary>
    /// <param name="emulator">The emulator, started with <c>RecordRequests = true</c>.</param>
    public static void AllConform(KindeEmulator emulator) => AllConform(emulator, KindeApiContract.Default);

    /// <summary>Checks every recorded request; fails with all the violations, each once with how many requests had it.</summary>
    /// <param name="emulator">The emulator, started with <c>RecordRequests = true</c>.</param>
    /// <param name="contract">The contract to check against.</param>
    public static void AllConform(KindeEmulator emulator, KindeApiContract contract)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        ArgumentNullException.ThrowIfNull(contract);
        Assert.That(emulator.Options.RecordRequests, Is.True, "Start the emulator with RecordRequests = true.");
        var requests = emulator.RecordedRequests;

        // An empty recording would pass vacuously.
        Assert.That(requests.Any(r => r.Path.StartsWith("/api/", StringComparison.Ordinal)), Is.True, "No API request was recorded.");

        // An import repeats the same call many times: report each distinct violation once, with the first request's index.
        var violations = requests
            .SelectMany((r, i) => contract.Check(r.Method, r.Path + r.QueryString, r.Body).Select(v => (Index: i, Violation: v)))
            .GroupBy(x => x.Violation, StringComparer.Ordinal)
            .Select(g => $"  {g.Key}  (x{g.Count()}, first: request #{g.First().Index} {requests[g.First().Index]})")
            .ToList();
        if (violations.Count > 0)
        {
            Assert.Fail($"{violations.Count} distinct violation(s) of Kinde's spec in {requests.Count} recorded requests:\n"
                + string.Join('\n', violations));
        }
    }
}
