using System.Text.RegularExpressions;
using Kinde.Migration.Cli;

namespace Kinde.Migration.Tests.Cli;

public class EmulatorCommandTests
{
    [Test]
    public async Task Emulator_ServesTokensOnLoopbackUntilCancelled()
    {
        var output = new StringWriter();
        var stdout = TextWriter.Synchronized(output);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task<int> run = Program.RunAsync(["emulator"], stdout, TextWriter.Synchronized(new StringWriter()), cts.Token);

        Match address = Match.Empty;
        for (int i = 0; i < 300 && !address.Success && !run.IsCompleted; i++)
        {
            await Task.Delay(50);
            address = Regex.Match(output.ToString(), @"listening on (http://127\.0\.0\.1:\d+/)");
        }

        Assert.That(address.Success, Is.True, output.ToString());
        using var http = new HttpClient { BaseAddress = new Uri(address.Groups[1].Value) };
        using var token = await http.PostAsync("oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "emulator-client",
            ["client_secret"] = "emulator-secret",
            ["audience"] = address.Groups[1].Value + "api",
        }));
        Assert.That((int)token.StatusCode, Is.EqualTo(200), await token.Content.ReadAsStringAsync());
        Assert.That(output.ToString(), Does.Not.Contain("emulator-secret"));

        await cts.CancelAsync();
        Assert.That(await run, Is.EqualTo(0));
        Assert.That(output.ToString(), Does.Contain("emulator stopped"));
    }
}
