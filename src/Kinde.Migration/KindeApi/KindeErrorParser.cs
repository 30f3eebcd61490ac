using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kinde.Migration.KindeApi;

/// <summary>Reads Kinde's error bodies tolerantly: <c>{"errors":[{"code","message"}]}</c> (the spec's
/// <c>error_response</c>), <c>{"errors":{"code","message"}}</c> (<c>not_found_response</c>), the OAuth
/// <c>{"error","error_description"}</c> of the token endpoint, a bare <c>{"code","message"}</c>, and anything else
/// (empty, not JSON, another shape), which falls back to the HTTP status text.</summary>
internal static partial class KindeErrorParser
{
    /// <summary>The most of a body that is read for an error; the rest is ignored.</summary>
    internal const int MaxBodyBytes = 64 * 1024;

    private const int MaxMessageChars = 500;

    /// <summary>Parses an error body.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="reasonPhrase">The response's reason phrase, if any.</param>
    /// <param name="body">The UTF-8 body (possibly empty).</param>
    /// <returns>Kinde's error code, if any, and a message: the body's messages, or the status text.</returns>
    public static (string? Code, string Message) Parse(int statusCode, string? reasonPhrase, ReadOnlySpan<byte> body)
    {
        string statusText = StatusText(statusCode, reasonPhrase);
        if (body.IsEmpty)
        {
            return (null, statusText);
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, statusText);
            }

            if (root.TryGetProperty("errors", out var errors))
            {
                if (errors.ValueKind == JsonValueKind.Array)
                {
                    string? firstCode = null;
                    var messages = new List<string>();
                    foreach (var e in errors.EnumerateArray())
                    {
                        var (code, message) = CodeAndMessage(e);
                        firstCode ??= code;
                        if (Describe(code, message) is { } text)
                        {
                            messages.Add(text);
                        }
                    }

                    return (firstCode, messages.Count > 0 ? Truncate(string.Join("; ", messages)) : statusText);
                }

                if (errors.ValueKind == JsonValueKind.Object)
                {
                    var (code, message) = CodeAndMessage(errors);
                    return (code, Truncate(message ?? code ?? statusText));
                }
            }

            if (String(root, "error") is { } oauthError)
            {
                string? description = String(root, "error_description");
                return (oauthError, Truncate(description is null ? oauthError : oauthError + ": " + description));
            }

            var (bareCode, bareMessage) = CodeAndMessage(root);
            return bareCode is null && bareMessage is null ? (null, statusText) : (bareCode, Truncate(bareMessage ?? bareCode ?? statusText));
        }
        catch (JsonException)
        {
            return (null, statusText);
        }
    }

    /// <summary>Builds the exception for a failed response. The request body is never included.</summary>
    /// <param name="response">The failed response; its content is read (at most <see cref="MaxBodyBytes"/>).</param>
    /// <param name="operation">What was attempted, for example <c>POST /api/v1/user</c>.</param>
    /// <param name="ct">A token that cancels reading the body.</param>
    /// <param name="redact">Strings (such as the client secret) that must not appear in the message.</param>
    /// <returns>The exception to throw.</returns>
    public static async Task<KindeApiException> ToExceptionAsync(
        HttpResponseMessage response, string operation, CancellationToken ct, params string?[] redact)
    {
        byte[] body = await ReadBodyAsync(response, ct).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        var (code, message) = Parse(status, response.ReasonPhrase, body);
        string statusText = StatusText(status, response.ReasonPhrase);
        // Kinde's message may quote the email it refused ("… already in use"); messages go to logs, the ledger and
        // failure files, where emails must not.
        string text = $"{operation} failed with {status} {statusText}"
            + (code is null ? "" : $" ({code})") + (message == statusText ? "." : $": {EmailPattern().Replace(message, "<email>")}");
        foreach (string? secret in redact)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return new KindeApiException(text, status, code);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                byte[] buffer = new byte[MaxBodyBytes];
                int total = 0;
                int read;
                while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0)
                {
                    total += read;
                }

                return buffer[..total];
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return [];
        }
    }

    private static (string? Code, string? Message) CodeAndMessage(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object ? (String(e, "code"), String(e, "message")) : (null, null);

    private static string? Describe(string? code, string? message) =>
        (code, message) switch
        {
            (null, null) => null,
            (null, _) => message,
            (_, null) => code,
            _ => code + ": " + message,
        };

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;

    private static string StatusText(int statusCode, string? reasonPhrase)
    {
        if (!string.IsNullOrWhiteSpace(reasonPhrase))
        {
            return reasonPhrase;
        }

        string name = ((HttpStatusCode)statusCode).ToString();
        return int.TryParse(name, out _) ? "HTTP " + name : SplitWords(name);
    }

    private static string SplitWords(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
            {
                sb.Append(' ');
            }

            sb.Append(pascal[i]);
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"[^\s@""'<>(),;:]+@[^\s@""'<>(),;:]+")]
    private static partial Regex EmailPattern();

    private static string Truncate(string s) => s.Length <= MaxMessageChars ? s : string.Concat(s.AsSpan(0, MaxMessageChars), "…");
}
