using System.Collections.Concurrent;

namespace Kinde.Migration.Tests.KindeApi;

/// <summary>The primary handler for tests: sends over sockets and records each exchange with the test clock's time.</summary>
internal sealed class RecordingHandler(TimeProvider time) : DelegatingHandler(new SocketsHttpHandler())
{
    public ConcurrentQueue<Exchange> Exchanges { get; } = new();

    /// <summary>Gets or sets a wall-clock delay before each token request is sent, to widen races.</summary>
    public TimeSpan TokenDelay { get; set; }

    public IReadOnlyList<Exchange> Api => Exchanges.Where(e => !e.IsToken).ToArray();

    public int TokenRequests => Exchanges.Count(e => e.IsToken);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        bool isToken = request.RequestUri!.AbsolutePath == "/oauth2/token";
        if (isToken && TokenDelay > TimeSpan.Zero)
        {
            await Task.Delay(TokenDelay, cancellationToken);
        }

        var sentAt = time.GetUtcNow();
        var response = await base.SendAsync(request, cancellationToken);
        string? reset = response.Headers.TryGetValues("RateLimit-Reset", out var v) ? v.First() : null;
        Exchanges.Enqueue(new Exchange(request.Method, request.RequestUri.PathAndQuery, isToken, sentAt, time.GetUtcNow(), (int)response.StatusCode, reset));
        return response;
    }

    internal sealed record Exchange(
        HttpMethod Method, string PathAndQuery, bool IsToken, DateTimeOffset SentAt, DateTimeOffset AnsweredAt, int Status, string? RateLimitReset);
}
