using System.Globalization;

namespace Kinde.Migration.Testing.Internal;

/// <summary>
/// Produces the users of one run, one at a time, into a reused <see cref="SyntheticUser"/>. Two seeded generators are
/// used: one for the user data and one for the password-hash data, so the user file does not depend on
/// <see cref="Auth0ExportGeneratorOptions.PasswordCoverage"/>. No clock and no Guid are ever consulted.
/// </summary>
internal sealed class UserFactory
{
    private const string DatabaseConnection = "Username-Password-Authentication";
    private const string BcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // 2016-01-01T00:00:00Z and 2025-06-30T00:00:00Z, in Unix milliseconds.
    private const long FirstCreatedMs = 1_451_606_400_000;
    private const long LastUpdatedMs = 1_751_241_600_000;
    private const long CreatedSpanMs = LastUpdatedMs - FirstCreatedMs - (30L * 24 * 3600 * 1000);

    private static readonly UInt128 GoogleModulus = UInt128.Parse("100000000000000000000", CultureInfo.InvariantCulture);
    private static readonly UInt128 GoogleMultiplier = UInt128.Parse("73405191234567890173", CultureInfo.InvariantCulture);

    private static readonly string[] Cycle =
    [
        GeneratedUserFamily.Database, GeneratedUserFamily.Google, GeneratedUserFamily.Database, GeneratedUserFamily.GitHub,
        GeneratedUserFamily.DatabaseAltId, GeneratedUserFamily.Database, GeneratedUserFamily.Email, GeneratedUserFamily.WindowsLive,
        GeneratedUserFamily.Database, GeneratedUserFamily.Saml, GeneratedUserFamily.Database, GeneratedUserFamily.OAuth2,
        GeneratedUserFamily.Linked, GeneratedUserFamily.Database, GeneratedUserFamily.Sms, GeneratedUserFamily.ActiveDirectory,
        GeneratedUserFamily.Database, GeneratedUserFamily.Google, GeneratedUserFamily.DatabaseAltId, GeneratedUserFamily.Database,
    ];

    private static readonly HashShape[] ShapeCycle =
    [
        HashShape.Classic, HashShape.Version11, HashShape.Classic, HashShape.Version11NoRootEmail,
        HashShape.PlainStringId, HashShape.Classic, HashShape.Version11, HashShape.Version11NoRootEmail,
    ];

    private static readonly string[] Domains = ["example.com", "example.org", "example.net"];
    private static readonly string[] SamlConnections = ["acme-saml", "globex-saml", "initech-saml"];
    private static readonly string[] OAuth2Connections = ["partner-idp", "VippsLogin", "firefoxaccounts"];
    private static readonly string[] AdConnections = ["corp-ldap", "emea-ad"];
    private static readonly string[] Plans = ["free", "pro", "team", "enterprise"];
    private static readonly string[][] RoleSets = [[], ["admin"], ["editor", "viewer"], ["viewer"]];
    private static readonly string[] Themes = ["dark", "light", "system", "high-contrast", "dark", "light", "=SUM(1+1)"];
    private static readonly string[] Locales = ["en-GB", "en-US", "fr-FR", "ja-JP", "pt-BR", "zh-Hans-CN", "is-IS"];
    private static readonly string[] Bios =
    [
        "Line one\nLine two",
        "Tab\there, \"quoted\", C:\\Users\\synthetic",
        "Emoji 🦊 and Ünïcödé — “smart quotes”",
        "</script><script>alert(1)</script> & more",
        "'leading apostrophe, trailing comma,",
    ];

    private static readonly SyntheticName[] Names =
    [
        new("Ada", "Lovelace", "Ada Lovelace", "ada", "lovelace"),
        new("Grace", "Hopper", "Grace Hopper", "grace", "hopper"),
        new("Alan", "Turing", "Alan \"The Bombe\" Turing", "alan", "turing"),
        new("Zoë", "Ångström", "Zoë Ångström", "zoe", "angstrom"),
        new("小龍", "李", "李小龍", "xiaolong", "li"),
        new("Søren", "Kierkegaard", "Søren Kierkegaard", "soren", "kierkegaard"),
        new("José", "Núñez", "José Núñez", "jose", "nunez"),
        new("Aoife", "O'Brien", "Aoife O'Brien", "aoife", "obrien"),
        new("Björk", "Guðmundsdóttir", "Björk Guðmundsdóttir", "bjork", "gudmundsdottir"),
        new("Katherine", "Johnson", "Katherine Johnson", "katherine", "johnson"),
        new("John", "Smith", "Smith, John", "john", "smith"),
        new("ليلى", "حداد", "ليلى حداد", "layla", "haddad"),
        new("Ngozi", "Okonjo-Iweala", "Ngozi Okonjo-Iweala", "ngozi", "okonjoiweala"),
        new("Дмитрий", "Менделеев", "Дмитрий Менделеев", "dmitri", "mendeleev"),
        new("花子", "山田", "山田花子", "hanako", "yamada"),
        new("Émile", "Durand", "Émile Durand", "emile", "durand"),
        new("Priya", "Raman", "Priya Raman", "priya", "raman"),
        new("Marie", "Curie", "Marie Curie", "marie", "curie"),
        new("Tim", "Berners-Lee", "Tim Berners-Lee", "tim", "bernerslee"),
        new("Leo", "Rossi", "Leo 🦁 Rossi", "leo", "rossi"),
    ];

