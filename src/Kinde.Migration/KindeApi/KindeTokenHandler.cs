using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Kinde.Migration.KindeApi;

/// <summary>Adds <c>Authorization: Bearer</c> with a token from the shared <see cref="KindeTokenCache"/>. On a 401 from
/// the API the token is replaced once and the request is sent once more. The token request goes to the inner handler,
/// not through this one.</summary>
/// <param name="tokens">The token cache of the connection (it outlives this handler).</param>
internal sealed class KindeTokenHandler(KindeTokenCache tokens) : DelegatingHandler
{
    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Buffer the body now, so the request can be cloned for the one resend after a 401.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        string token = await tokens.GetAsync(stale: null, base.SendAsync, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        using var retry = await CloneAsync(request, cancellationToken).ConfigureAwait(false);
        response.Dispose();
        string fresh = await tokens.GetAsync(stale: token, base.SendAsync, cancellationToken).ConfigureAwait(false);
        retry.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies a request (method, URI, version, headers, options and buffered content) so it can be sent again.</summary>
    /// <param name="request">The request; its content is buffered first.</param>
    /// <param name="ct">A token that cancels buffering.</param>
    /// <returns>A new request with the same method, URI, headers and content bytes.</returns>
    internal static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var clone = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers)
        {
            clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)clone.Options)[option.Key] = option.Value;
        }

        if (request.Content is not null)
        {
            byte[] bytes = await request.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            var content = new ByteArrayContent(bytes);
            foreach (var header in request.Content.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            clone.Content = content;
        }

        return clone;
    }
}

/// <summary>The client-credentials token of one connection: fetched with <c>POST /oauth2/token</c>, cached until
/// <c>expires_in</c> minus <see cref="KindeApiOptions.TokenRefreshMargin"/> (by the <see cref="TimeProvider"/>);
/// concurrent callers share one token request. Never prints the token nor the secret.</summary>
internal sealed class KindeTokenCache : IDisposable
{
    private readonly KindeApiOptions _options;
    private readonly TimeProvider _time;
    private readonly Uri _tokenEndpoint;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CachedToken? _token;

    /// <summary>Initializes a new instance of the <see cref="KindeTokenCache"/> class.</summary>
    /// <param name="options">Validated options (domain, credentials, audience, margin).</param>
    /// <param name="time">The clock for token expiry.</param>
    public KindeTokenCache(KindeApiOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        _tokenEndpoint = new Uri(new Uri(options.Domain!.GetLeftPart(UriPartial.Authority) + "/"), "oauth2/token");
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <summary>Returns a valid cached token, or fetches one. When <paramref name="stale"/> is given (the API refused it)
    /// a new token is fetched unless another caller has already replaced it.</summary>
    /// <param name="stale">The token the API refused, or <see langword="null"/>.</param>
    /// <param name="send">Sends the token request (the token handler's inner handler).</param>
    /// <param name="ct">A token that cancels the wait and the request.</param>
    /// <returns>The access token.</returns>
    public async Task<string> GetAsync(
        string? stale, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        if (Volatile.Read(ref _token) is { } cached && cached.Value != stale && _time.GetUtcNow() < cached.RefreshAt)
        {
            return cached.Value;
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            cached = _token;
            if (cached is not null && cached.Value != stale && _time.GetUtcNow() < cached.RefreshAt)
            {
                return cached.Value;
            }

            cached = await RequestTokenAsync(send, ct).ConfigureAwait(false);
            Volatile.Write(ref _token, cached);
            return cached.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<CachedToken> RequestTokenAsync(
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _tokenEndpoint)
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "client_credentials"),
                new("client_id", _options.ClientId ?? ""),
                new("client_secret", _options.ClientSecret ?? ""),
                new("audience", _options.EffectiveAudience),
            ]),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var issuedAt = _time.GetUtcNow();
        using var response = await send(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await KindeErrorParser.ToExceptionAsync(response, "Kinde token request (POST /oauth2/token)", ct, _options.ClientSecret)
                .ConfigureAwait(false);
        }

        KindeTokenResponse? body;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                body = await JsonSerializer.DeserializeAsync(stream, KindeApiJsonContext.Default.KindeTokenResponse, ct).ConfigureAwait(false);
            }
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is not { AccessToken.Length: > 0 })
        {
            throw new KindeApiException(
                $"Kinde token request (POST /oauth2/token) returned {(int)response.StatusCode} without an access_token.", (int)response.StatusCode, null);
        }

        var lifetime = TimeSpan.FromSeconds(body.ExpiresIn is > 0 ? body.ExpiresIn.Value : 3600);
        var margin = _options.TokenRefreshMargin;
        if (margin * 2 >= lifetime)
        {
            margin = lifetime / 2;
        }

        return new CachedToken(body.AccessToken, issuedAt + lifetime - margin);
    }

    private sealed record CachedToken(string Value, DateTimeOffset RefreshAt)
    {
        // Never print the token.
        public override string ToString() => $"CachedToken {{ RefreshAt = {RefreshAt:O} }}";
    }
}
