namespace Kinde.Migration.KindeApi;

/// <summary>A Kinde Management API call or token request failed. The message carries the HTTP status, Kinde's error
/// code and message; it never carries request bodies, client secrets or access tokens.</summary>
public sealed class KindeApiException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="KindeApiException"/> class.</summary>
    public KindeApiException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="KindeApiException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public KindeApiException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="KindeApiException"/> class with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public KindeApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="KindeApiException"/> class for an HTTP error.</summary>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">The HTTP status code, if a response was received.</param>
    /// <param name="errorCode">Kinde's error code (or the OAuth <c>error</c>), if the body had one.</param>
    public KindeApiException(string message, int? statusCode, string? errorCode)
        : base(message)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>Gets the HTTP status code, or <see langword="null"/> when no response was received.</summary>
    public int? StatusCode { get; }

    /// <summary>Gets Kinde's error code, for example <c>USER_ALREADY_EXISTS</c> or <c>invalid_client</c>, or
    /// <see langword="null"/> when the body had none.</summary>
    public string? ErrorCode { get; }
}