    private readonly Random _rng;
    private readonly Random _hashRng;
    private readonly int _count;
    private readonly double _coverage;
    private readonly double _metadataFraction;
    private readonly double _blockedFraction;
    private readonly ulong[] _machines;
    private readonly uint _idMix;
    private readonly UInt128 _googleOffset;
    private uint _oidCounter;
    private int _index;
    private int _hashOrdinal;
    private int _smsSerial;
    private int _linkedSerial;
    private readonly double? _databaseFraction;

    private readonly int? _organizationCount;

    public UserFactory(int seed, int count, double coverage, double metadataFraction, double blockedFraction, double? databaseFraction = null, int? organizationCount = null)
    {
        _databaseFraction = databaseFraction;
        _organizationCount = organizationCount;
        _rng = new Random(seed);
        _hashRng = new Random(unchecked((seed * -1640531535) ^ 0x5BD1E995));
        _count = count;
        _coverage = coverage;
        _metadataFraction = metadataFraction;
        _blockedFraction = blockedFraction;

        // A MongoDB ObjectId is 4 bytes of seconds, 5 bytes of per-process random value and a 3-byte counter; the
        // counter makes every id of a run distinct (up to 16.7 million ids).
        _machines = [NewMachineId(), NewMachineId(), NewMachineId()];
        _oidCounter = (uint)_rng.Next(1 << 24);
        _idMix = (uint)_rng.Next();
        _googleOffset = (UInt128)(ulong)_rng.NextInt64() % GoogleModulus;
    }

    public SyntheticUser Current { get; } = new();

    public bool MoveNext()
    {
        if (_index >= _count)
        {
            return false;
        }

        Fill(_index);
        _index++;
        return true;
    }

    private static double SpreadFraction(int index) => (unchecked((uint)index * 2654435761u) % 10_000) / 10_000.0;

    private void Fill(int index)
    {
        var u = Current;
        string family = Cycle[index % Cycle.Length];
        if (_databaseFraction is { } share && !GeneratedUserFamily.CarriesPassword(family) && SpreadFraction(index) < (share - 0.55) / 0.45)
        {
            // Turn a share of the non-database users into database users (deterministically, spread over the file).
            family = GeneratedUserFamily.Database;
        }
        u.Reset(index, family);
        Random rng = _rng;

        SyntheticName name = Names[rng.Next(Names.Length)];
        string domain = Domains[rng.Next(Domains.Length)];
        string local = name.AsciiGiven + "." + name.AsciiFamily + index.ToString(CultureInfo.InvariantCulture);

        u.CreatedMs = FirstCreatedMs + rng.NextInt64(CreatedSpanMs);
        u.UpdatedMs = rng.Next(4) == 0 ? u.CreatedMs : u.CreatedMs + rng.NextInt64(LastUpdatedMs - u.CreatedMs);
        int logins = rng.Next(6) == 0 ? 0 : rng.Next(1, 400);
        if (logins > 0)
        {
            u.LoginsCount = logins;
            u.LastLoginMs = Math.Max(u.CreatedMs, u.UpdatedMs - rng.Next(0, 1500));
            u.LastIp = rng.Next(4) == 0
                ? "2001:db8::" + rng.Next(1, 0xFFFF).ToString("x", CultureInfo.InvariantCulture)
                : "203.0.113." + rng.Next(1, 255).ToString(CultureInfo.InvariantCulture);
        }
        else if (rng.Next(2) == 0)
        {
            u.LoginsCount = 0;
        }

        double blockedDraw = rng.NextDouble();
        u.Blocked = blockedDraw < _blockedFraction ? true : rng.Next(3) == 0 ? false : null;
        if (rng.NextDouble() < _metadataFraction)
        {
            FillMetadata(u);
        }

        switch (family)
        {
            case GeneratedUserFamily.Database: FillDatabase(u, name, local, domain); break;
            case GeneratedUserFamily.DatabaseAltId: FillDatabaseAltId(u, name, local, domain); break;
            case GeneratedUserFamily.Google: FillGoogle(u, name, local, domain); break;
            case GeneratedUserFamily.GitHub: FillGitHub(u, name, local, domain); break;
            case GeneratedUserFamily.WindowsLive: FillWindowsLive(u, name, local, domain); break;
            case GeneratedUserFamily.Email: FillEmail(u, local, domain); break;
            case GeneratedUserFamily.Sms: FillSms(u); break;
            case GeneratedUserFamily.Saml: FillSaml(u, name, index); break;
            case GeneratedUserFamily.OAuth2: FillOAuth2(u, name, local, domain, index); break;
            case GeneratedUserFamily.ActiveDirectory: FillAd(u, name, local, index); break;
            case GeneratedUserFamily.Linked: FillLinked(u, name, local, domain, index); break;
            default: throw new InvalidOperationException("unknown family " + family);
        }

        if (GeneratedUserFamily.CarriesPassword(family))
        {
            FillHash(u);
        }
    }

