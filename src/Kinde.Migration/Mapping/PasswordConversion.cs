using Kinde.Migration.Target;

namespace Kinde.Migration.Mapping;

/// <summary>The result of converting a source password hash to Kinde's form.</summary>
/// <param name="Password">The password to import, or <see langword="null"/> when the hash cannot be imported.</param>
/// <param name="Kind">The source hash's classification, one of <see cref="PasswordHashKinds"/>.</param>
/// <param name="UnsupportedReason">
/// Why no password was produced, or <see langword="null"/> when <paramref name="Password"/> is set. The reason never
/// contains the hash, its salt or any part of them.
/// </param>
/// <remarks><see cref="ToString"/> never shows the hash.</remarks>
public readonly record struct PasswordConversion(KindePassword? Password, string Kind, string? UnsupportedReason)
{
    /// <summary>Gets a value indicating whether a password was produced.</summary>
    public bool IsSupported => Password is not null;

    /// <inheritdoc />
    public override string ToString() =>
        Password is not null
            ? $"{Kind} → Kinde {Password.HashingMethod} (hash hidden)"
            : $"{Kind}: not imported ({UnsupportedReason})";

    internal static PasswordConversion Supported(string kind, KindePassword password) => new(password, kind, null);

    internal static PasswordConversion Unsupported(string kind, string reason) => new(null, kind, reason);
}
