using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kinde.Migration.Auth0.Reading;

namespace Kinde.Migration.Cli.Commands;

/// <summary><c>kinde-migrate inspect</c>: reads the exports and reports format, counts and every rejection.</summary>
internal static class InspectCommand
{
    private const int RejectionsShownAsText = 50;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var users = new Option<string>("--users") { Description = "The Auth0 user export (NDJSON, JSON, CSV; gzip or plain).", Required = true };
        var passwords = new Option<string?>("--passwords") { Description = "The password-hash export from Auth0 support (decrypted)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object to stdout instead of text." };
        var command = new Command("inspect", "Read Auth0 export files and report what they hold, without converting anything.")
        {
            users, passwords, json,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            ExportInspection? userResult = await InspectAsync("users", parse.GetValue(users)!, (p, ct) => ExportInspection.InspectUsersAsync(p, null, ct), stderr, cancellationToken).ConfigureAwait(false);
            if (userResult is null)
            {
                return Program.Failure;
            }

            ExportInspection? hashResult = null;
            if (parse.GetValue(passwords) is { } passwordPath)
            {
                hashResult = await InspectAsync("passwords", passwordPath, (p, ct) => ExportInspection.InspectPasswordHashesAsync(p, null, ct), stderr, cancellationToken).ConfigureAwait(false);
                if (hashResult is null)
                {
                    return Program.Failure;
                }
            }

            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(ToJson(userResult, hashResult)).ConfigureAwait(false);
            }
            else
            {
                await WriteTextAsync(stdout, "users", userResult).ConfigureAwait(false);
                if (hashResult is not null)
                {
                    await WriteTextAsync(stdout, "passwords", hashResult).ConfigureAwait(false);
                }
            }

            return Program.Success;
        });
        return command;
    }

    private static async Task<ExportInspection?> InspectAsync(
        string label,
        string path,
        Func<string, CancellationToken, Task<ExportInspection>> inspect,
        TextWriter stderr,
        CancellationToken cancellationToken)
    {
        try
        {
            return await inspect(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            await stderr.WriteLineAsync($"error: {label} file not found: {path}").ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: {label} file cannot be opened (permission denied): {path}").ConfigureAwait(false);
        }
        catch (ExportFormatException ex)
        {
            await stderr.WriteLineAsync($"error: {label} file cannot be read: {ex.Message}").ConfigureAwait(false);
        }

        return null;
    }

    private static async Task WriteTextAsync(TextWriter stdout, string label, ExportInspection result)
    {
        await stdout.WriteLineAsync(
            $"{label}: {result.Name} — {FormatName(result.Format)}{(result.IsCompressed ? ", gzip-compressed" : "")}; " +
            $"{result.RecordsRead} read, {result.RecordsOk} ok, {result.RecordsRejected} rejected").ConfigureAwait(false);
        foreach (var rejection in result.Rejections.Take(RejectionsShownAsText))
        {
            await stdout.WriteLineAsync("  " + rejection).ConfigureAwait(false);
        }

        if (result.RecordsRejected > RejectionsShownAsText)
        {
            await stdout.WriteLineAsync($"  … and {result.RecordsRejected - RejectionsShownAsText} more (use --json for all)").ConfigureAwait(false);
        }
    }

    private static string ToJson(ExportInspection users, ExportInspection? passwords)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("users");
            WriteInspection(writer, users);
            writer.WritePropertyName("passwords");
            if (passwords is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                WriteInspection(writer, passwords);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteInspection(Utf8JsonWriter writer, ExportInspection result)
    {
        writer.WriteStartObject();
        writer.WriteString("file", result.Name);
        writer.WriteString("format", FormatName(result.Format));
        writer.WriteBoolean("compressed", result.IsCompressed);
        writer.WriteNumber("records_read", result.RecordsRead);
        writer.WriteNumber("records_ok", result.RecordsOk);
        writer.WriteNumber("records_rejected", result.RecordsRejected);
        writer.WriteStartArray("rejections");
        foreach (var rejection in result.Rejections)
        {
            writer.WriteStartObject();
            writer.WriteNumber("position", rejection.Position);
            writer.WriteString("position_kind", rejection.Kind == PositionKind.Line ? "line" : "row");
            if (rejection.Field is not null)
            {
                writer.WriteString("field", rejection.Field);
            }

            writer.WriteString("reason", rejection.Reason);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static string FormatName(ExportFormat format) => format switch
    {
        ExportFormat.NdJson => "ndjson",
        ExportFormat.JsonArray => "json-array",
        ExportFormat.Csv => "csv",
        ExportFormat.TabSeparated => "tsv",
        _ => format.ToString(),
    };
}