    private void FillMetadata(SyntheticUser u)
    {
        Random rng = _rng;
        u.HasMetadata = true;
        u.Plan = Plans[rng.Next(Plans.Length)];
        u.Roles = RoleSets[rng.Next(RoleSets.Length)];
        int org = rng.Next(0x10000, 0xFFFFF);
        u.OrgId = "org_" + (_organizationCount is { } shared ? 0x10000 + (org % shared) : org).ToString("x", CultureInfo.InvariantCulture);
        u.Tier = rng.Next(1, 4);
        u.Theme = Themes[rng.Next(Themes.Length)];
        u.Locale = Locales[rng.Next(Locales.Length)];
        u.ConsentGiven = rng.Next(3) != 0;
        u.ConsentDate = DateTime.UnixEpoch.AddMilliseconds(u.CreatedMs).ToString("MM/dd/yyyy", CultureInfo.InvariantCulture);
        u.Bio = rng.Next(5) == 0 ? Bios[rng.Next(Bios.Length)] : null;
    }

    private void FillDatabase(SyntheticUser u, SyntheticName name, string local, string domain)
    {
        Random rng = _rng;
        string oid = NewObjectId(u.CreatedMs);
        u.UserId = "auth0|" + oid;
        u.Provider = "auth0";
        u.Connection = rng.Next(10) == 0 ? "Partners-DB" : DatabaseConnection;
        u.IdentityUserId = oid;
        u.Email = local + "@" + domain;
        u.EmailVerified = rng.Next(4) != 0;
        u.Nickname = local;
        if (rng.Next(5) < 3)
        {
            SetNames(u, name);
        }
        else
        {
            u.Name = u.Email;
        }

        if (rng.Next(4) == 0)
        {
            u.Username = name.AsciiGiven + "_" + u.Index.ToString(CultureInfo.InvariantCulture);
        }

        u.Picture = Gravatar(local);
        u.Multifactor = rng.Next(8) == 0;
        SetHashTarget(u, oid, altId: null, u.Connection, u.Email, u.EmailVerified.Value, u.Username);
    }

    private void FillDatabaseAltId(SyntheticUser u, SyntheticName name, string local, string domain)
    {
        string altId = "legacy-" + u.Index.ToString("D6", CultureInfo.InvariantCulture);
        u.UserId = "auth0|" + altId;
        u.Provider = "auth0";
        u.Connection = "Legacy-DB";
        u.IdentityUserId = altId;
        u.Email = local + "@" + domain;
        u.EmailVerified = _rng.Next(3) != 0;
        u.Nickname = local;
        SetNames(u, name);
        if (u.HasMetadata)
        {
            u.MigratedFrom = "legacy";
        }

        // The hash record's _id is the internal ObjectId, which the user export never shows.
        string hashOid = NewObjectId(u.CreatedMs);
        SetHashTarget(u, hashOid, altId, u.Connection, u.Email, u.EmailVerified.Value, username: null);
    }

