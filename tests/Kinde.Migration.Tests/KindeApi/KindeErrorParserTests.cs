using System.Text;
using Kinde.Migration.KindeApi;

namespace Kinde.Migration.Tests.KindeApi;

public sealed class KindeErrorParserTests
{
    private static (string? Code, string Message) Parse(int status, string body, string? reason = null) =>
        KindeErrorParser.Parse(status, reason, Encoding.UTF8.GetBytes(body));

    [Test]
    public void ArrayForm_GivesFirstCodeAndAllMessages()
    {
        var (code, message) = Parse(400, """{"errors":[{"code":"INVALID_EMAIL","message":"Bad email."},{"code":"OTHER","message":"More."}]}""");

        Assert.That(code, Is.EqualTo("INVALID_EMAIL"));
        Assert.That(message, Is.EqualTo("INVALID_EMAIL: Bad email.; OTHER: More."));
    }

    [Test]
    public void ObjectForm_OfNotFound()
    {
        var (code, message) = Parse(404, """{"errors":{"code":"ROUTE_NOT_FOUND","message":"The requested API route does not exist"}}""");

        Assert.That(code, Is.EqualTo("ROUTE_NOT_FOUND"));
        Assert.That(message, Is.EqualTo("The requested API route does not exist"));
    }

    [Test]
    public void OAuthForm_OfTokenEndpoint()
    {
        var (code, message) = Parse(401, """{"error":"invalid_client","error_description":"client authentication failed"}""");

        Assert.That(code, Is.EqualTo("invalid_client"));
        Assert.That(message, Is.EqualTo("invalid_client: client authentication failed"));
    }

    [Test]
    public void OAuthForm_WithoutDescription()
    {
        var (code, message) = Parse(400, """{"error":"invalid_request"}""");

        Assert.That(code, Is.EqualTo("invalid_request"));
        Assert.That(message, Is.EqualTo("invalid_request"));
    }

    [Test]
    public void BareCodeAndMessage()
    {
        var (code, message) = Parse(409, """{"code":"conflict","message":"A user with this email already exists"}""");

        Assert.That(code, Is.EqualTo("conflict"));
        Assert.That(message, Is.EqualTo("A user with this email already exists"));
    }

    [TestCase("")]
    [TestCase("<html>Bad Gateway</html>")]
    [TestCase("[1,2]")]
    [TestCase("""{"errors":[]}""")]
    [TestCase("""{"errors":null}""")]
    [TestCase("""{"something":"else"}""")]
    [TestCase("""{"errors":[{"code":""")]
    public void UnknownOrEmptyBody_FallsBackToStatusText(string body)
    {
        var (code, message) = Parse(502, body);

        Assert.That(code, Is.Null);
        Assert.That(message, Is.EqualTo("Bad Gateway"));
    }

    [Test]
    public void ReasonPhrase_IsPreferredForStatusText()
    {
        var (_, message) = Parse(503, "", "Slow Down");

        Assert.That(message, Is.EqualTo("Slow Down"));
    }

    [Test]
    public void UnknownStatus_GetsNumericText()
    {
        var (_, message) = Parse(599, "");

        Assert.That(message, Is.EqualTo("HTTP 599"));
    }

    [Test]
    public async Task ToException_CarriesStatusAndCode_AndRedactsSecrets()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized)
        {
            Content = new StringContent("""{"error":"invalid_client","error_description":"bad secret s3cr3t-value"}"""),
        };

        var ex = await KindeErrorParser.ToExceptionAsync(response, "Kinde token request", CancellationToken.None, "s3cr3t-value");

        Assert.That(ex.StatusCode, Is.EqualTo(401));
        Assert.That(ex.ErrorCode, Is.EqualTo("invalid_client"));
        Assert.That(ex.Message, Does.Contain("401").And.Contain("invalid_client").And.Not.Contain("s3cr3t-value"));
    }

    [Test]
    public async Task ToException_KeepsEmailsKindeQuotesOutOfTheMessage()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.Conflict)
        {
            Content = new StringContent("""{"errors":[{"code":"USER_ALREADY_EXISTS","message":"Email 'lee.liu+test@example.com' is already in use"}]}"""),
        };

        var ex = await KindeErrorParser.ToExceptionAsync(response, "POST /api/v1/user", CancellationToken.None);

        Assert.That(ex.Message, Does.Not.Contain("lee.liu").And.Not.Contain("example.com"));
        Assert.That(ex.Message, Does.Contain("USER_ALREADY_EXISTS").And.Contain("<email>").And.Contain("already in use"));
    }
}
