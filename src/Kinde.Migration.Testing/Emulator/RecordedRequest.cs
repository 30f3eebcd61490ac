namespace Kinde.Migration.Testing.Emulator;

/// <summary>A request the emulator received, kept when <see cref="KindeEmulatorOptions.RecordRequests"/> is on.</summary>
/// <param name="Method">The HTTP method, for example <c>PUT</c>.</param>
/// <param name="Path">The request path as sent (percent-encoded), for example <c>/api/v1/users/kp_1/password</c>.</param>
/// <param name="QueryString">The query string with its leading <c>?</c>, or the empty string when there is none
/// (always empty for <c>/oauth2/token</c>).</param>
/// <param name="Body">The body as UTF-8 text, or <see langword="null"/> when there was none. Always
/// <see langword="null"/> for <c>/oauth2/token</c>, whose body carries the client secret.</param>
public sealed record RecordedRequest(string Method, string Path, string QueryString, string? Body)
{
    /// <summary>Describes the request without its body, which may hold a password hash.</summary>
    /// <returns>For example <c>PUT /api/v1/users/kp_1/password (body: 64 chars)</c>.</returns>
    public override string ToString() =>
        $"{Method} {Path}{QueryString}{(Body is null ? "" : $" (body: {Body.Length} chars)")}";
}
