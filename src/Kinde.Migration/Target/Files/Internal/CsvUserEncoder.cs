using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace Kinde.Migration.Target.Files.Internal;

/// <summary>Writes a user as rows of Kinde's "Custom CSV" import: one row per organization.</summary>
internal sealed class CsvUserEncoder : IUserEncoder
{
    /// <summary>The columns, in order.</summary>
    internal static readonly IReadOnlyList<string> Columns =
    [
        "id", "email", "email_verified", "phone", "phone_verified", "username", "first_name", "last_name",
        "hashed_password", "hashing_method", "salt", "salt_position", "salt_format",
        "external_organization_id", "roles", "permissions",
    ];

    /// <summary>The hashing methods Kinde's CSV import documents (<c>hashing_method</c>).</summary>
    internal static readonly FrozenSet<string> DocumentedMethods =
        FrozenSet.ToFrozenSet(["crypt", "bcrypt", "sha256", "md5", "wordpress", "firebase-scrypt"], StringComparer.Ordinal);

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly StringWriter _text = new(CultureInfo.InvariantCulture);
    private readonly CsvWriter _csv;

    public CsvUserEncoder()
    {
        _csv = new CsvWriter(_text, CreateConfiguration(), leaveOpen: true);
        foreach (string column in Columns)
        {
            _csv.WriteField(column);
        }

        _csv.NextRecord();
        Header = TakeBytes();
    }

    public string Extension => "csv";

    public ReadOnlyMemory<byte> Header { get; }

    /// <summary>The configuration of every CSV this library writes: RFC 4180, <c>\n</c>, values verbatim (no
    /// formula-injection prefix: Kinde must receive the exact data).</summary>
    internal static CsvConfiguration CreateConfiguration() => new(CultureInfo.InvariantCulture)
    {
        NewLine = "\n",
        InjectionOptions = InjectionOptions.None,
        ShouldQuote = args => NeedsQuotes(args.Field),
    };

    public int Encode(KindeUser user, IBufferWriter<byte> output, WarningSet warnings)
    {
        KindeIdentity? email = null, phone = null, username = null;
        foreach (KindeIdentity identity in user.Identities)
        {
            switch (identity.Type)
            {
                case KindeIdentityTypes.Email when email is null:
                    email = identity;
                    break;
                case KindeIdentityTypes.Phone when phone is null:
                    phone = identity;
                    break;
                case KindeIdentityTypes.Username when username is null:
                    username = identity;
                    break;
                default:
                    warnings.Add(KindeIdentityTypes.IsSocial(identity.Type)
                        ? KindeImportWarnings.CsvCannotHoldSocialIdentity
                        : KindeImportWarnings.CsvCannotHoldExtraIdentity);
                    break;
            }
        }

        if (email is null && phone is null)
        {
            warnings.Add(KindeImportWarnings.CsvUserWithoutEmailOrPhone);
        }

        if (user.Properties.Count > 0)
        {
            warnings.Add(KindeImportWarnings.CsvCannotHoldProperties);
        }

        KindePassword? password = user.Password;
        if (password is not null)
        {
            PasswordChecks.Check(password, DocumentedMethods, warnings);
        }

        // Every cell is computed before anything is written, so a failure leaves the CSV writer clean.
        var rows = new List<string?[]>(Math.Max(1, user.Organizations.Count));
        if (user.Organizations.Count == 0)
        {
            rows.Add(Row(user, email, phone, username, password, null, warnings));
        }
        else
        {
            foreach (KindeOrganizationMembership organization in user.Organizations)
            {
                rows.Add(Row(user, email, phone, username, password, organization, warnings));
            }
        }

        foreach (string?[] row in rows)
        {
            foreach (string? cell in row)
            {
                _csv.WriteField(cell);
            }

            _csv.NextRecord();
        }

        output.Write(TakeBytes());
        return rows.Count;
    }

    public void Dispose()
    {
        _csv.Dispose();
        _text.Dispose();
    }

    private static bool NeedsQuotes(string? field) =>
        !string.IsNullOrEmpty(field)
        && (field.AsSpan().IndexOfAny("\",\r\n") >= 0
            || char.IsWhiteSpace(field[0])
            || char.IsWhiteSpace(field[^1]));

    private static string? Bool(bool? value) => value switch
    {
        true => "TRUE",
        false => "FALSE",
        null => null,
    };

    private static string JoinKeys(IList<string> keys, WarningSet warnings)
    {
        foreach (string key in keys)
        {
            if (key is not null && key.Contains(',', StringComparison.Ordinal))
            {
                warnings.Add(KindeImportWarnings.CsvKeyContainsComma);
            }
        }

        return string.Join(',', keys);
    }

    private static string?[] Row(
        KindeUser user,
        KindeIdentity? email,
        KindeIdentity? phone,
        KindeIdentity? username,
        KindePassword? password,
        KindeOrganizationMembership? organization,
        WarningSet warnings) =>
    [
        user.Id,
        email?.Value,
        Bool(email?.IsVerified),
        phone?.Value,
        Bool(phone?.IsVerified),
        username?.Value,
        user.FirstName,
        user.LastName,
        password?.HashedPassword,
        password?.HashingMethod,
        password?.Salt,
        password?.SaltPosition,
        password?.SaltFormat,
        organization?.ExternalId,
        organization is null ? null : JoinKeys(organization.Roles, warnings),
        organization is null ? null : JoinKeys(organization.Permissions, warnings),
    ];

    private byte[] TakeBytes()
    {
        _csv.Flush();
        StringBuilder builder = _text.GetStringBuilder();
        byte[] bytes = Utf8.GetBytes(builder.ToString());
        builder.Clear();
        return bytes;
    }
}