    private void FillGoogle(SyntheticUser u, SyntheticName name, string local, string domain)
    {
        // "1" + 20 digits. index -> (index * odd multiplier not divisible by 5 + offset) mod 10^20 is a bijection,
        // so ids look random but never repeat.
        UInt128 scrambled = (((UInt128)(uint)u.Index * GoogleMultiplier) + _googleOffset) % GoogleModulus;
        string googleId = "1" + scrambled.ToString("D20", CultureInfo.InvariantCulture);
        u.UserId = "google-oauth2|" + googleId;
        u.Provider = "google-oauth2";
        u.Connection = "google-oauth2";
        u.IdentityUserId = googleId;
        u.IsSocial = true;
        u.Email = local + "@" + domain;
        u.EmailVerified = true;
        u.Nickname = local;
        SetNames(u, name);
        u.Picture = "https://lh3.googleusercontent.com/a/synthetic-" + googleId[^8..] + "=s96-c";
    }

    private void FillGitHub(SyntheticUser u, SyntheticName name, string local, string domain)
    {
        long id = 1_000_000L + (u.Index * 37L) + _rng.Next(37);
        string login = name.AsciiGiven + name.AsciiFamily + u.Index.ToString(CultureInfo.InvariantCulture);
        u.UserId = "github|" + id.ToString(CultureInfo.InvariantCulture);
        u.Provider = "github";
        u.Connection = "github";
        u.IdentityUserId = id.ToString(CultureInfo.InvariantCulture);
        u.IdentityNumericUserId = id;
        u.IsSocial = true;
        if (_rng.Next(4) != 0)
        {
            u.Email = local + "@" + domain;
            u.EmailVerified = true;
        }

        u.Nickname = login;
        u.Name = _rng.Next(3) == 0 ? login : name.Display;
        u.Picture = "https://avatars.githubusercontent.com/u/" + u.IdentityUserId + "?v=4";
    }

    private void FillWindowsLive(SyntheticUser u, SyntheticName name, string local, string domain)
    {
        string id = ((ulong)_rng.NextInt64() ^ ((ulong)_rng.Next() << 32)).ToString("x16", CultureInfo.InvariantCulture);
        u.UserId = "windowslive|" + id;
        u.Provider = "windowslive";
        u.Connection = "windowslive";
        u.IdentityUserId = id;
        u.IsSocial = true;
        u.Email = local + "@" + domain;
        u.EmailVerified = _rng.Next(2) == 0;
        u.Nickname = local;
        SetNames(u, name);
    }

    private void FillEmail(SyntheticUser u, string local, string domain)
    {
        string oid = NewObjectId(u.CreatedMs);
        u.UserId = "email|" + oid;
        u.Provider = "email";
        u.Connection = "email";
        u.IdentityUserId = oid;
        u.Email = local + "@" + domain;
        u.EmailVerified = true;
        u.Name = u.Email;
        u.Nickname = local;
        u.Picture = Gravatar(local);
    }

    private void FillSms(SyntheticUser u)
    {
        string oid = NewObjectId(u.CreatedMs);
        u.UserId = "sms|" + oid;
        u.Provider = "sms";
        u.Connection = "sms";
        u.IdentityUserId = oid;
        // +1555555xxxx for the first 10,000 SMS users, then +1555556…, +1555557…: never repeated.
        u.PhoneNumber = "+1555" + (5_550_000L + _smsSerial++).ToString("D7", CultureInfo.InvariantCulture);
        u.PhoneVerified = true;
        u.Name = u.PhoneNumber;
    }

    private void FillSaml(SyntheticUser u, SyntheticName name, int index)
    {
        string connection = SamlConnections[_rng.Next(SamlConnections.Length)];
        string nameId = "E" + ((index * 13L) + _rng.Next(13)).ToString("D7", CultureInfo.InvariantCulture);
        u.UserId = "samlp|" + connection + "|" + nameId;
        u.Provider = "samlp";
        u.Connection = connection;
        u.IdentityUserId = connection + "|" + nameId;
        u.Picture = "https://cdn.auth0.com/avatars/default.png";
        if (_rng.Next(2) == 0)
        {
            u.Name = "";
            u.Nickname = "";
        }
        else
        {
            SetNames(u, name);
        }
    }

    private void FillOAuth2(SyntheticUser u, SyntheticName name, string local, string domain, int index)
    {
        string connection = OAuth2Connections[_rng.Next(OAuth2Connections.Length)];

        // Multiplying by an odd constant and xor-ing are bijections on 32 bits: distinct indexes, distinct ids.
        string sub = "u-" + (unchecked((uint)index * 2654435761u) ^ _idMix).ToString("x8", CultureInfo.InvariantCulture);
        u.UserId = "oauth2|" + connection + "|" + sub;
        u.Provider = "oauth2";
        u.Connection = connection;
        u.IdentityUserId = connection + "|" + sub;
        u.IsSocial = true;
        if (_rng.Next(5) != 0)
        {
            u.Email = local + "@" + domain;
            u.EmailVerified = _rng.Next(2) == 0;
        }

        SetNames(u, name);
    }

