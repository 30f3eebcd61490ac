namespace Kinde.Migration.Target.Files.Internal;

/// <summary>Warnings about a password that are the same in every format.</summary>
internal static class PasswordChecks
{
    public static void Check(KindePassword password, IReadOnlySet<string> documentedMethods, WarningSet warnings)
    {
        if (!documentedMethods.Contains(password.HashingMethod))
        {
            warnings.Add(KindeImportWarnings.HashingMethodNotDocumentedForImport);
        }

        if (password.Iterations is not null || password.Variant is not null)
        {
            warnings.Add(KindeImportWarnings.PasswordParametersNotInImportFile);
        }
    }
}
