using System.ComponentModel.DataAnnotations;
using Kinde.Migration.KindeApi;

namespace Kinde.Migration.Tests.KindeApi;

public sealed class KindeApiOptionsTests
{
    private static KindeApiOptions Options(string domain) =>
        new() { Domain = new Uri(domain), ClientId = "id", ClientSecret = "the-secret" };

    [TestCase("https://example.kinde.com")]
    [TestCase("http://127.0.0.1:5000")]
    [TestCase("http://localhost:5000")]
    [TestCase("http://[::1]:5000")]
    public void AcceptedDomains(string domain)
    {
        Assert.That(() => Options(domain).ValidateOrThrow(), Throws.Nothing);
    }

    [Test]
    public void HttpsIsRequired_ForANonLoopbackDomain()
    {
        var options = Options("http://example.kinde.com");

        Assert.That(() => KindeApiClient.Create(options, TimeProvider.System),
            Throws.TypeOf<ValidationException>().With.Message.Contains("HTTPS").And.Message.Contains("Domain"));
    }

    [Test]
    public void MissingDomainAndCredentials_AreReported()
    {
        var options = new KindeApiOptions();

        Assert.That(() => options.ValidateOrThrow(),
            Throws.TypeOf<ValidationException>().With.Message.Contains("Domain").And.Message.Contains("ClientSecret"));
    }

    [Test]
    public void MaxAttempts_MustBePositive()
    {
        var options = Options("https://example.kinde.com");
        options.MaxAttempts = 0;

        Assert.That(() => options.ValidateOrThrow(), Throws.TypeOf<ValidationException>().With.Message.Contains("MaxAttempts"));
    }

    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void RequestsPerSecond_MustBeAFiniteNonNegativeNumber(double rps)
    {
        var options = Options("https://example.kinde.com");
        options.RequestsPerSecond = rps;

        Assert.That(() => options.ValidateOrThrow(), Throws.TypeOf<ValidationException>().With.Message.Contains("RequestsPerSecond"));
    }

    [TestCase(0)]
    [TestCase(257)]
    public void MaxConcurrency_IsBetween1And256(int max)
    {
        var options = Options("https://example.kinde.com");
        options.MaxConcurrency = max;

        Assert.That(() => options.ValidateOrThrow(), Throws.TypeOf<ValidationException>().With.Message.Contains("MaxConcurrency"));
    }

    [Test]
    public void Defaults()
    {
        var options = Options("https://example.kinde.com/some/path");

        Assert.That(options.EffectiveAudience, Is.EqualTo("https://example.kinde.com/api"));
        Assert.That(options.TokenRefreshMargin, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(options.MaxAttempts, Is.EqualTo(5));
        Assert.That(options.RequestsPerSecond, Is.EqualTo(25));
        Assert.That(options.MaxConcurrency, Is.EqualTo(8));
    }

    [Test]
    public void ToString_HidesTheSecret()
    {
        Assert.That(Options("https://example.kinde.com").ToString(), Does.Not.Contain("the-secret").And.Contain("example.kinde.com"));
    }
}