    private void FillAd(SyntheticUser u, SyntheticName name, string local, int index)
    {
        string connection = AdConnections[_rng.Next(AdConnections.Length)];
        string user = name.AsciiGiven[0] + name.AsciiFamily + index.ToString(CultureInfo.InvariantCulture);
        u.UserId = "ad|" + connection + "|" + user;
        u.Provider = "ad";
        u.Connection = connection;
        u.IdentityUserId = connection + "|" + user;
        if (_rng.Next(10) < 7)
        {
            u.Email = local + "@example.net";
            u.EmailVerified = true;
        }

        u.Nickname = user;
        SetNames(u, name);
    }

    private void FillLinked(SyntheticUser u, SyntheticName name, string local, string domain, int index)
    {
        if (_linkedSerial++ % 2 == 0)
        {
            FillOAuth2(u, name, local, domain, index);
            if (u.Email is null)
            {
                u.Email = local + "@" + domain;
                u.EmailVerified = false;
            }
        }
        else
        {
            FillGoogle(u, name, local, domain);
        }

        string oid = NewObjectId(u.CreatedMs + _rng.Next(1, 86_400_000));
        u.SecondaryUserId = oid;
        u.SecondaryConnection = DatabaseConnection;
        SetHashTarget(u, oid, altId: null, DatabaseConnection, u.Email!, u.EmailVerified ?? false, username: null);
    }

    private static void SetNames(SyntheticUser u, SyntheticName name)
    {
        u.GivenName = name.Given;
        u.FamilyName = name.Family;
        u.Name = name.Display;
    }

    private static void SetHashTarget(SyntheticUser u, string id, string? altId, string connection, string email, bool emailVerified, string? username)
    {
        u.HashId = id;
        u.AltId = altId;
        u.HashConnection = connection;
        u.HashEmail = email;
        u.HashEmailVerified = emailVerified;
        u.HashUsername = username;
    }

    private void FillHash(SyntheticUser u)
    {
        Random rng = _hashRng;
        if (!(rng.NextDouble() < _coverage))
        {
            return;
        }

        u.HasHash = true;
        u.Shape = ShapeCycle[_hashOrdinal++ % ShapeCycle.Length];
        u.PasswordSetMs = u.CreatedMs - rng.Next(1, 50);
        if ((u.Shape is HashShape.Version11 or HashShape.Version11NoRootEmail) && rng.Next(2) == 0)
        {
            u.LastPasswordResetMs = u.CreatedMs + rng.NextInt64(u.UpdatedMs - u.CreatedMs + 1);
        }

        // Bcrypt-shaped ($2b$10$ + 22 salt + 31 hash characters), not a real hash of anything.
        Span<byte> random = stackalloc byte[53];
        rng.NextBytes(random);
        Span<char> chars = stackalloc char[60];
        "$2b$10$".CopyTo(chars);
        for (int i = 0; i < random.Length; i++)
        {
            chars[7 + i] = BcryptAlphabet[random[i] & 63];
        }

        u.PasswordHash = new string(chars);
    }

    private string NewObjectId(long createdMs)
    {
        Span<byte> id = stackalloc byte[12];
        uint seconds = (uint)(createdMs / 1000);
        ulong machine = _machines[_rng.Next(_machines.Length)];
        uint counter = _oidCounter++ & 0xFFFFFF;
        id[0] = (byte)(seconds >> 24);
        id[1] = (byte)(seconds >> 16);
        id[2] = (byte)(seconds >> 8);
        id[3] = (byte)seconds;
        id[4] = (byte)(machine >> 32);
        id[5] = (byte)(machine >> 24);
        id[6] = (byte)(machine >> 16);
        id[7] = (byte)(machine >> 8);
        id[8] = (byte)machine;
        id[9] = (byte)(counter >> 16);
        id[10] = (byte)(counter >> 8);
        id[11] = (byte)counter;
        return Convert.ToHexStringLower(id);
    }

    private ulong NewMachineId() => (ulong)_rng.NextInt64() & 0xFF_FFFF_FFFF;

    private string Gravatar(string local)
    {
        string hash = ((ulong)_rng.NextInt64()).ToString("x16", CultureInfo.InvariantCulture);
        return "https://s.gravatar.com/avatar/" + hash + "?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F" + local[..2] + ".png";
    }

    private sealed record SyntheticName(string Given, string Family, string Display, string AsciiGiven, string AsciiFamily);
}
