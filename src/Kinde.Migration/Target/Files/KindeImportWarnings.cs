namespace Kinde.Migration.Target.Files;

/// <summary>The keys of <see cref="KindeImportFileWriter.Warnings"/>: data an import file cannot hold or that Kinde's
/// import documentation does not cover. Each key counts users (a user counts once per key however often it
/// applies). A warned user is still written, with what the format can hold.</summary>
public static class KindeImportWarnings
{
    /// <summary>The user has a picture; the import files have no field for it (set it through the Management API).</summary>
    public const string PictureNotInImportFile = "picture_not_in_import_file";

    /// <summary>The user is suspended; the import files cannot suspend (do it through the Management API).</summary>
    public const string SuspendedNeedsApi = "suspended_needs_api";

    /// <summary>The user alone is larger than <see cref="KindeImportFileOptions.MaxFileBytes"/>; it was written
    /// alone into its own, oversize, file.</summary>
    public const string UserExceedsMaxFileBytes = "user_exceeds_max_file_bytes";

    /// <summary>The password's hashing method is not one Kinde's import documentation lists for the format
    /// (<c>crypt</c>, <c>bcrypt</c>, <c>sha256</c>, <c>md5</c>, <c>wordpress</c>; and <c>firebase-scrypt</c> in CSV);
    /// it is written as given.</summary>
    public const string HashingMethodNotDocumentedForImport = "hashing_method_not_documented_for_import";

    /// <summary>The password has an iteration count or variant (pbkdf2); the import files have no field for them.</summary>
    public const string PasswordParametersNotInImportFile = "password_parameters_not_in_import_file";

    /// <summary>CSV: the user has a social (<c>oauth2:…</c>) identity; the CSV has no column for it.</summary>
    public const string CsvCannotHoldSocialIdentity = "csv_cannot_hold_social_identity";

    /// <summary>CSV: the user has a second email, phone or username identity (or one of an unknown type); only the
    /// first of each fits.</summary>
    public const string CsvCannotHoldExtraIdentity = "csv_cannot_hold_extra_identity";

    /// <summary>CSV: the user has properties; the CSV has no column for them.</summary>
    public const string CsvCannotHoldProperties = "csv_cannot_hold_properties";

    /// <summary>CSV: the user has neither an email nor a phone, which the CSV import requires.</summary>
    public const string CsvUserWithoutEmailOrPhone = "csv_user_without_email_or_phone";

    /// <summary>CSV: a role or permission key contains a comma, which the comma-separated cell cannot tell apart.</summary>
    public const string CsvKeyContainsComma = "csv_key_contains_comma";
}
