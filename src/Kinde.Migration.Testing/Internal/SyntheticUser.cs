namespace Kinde.Migration.Testing.Internal;

/// <summary>The shape of a password-hash export record.</summary>
internal enum HashShape
{
    /// <summary><c>_id:{"$oid":…}</c>, root email, <c>password_set_date:{"$date":…}</c> (2019–2021 style).</summary>
    Classic,

    /// <summary><c>version:"1.1"</c> with <c>identifiers[]</c> and a root email.</summary>
    Version11,

    /// <summary><c>version:"1.1"</c> with <c>identifiers[]</c> and no root email / email_verified.</summary>
    Version11NoRootEmail,

    /// <summary><c>_id</c> as a plain string (observed in 2025 tooling).</summary>
    PlainStringId,
}

/// <summary>One generated user's values, reused between users (fields are reset for each).</summary>
internal sealed class SyntheticUser
{
    public int Index;
    public string Family = "";
    public string UserId = "";
    public string? Email;
    public bool? EmailVerified;
    public string? Username;
    public string? PhoneNumber;
    public bool? PhoneVerified;
    public string? GivenName;
    public string? FamilyName;
    public string? Name;
    public string? Nickname;
    public string? Picture;
    public long CreatedMs;
    public long UpdatedMs;
    public long? LastLoginMs;
    public string? LastIp;
    public int? LoginsCount;
    public bool? Blocked;
    public bool Multifactor;

    // Primary identity.
    public string Provider = "";
    public string Connection = "";
    public string IdentityUserId = "";
    public long? IdentityNumericUserId;
    public bool IsSocial;

    // Linked secondary database identity.
    public string? SecondaryUserId;
    public string? SecondaryConnection;

    // Metadata.
    public bool HasMetadata;
    public string? Plan;
    public string[] Roles = [];
    public string? OrgId;
    public int Tier;
    public string? MigratedFrom;
    public string? Theme;
    public string? Locale;
    public bool ConsentGiven;
    public string? ConsentDate;
    public string? Bio;

    // Password-hash record.
    public bool HasHash;
    public HashShape Shape;
    public string? HashId;
    public string? AltId;
    public string? HashConnection;
    public string? HashEmail;
    public bool HashEmailVerified;
    public string? HashUsername;
    public string? PasswordHash;
    public long PasswordSetMs;
    public long? LastPasswordResetMs;

    /// <summary>Gets the id the hash record joins to: <c>auth0|</c> + (alt_id ?? _id).</summary>
    public string? HashAuth0UserId => HasHash ? "auth0|" + (AltId ?? HashId) : null;

    public void Reset(int index, string family)
    {
        Index = index;
        Family = family;
        UserId = "";
        Email = null;
        EmailVerified = null;
        Username = null;
        PhoneNumber = null;
        PhoneVerified = null;
        GivenName = null;
        FamilyName = null;
        Name = null;
        Nickname = null;
        Picture = null;
        CreatedMs = 0;
        UpdatedMs = 0;
        LastLoginMs = null;
        LastIp = null;
        LoginsCount = null;
        Blocked = null;
        Multifactor = false;
        Provider = "";
        Connection = "";
        IdentityUserId = "";
        IdentityNumericUserId = null;
        IsSocial = false;
        SecondaryUserId = null;
        SecondaryConnection = null;
        HasMetadata = false;
        Plan = null;
        Roles = [];
        OrgId = null;
        Tier = 0;
        MigratedFrom = null;
        Theme = null;
        Locale = null;
        ConsentGiven = false;
        ConsentDate = null;
        Bio = null;
        HasHash = false;
        Shape = HashShape.Classic;
        HashId = null;
        AltId = null;
        HashConnection = null;
        HashEmail = null;
        HashEmailVerified = false;
        HashUsername = null;
        PasswordHash = null;
        PasswordSetMs = 0;
        LastPasswordResetMs = null;
    }
}
