using System.ComponentModel.DataAnnotations;

namespace Kinde.Migration.KindeApi;

/// <summary>Options of the Kinde Management API client: where to connect, the machine-to-machine credentials, token
/// caching, retries and client-side rate control.</summary>
/// <remarks>The client secret is never logged, never put in an exception message and never returned by
/// <see cref="ToString"/>.</remarks>
public sealed class KindeApiOptions : IValidatableObject
{
    /// <summary>Gets or sets the Kinde business domain, for example <c>https://example.kinde.com</c>. Required. The token
    /// endpoint is <c>{Domain}/oauth2/token</c> and the API is under <c>{Domain}/api/v1</c>.</summary>
    /// <value>The default value is <see langword="null"/>. HTTPS is required unless the host is a loopback address.</value>
    [Required]
    public Uri? Domain { get; set; }

    /// <summary>Gets or sets the client id of the machine-to-machine application. Required.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    [Required]
    public string? ClientId { get; set; }

    /// <summary>Gets or sets the client secret of the machine-to-machine application. Required; never logged.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    [Required]
    public string? ClientSecret { get; set; }

    /// <summary>Gets or sets the audience of the token request.</summary>
    /// <value>The default value is <see langword="null"/>: the scheme and authority of <see cref="Domain"/> followed by
    /// <c>/api</c>, for example <c>https://example.kinde.com/api</c>.</value>
    public string? Audience { get; set; }

    /// <summary>Gets or sets how long before its <c>expires_in</c> a cached access token is replaced. When the token
    /// lives no longer than twice this margin, half of its lifetime is used instead.</summary>
    /// <value>The default value is 60 seconds. Must not be negative.</value>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how many times in all a request is sent: a throttled request (429) was not processed, so it
    /// is resent for every method; a request that failed with 408, 5xx, a network error or a timeout may have been
    /// carried out, so it is resent only for GET, HEAD, OPTIONS, PUT and DELETE (never POST or PATCH).</summary>
    /// <value>The default value is 5. Must be between 1 and 100.</value>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Gets or sets the most requests a second the client sends (every attempt counts), spaced evenly: a token
    /// bucket holding one token, refilled every 1/<see cref="RequestsPerSecond"/> seconds. Kinde publishes no number for
    /// its rate limit, so this is a courtesy default; the client also adapts to Kinde's answers: a 429 halves the
    /// concurrency (see <see cref="MaxConcurrency"/>) and, when it carries <c>RateLimit-Reset</c>, holds every new
    /// request until the reset has passed.</summary>
    /// <value>The default value is 25. <see langword="null"/> or 0 means unlimited. Must not be negative.</value>
    public double? RequestsPerSecond { get; set; } = 25;

    /// <summary>Gets or sets how many requests may be in progress at once. The client starts at this number, halves its
    /// working limit (down to 1) on a 429 and raises it by one after as many consecutive successful answers as the
    /// limit, back up to this number.</summary>
    /// <value>The default value is 8. Must be between 1 and 256.</value>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Gets or sets how long one attempt of a request may take on the wall clock, from sending to the answer's
    /// headers. An attempt that takes longer is abandoned and counts as a timeout: resent like a network error (see
    /// <see cref="MaxAttempts"/>), else reported as a failure without an answer.</summary>
    /// <value>The default value is 100 seconds. Must be more than zero and at most one hour.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Gets the audience actually sent: <see cref="Audience"/> or the default derived from <see cref="Domain"/>.</summary>
    internal string EffectiveAudience =>
        !string.IsNullOrWhiteSpace(Audience) ? Audience
        : Domain is null ? throw new InvalidOperationException("KindeApiOptions.Domain is required.")
        : Domain.GetLeftPart(UriPartial.Authority) + "/api";

    /// <summary>Checks the options that DataAnnotations attributes cannot express.</summary>
    /// <param name="validationContext">The validation context.</param>
    /// <returns>The validation errors; none when the options are valid.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Domain is not null)
        {
            if (!Domain.IsAbsoluteUri)
            {
                yield return new ValidationResult(
                    "KindeApiOptions.Domain must be an absolute URI such as https://example.kinde.com.", [nameof(Domain)]);
            }
            else if (Domain.Scheme != Uri.UriSchemeHttps && !(Domain.Scheme == Uri.UriSchemeHttp && Domain.IsLoopback))
            {
                yield return new ValidationResult(
                    $"KindeApiOptions.Domain must use HTTPS (got '{Domain.Scheme}://{Domain.Authority}'); plain HTTP is allowed only for a loopback host.",
                    [nameof(Domain)]);
            }
        }

        if (RequestsPerSecond is { } rps && !(rps >= 0 && double.IsFinite(rps)))
        {
            yield return new ValidationResult(
                "KindeApiOptions.RequestsPerSecond must be a finite number, not negative (null or 0 for unlimited).", [nameof(RequestsPerSecond)]);
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("KindeApiOptions.RequestTimeout must be more than zero and at most one hour.", [nameof(RequestTimeout)]);
        }

        if (TokenRefreshMargin < TimeSpan.Zero)
        {
            yield return new ValidationResult("KindeApiOptions.TokenRefreshMargin must not be negative.", [nameof(TokenRefreshMargin)]);
        }
    }

    /// <summary>Throws when the options are not valid.</summary>
    /// <exception cref="ValidationException">An option is missing or invalid; the message names it.</exception>
    internal void ValidateOrThrow()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new ValidationException(string.Join(" ", results.Select(r => r.ErrorMessage)));
        }
    }

    /// <summary>Describes the options without the client secret.</summary>
    /// <returns>The domain, client id and audience.</returns>
    public override string ToString() =>
        $"KindeApiOptions {{ Domain = {Domain}, ClientId = {ClientId}, ClientSecret = {(string.IsNullOrEmpty(ClientSecret) ? "(none)" : "***")}, Audience = {Audience} }}";
}
