using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Kinde.Migration.KindeApi;

/// <summary>A typed client of the Kinde Management API calls the importer makes. Every failure is a
/// <see cref="KindeApiException"/> (status, Kinde error code, message; never a request body).</summary>
/// <remarks>Expects an <see cref="HttpClient"/> whose handler chain is <see cref="KindeRateLimitHandler"/> →
/// <see cref="KindeTokenHandler"/> → primary handler, with the domain as base address; <see cref="Create"/> builds one.</remarks>
internal sealed class KindeApiClient : IDisposable
{
    /// <summary>The largest <c>page_size</c> Kinde allows.</summary>
    internal const int MaxPageSize = 500;

    /// <summary>How many emails go in one <c>email</c> filter, to keep URLs short.</summary>
    internal const int DefaultEmailsPerRequest = 50;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly int _pageSize;
    private readonly int _emailsPerRequest;

    /// <summary>Initializes a new instance of the <see cref="KindeApiClient"/> class.</summary>
    /// <param name="http">The client, with the Kinde domain as <see cref="HttpClient.BaseAddress"/> and the handler chain
    /// described on the class.</param>
    /// <param name="statistics">The counters the rate-limit handler updates.</param>
    /// <param name="ownsHttp">Whether <see cref="Dispose"/> disposes <paramref name="http"/>.</param>
    /// <param name="pageSize">The <c>page_size</c> of list calls (tests use small pages).</param>
    /// <param name="emailsPerRequest">How many emails go in one <c>email</c> filter.</param>
    public KindeApiClient(
        HttpClient http, KindeApiStatistics statistics, bool ownsHttp = false, int pageSize = MaxPageSize, int emailsPerRequest = DefaultEmailsPerRequest)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(emailsPerRequest, 1);
        _http = http;
        _ownsHttp = ownsHttp;
        _pageSize = pageSize;
        _emailsPerRequest = emailsPerRequest;
        Statistics = statistics;
    }

    /// <summary>Gets the request counters, for the report.</summary>
    public KindeApiStatistics Statistics { get; }

    /// <summary>Builds a client with the handler chain <see cref="KindeRateLimitHandler"/> → <see cref="KindeTokenHandler"/>
    /// → <paramref name="primary"/>. The returned client owns (and disposes) the chain, including <paramref name="primary"/>.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="time">The clock for token expiry and waits.</param>
    /// <param name="primary">The handler that does the I/O; <see langword="null"/> for a new <see cref="SocketsHttpHandler"/>.</param>
    /// <param name="random">The backoff jitter source; <see langword="null"/> for <see cref="Random.Shared"/>.</param>
    /// <param name="pageSize">The <c>page_size</c> of list calls.</param>
    /// <returns>The client.</returns>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException">The options are not valid.</exception>
    public static KindeApiClient Create(
        KindeApiOptions options, TimeProvider time, HttpMessageHandler? primary = null, Random? random = null, int pageSize = MaxPageSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.ValidateOrThrow();
        primary ??= new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var statistics = new KindeApiStatistics();
        var token = new KindeTokenHandler(options, time) { InnerHandler = primary };
        var rateLimit = new KindeRateLimitHandler(options.MaxAttempts, time, statistics, random) { InnerHandler = token };
        var http = new HttpClient(rateLimit, disposeHandler: true)
        {
            BaseAddress = new Uri(options.Domain!.GetLeftPart(UriPartial.Authority) + "/"),

            // Each attempt has its own timeout in KindeRateLimitHandler; a whole call may wait out several 429 resets.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return new KindeApiClient(http, statistics, ownsHttp: true, pageSize);
    }

    /// <summary>Finds users by email with <c>GET /api/v1/users?email=a,b,…</c>, following <c>next_token</c>.</summary>
    /// <param name="emails">The emails; blanks and duplicates are skipped. Sent in groups of at most 50.</param>
    /// <param name="ct">A token that cancels the calls.</param>
    /// <returns>The users found, each once, with the email Kinde lists for them.</returns>
    public async Task<IReadOnlyList<KindeUserRef>> GetUsersByEmailAsync(IReadOnlyList<string> emails, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(emails);
        var distinct = emails.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim())
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var found = new List<KindeUserRef>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in distinct.Chunk(_emailsPerRequest))
        {
            string filter = Uri.EscapeDataString(string.Join(',', chunk));
            string? next = null;
            do
            {
                var url = new StringBuilder("api/v1/users?page_size=").Append(_pageSize).Append("&email=").Append(filter);
                if (!string.IsNullOrEmpty(next))
                {
                    url.Append("&next_token=").Append(Uri.EscapeDataString(next));
                }

                using var request = new HttpRequestMessage(HttpMethod.Get, url.ToString());
                var page = await SendAsync(request, "GET /api/v1/users", KindeApiJsonContext.Default.KindeUsersResponse, ct).ConfigureAwait(false);
                foreach (var user in page?.Users ?? [])
                {
                    if (!string.IsNullOrEmpty(user.Id) && seen.Add(user.Id))
                    {
                        found.Add(new KindeUserRef(user.Id, user.Email));
                    }
                }

                string? following = page?.NextToken;
                next = following == next ? null : following; // a repeated token would loop forever
            }
            while (!string.IsNullOrEmpty(next));
        }

        return found;
    }

    /// <summary>Creates a user with <c>POST /api/v1/user</c>. Not retried on a transient failure: the caller re-checks by
    /// email.</summary>
    /// <param name="user">The user.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>The user id and whether it was created (false when Kinde answered 200 with <c>created: false</c>).</returns>
    /// <exception cref="KindeApiException">Kinde refused the user, for example 409 <c>USER_ALREADY_EXISTS</c>.</exception>
    public async Task<KindeCreatedUser> CreateUserAsync(KindeNewUser user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identities = new List<KindeCreateUserIdentity>(3);
        if (!string.IsNullOrEmpty(user.Email))
        {
            identities.Add(new KindeCreateUserIdentity("email", user.EmailVerified, new KindeIdentityDetails(Email: user.Email)));
        }

        if (!string.IsNullOrEmpty(user.Phone))
        {
            identities.Add(new KindeCreateUserIdentity(
                "phone", user.PhoneVerified, new KindeIdentityDetails(Phone: user.Phone, PhoneCountryId: user.PhoneCountryId)));
        }

        if (!string.IsNullOrEmpty(user.Username))
        {
            identities.Add(new KindeCreateUserIdentity("username", null, new KindeIdentityDetails(Username: user.Username)));
        }

        var profile = user.GivenName is null && user.FamilyName is null ? null : new KindeCreateUserProfile(user.GivenName, user.FamilyName);
        var body = new KindeCreateUserRequest(profile, NullIfEmpty(user.OrganizationCode), NullIfEmpty(user.ProvidedId), identities);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/user")
        {
            Content = JsonContent.Create(body, KindeApiJsonContext.Default.KindeCreateUserRequest),
        };
        var response = await SendAsync(request, "POST /api/v1/user", KindeApiJsonContext.Default.KindeCreateUserResponse, ct).ConfigureAwait(false);
        if (response is not { Id.Length: > 0 })
        {
            throw new KindeApiException("POST /api/v1/user succeeded without a user id.", null, null);
        }

        return new KindeCreatedUser(response.Id, response.Created ?? true);
    }

    /// <summary>Sets a user's password hash with <c>PUT /api/v1/users/{id}/password</c> (idempotent, so retried on
    /// transient failures).</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="hashedPassword">The hash. Never logged nor put in an exception.</param>
    /// <param name="hashingMethod">The <c>hashing_method</c>, for example <c>bcrypt</c>; <see langword="null"/> for Kinde's default.</param>
    /// <param name="salt">The salt, if the method needs one.</param>
    /// <param name="saltPosition"><c>prefix</c> or <c>suffix</c>, if the method needs one.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>A task that completes when Kinde accepted the password.</returns>
    public async Task SetPasswordAsync(
        string userId, string hashedPassword, string? hashingMethod, string? salt = null, string? saltPosition = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(hashedPassword);
        var body = new KindeSetPasswordRequest(hashedPassword, NullIfEmpty(hashingMethod), NullIfEmpty(salt), NullIfEmpty(saltPosition));
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/v1/users/{Uri.EscapeDataString(userId)}/password")
        {
            Content = JsonContent.Create(body, KindeApiJsonContext.Default.KindeSetPasswordRequest),
        };
        await SendAsync(request, "PUT /api/v1/users/{id}/password", ct).ConfigureAwait(false);
    }

    /// <summary>Updates a user with <c>PATCH /api/v1/user?id=</c>. Only the given fields are sent.</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="isSuspended">The new suspended state, or <see langword="null"/> to leave it.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>A task that completes when Kinde accepted the update.</returns>
    public async Task UpdateUserAsync(string userId, bool? isSuspended, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        using var request = new HttpRequestMessage(HttpMethod.Patch, "api/v1/user?id=" + Uri.EscapeDataString(userId))
        {
            Content = JsonContent.Create(new KindeUpdateUserRequest(isSuspended), KindeApiJsonContext.Default.KindeUpdateUserRequest),
        };
        await SendAsync(request, "PATCH /api/v1/user", ct).ConfigureAwait(false);
    }

    /// <summary>Sets property values with <c>PATCH /api/v1/users/{id}/properties</c>. The properties must already be
    /// defined in Kinde.</summary>
    /// <param name="userId">The Kinde user id.</param>
    /// <param name="properties">Property key → value. Nothing is sent when empty.</param>
    /// <param name="ct">A token that cancels the call.</param>
    /// <returns>A task that completes when Kinde accepted the values.</returns>
    public async Task SetPropertiesAsync(string userId, IReadOnlyDictionary<string, string> properties, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(properties);
        if (properties.Count == 0)
        {
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"api/v1/users/{Uri.EscapeDataString(userId)}/properties")
        {
            Content = JsonContent.Create(new KindeSetPropertiesRequest(properties), KindeApiJsonContext.Default.KindeSetPropertiesRequest),
        };
        await SendAsync(request, "PATCH /api/v1/users/{id}/properties", ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private async Task SendAsync(HttpRequestMessage request, string operation, CancellationToken ct)
    {
        using var response = await SendCheckedAsync(request, operation, ct).ConfigureAwait(false);
    }

    /// <summary>Sends; turns a network error, a timeout or a non-2xx answer into a <see cref="KindeApiException"/>
    /// (<see cref="KindeApiException.StatusCode"/> is null when no answer arrived: the call may or may not have been
    /// carried out).</summary>
    private async Task<HttpResponseMessage> SendCheckedAsync(HttpRequestMessage request, string operation, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new KindeApiException($"Kinde API {operation} failed without a response: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new KindeApiException($"Kinde API {operation} timed out.", ex);
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await KindeErrorParser.ToExceptionAsync(response, "Kinde API " + operation, ct).ConfigureAwait(false);
            }
        }

        return response;
    }

    private async Task<T?> SendAsync<T>(HttpRequestMessage request, string operation, JsonTypeInfo<T> typeInfo, CancellationToken ct)
    {
        using var response = await SendCheckedAsync(request, operation, ct).ConfigureAwait(false);

        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, typeInfo, ct).ConfigureAwait(false);
            }
        }
        catch (JsonException ex)
        {
            throw new KindeApiException($"Kinde API {operation} returned {(int)response.StatusCode} with a body that is not the expected JSON.", ex);
        }
    }
}
