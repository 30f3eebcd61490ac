using System.ComponentModel.DataAnnotations;

namespace Kinde.Migration.Validation;

/// <summary>Limits and switches for <see cref="KindeUserValidator"/>.</summary>
/// <remarks>
/// Kinde publishes no field-length limits, so the defaults are conservative values taken from Auth0 (the source) or
/// from the relevant standards. Lengths are counted in UTF-16 code units (<see cref="string.Length"/>). The validator
/// reads these values once, when it is constructed.
/// </remarks>
public sealed class KindeValidationOptions
{
    /// <summary>Gets or sets the maximum length of the first and of the last name.</summary>
    /// <value>
    /// The default is 150, Auth0's limit for <c>given_name</c> and <c>family_name</c>. A conservative choice: Kinde
    /// publishes no limit, and every migrated Auth0 name fits.
    /// </value>
    [Range(1, int.MaxValue)]
    public int MaxNameLength { get; set; } = 150;

    /// <summary>Gets or sets the maximum length of an email address.</summary>
    /// <value>The default is 254, the longest address SMTP can carry (RFC 5321 path limit minus the angle brackets).</value>
    [Range(1, int.MaxValue)]
    public int MaxEmailLength { get; set; } = 254;

    /// <summary>Gets or sets the maximum length of a username.</summary>
    /// <value>
    /// The default is 128, the largest username length an Auth0 database connection can be configured to allow. Kinde
    /// publishes no limit.
    /// </value>
    [Range(1, int.MaxValue)]
    public int MaxUsernameLength { get; set; } = 128;

    /// <summary>Gets or sets the maximum length of a user property value.</summary>
    /// <value>
    /// The default is 2000. Kinde publishes no limit for <c>multi_line_text</c> properties; this keeps flattened
    /// Auth0 metadata to a size a text property can reasonably hold.
    /// </value>
    [Range(1, int.MaxValue)]
    public int MaxPropertyValueLength { get; set; } = 2000;

    /// <summary>Gets or sets the maximum length of the provided (external) id.</summary>
    /// <value>The default is 255, which every Auth0 <c>user_id</c> fits.</value>
    [Range(1, int.MaxValue)]
    public int MaxIdLength { get; set; } = 255;

    /// <summary>Gets or sets a value indicating whether a user needs at least one email or phone identity.</summary>
    /// <value>
    /// The default is <see langword="true"/>: Kinde's import names "<c>email</c> or <c>phone</c>" as the minimum
    /// identity. Turn it off to let users with only a username or social identity through.
    /// </value>
    public bool RequireEmailOrPhone { get; set; } = true;
}
