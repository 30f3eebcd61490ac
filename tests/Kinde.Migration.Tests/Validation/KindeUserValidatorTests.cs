using Kinde.Migration.Mapping;
using Kinde.Migration.Target;
using Kinde.Migration.Validation;

namespace Kinde.Migration.Tests.Validation;

public class KindeUserValidatorTests
{
    private const string Bcrypt = "$2a$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";
    private const string Email = "ada.lovelace@example.com";
    private const string Phone = "+15555550123";

    private static KindeUser User(params KindeIdentity[] identities)
    {
        var user = new KindeUser { Id = "auth0|65a1f202e4b0a1b2c3d4e5f6", FirstName = "Ada", LastName = "Lovelace" };
        foreach (KindeIdentity identity in identities)
        {
            user.Identities.Add(identity);
        }

        return user;
    }

    private static KindeUser EmailUser(string email = Email) => User(new KindeIdentity(KindeIdentityTypes.Email, email, true));

    private static KindeUser WithPassword(KindePassword password)
    {
        KindeUser user = EmailUser();
        user.Password = password;
        return user;
    }

    private static IReadOnlyList<string> Validate(KindeUser user, KindeValidationOptions? options = null) =>
        new KindeUserValidator(options ?? new KindeValidationOptions()).Validate(user);

    private static void AssertSingleProblem(IReadOnlyList<string> problems, string expected)
    {
        Assert.That(problems, Is.EqualTo(new[] { expected }));
    }

    // ---- valid users ----

    [Test]
    public void MinimalEmailUser_IsValid()
    {
        Assert.That(Validate(EmailUser()), Is.Empty);
    }

    [Test]
    public void PhoneOnlyUser_IsValid()
    {
        Assert.That(Validate(User(new KindeIdentity(KindeIdentityTypes.Phone, Phone, true))), Is.Empty);
    }

    [Test]
    public void FullUser_IsValid()
    {
        KindeUser user = User(
            new KindeIdentity(KindeIdentityTypes.Email, Email, true),
            new KindeIdentity(KindeIdentityTypes.Phone, Phone, false),
            new KindeIdentity(KindeIdentityTypes.Username, "ada_l"),
            new KindeIdentity("oauth2:google", "108234567890123456789", true) { Provider = "google" },
            new KindeIdentity("oauth2:partner-idp", "u-77af"));
        user.Password = new KindePassword { HashedPassword = Bcrypt, HashingMethod = "bcrypt" };
        user.Properties["theme"] = "dark";
        user.Properties["auth0_user_id"] = "auth0|65a1f202e4b0a1b2c3d4e5f6";
        user.Organizations.Add(new KindeOrganizationMembership("") { Roles = ["admin"], Permissions = ["read"] });
        user.Organizations.Add(new KindeOrganizationMembership("org_7Hq2") { Roles = ["member"] });

        Assert.That(Validate(user), Is.Empty);
    }

    [Test]
    public void UserWithNoIdAndNoNames_IsValid()
    {
        var user = new KindeUser();
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, Email));

        Assert.That(Validate(user), Is.Empty);
    }

    // ---- identities ----

    [Test]
    public void NoEmailOrPhone_IsReported()
    {
        AssertSingleProblem(
            Validate(User(new KindeIdentity(KindeIdentityTypes.Username, "ada_l"), new KindeIdentity("oauth2:github", "5123987"))),
            "identities: at least one email or phone identity is required");
    }

    [Test]
    public void NoIdentitiesAtAll_IsReported()
    {
        AssertSingleProblem(Validate(User()), "identities: at least one email or phone identity is required");
    }

    [Test]
    public void NoEmailOrPhone_IsAllowed_WhenNotRequired()
    {
        var options = new KindeValidationOptions { RequireEmailOrPhone = false };

        Assert.That(Validate(User(new KindeIdentity("oauth2:github", "5123987")), options), Is.Empty);
    }

    [TestCase("a@b.co")]
    [TestCase("first.last+tag@sub.example.org")]
    [TestCase("o'brien@example.ie")]
    [TestCase("1234567890123456789012345678901234567890123456789012345678901234@example.com")]
    public void PlausibleEmails_AreAccepted(string email)
    {
        Assert.That(Validate(EmailUser(email)), Is.Empty);
    }

    [TestCase("ada.example.com", "no '@'")]
    [TestCase("ada@lovelace@example.com", "more than one '@'")]
    [TestCase("@example.com", "empty local part")]
    [TestCase("ada@", "empty domain")]
    [TestCase("ada@localhost", "domain needs a dot between non-empty labels")]
    [TestCase("ada@.example.com", "domain needs a dot between non-empty labels")]
    [TestCase("ada@example.com.", "domain needs a dot between non-empty labels")]
    [TestCase("ada@example..com", "domain needs a dot between non-empty labels")]
    [TestCase("ada lovelace@example.com", "contains whitespace or control characters")]
    [TestCase("ada@exam ple.com", "contains whitespace or control characters")]
    [TestCase("ada@example.com\n", "contains whitespace or control characters")]
    [TestCase("12345678901234567890123456789012345678901234567890123456789012345@example.com", "local part longer than 64 characters")]
    public void ImplausibleEmails_AreReported_WithoutTheAddress(string email, string reason)
    {
        IReadOnlyList<string> problems = Validate(EmailUser(email));

        AssertSingleProblem(problems, $"identities[0] (email): not a plausible email address ({reason})");
        Assert.That(problems[0], Does.Not.Contain(email.Trim()));
    }

    [Test]
    public void TooLongEmail_IsReported()
    {
        string email = new string('a', 64) + "@" + new string('b', 185) + ".com"; // 254 characters: allowed
        Assert.That(email, Has.Length.EqualTo(254));
        Assert.That(Validate(EmailUser(email)), Is.Empty);

        AssertSingleProblem(Validate(EmailUser("x" + email[1..] + "m")), "identities[0] (email): not a plausible email address (longer than 254 characters)");
        AssertSingleProblem(
            Validate(EmailUser("ada@example.com"), new KindeValidationOptions { MaxEmailLength = 10 }),
            "identities[0] (email): not a plausible email address (longer than 10 characters)");
    }

    [TestCase("+12")]
    [TestCase("+15555550123")]
    [TestCase("+123456789012345")]
    public void E164Phones_AreAccepted(string phone)
    {
        Assert.That(Validate(User(new KindeIdentity(KindeIdentityTypes.Phone, phone))), Is.Empty);
    }

    [TestCase("15555550123")]
    [TestCase("+05555550123")]
    [TestCase("+1")]
    [TestCase("+1234567890123456")]
    [TestCase("+1 555 555 0123")]
    [TestCase("+1-555-555-0123")]
    [TestCase("+15555550123\n")]
    [TestCase("+１５５５")]
    public void NonE164Phones_AreReported_WithoutTheNumber(string phone)
    {
        IReadOnlyList<string> problems = Validate(User(new KindeIdentity(KindeIdentityTypes.Phone, phone)));

        AssertSingleProblem(problems, "identities[0] (phone): not an E.164 phone number ('+', a non-zero digit, then 1 to 14 more digits)");
        Assert.That(problems[0], Does.Not.Contain(phone.Trim()));
    }

    [TestCase("facebook")]
    [TestCase("Email")]
    [TestCase("enterprise")]
    public void UnknownIdentityTypes_AreReported(string type)
    {
        KindeUser user = EmailUser();
        user.Identities.Add(new KindeIdentity(type, "123"));

        AssertSingleProblem(Validate(user), $"identities[1]: type '{type}' is not email, phone, username or oauth2:<name>");
    }

    [TestCase("oauth2:")]
    [TestCase("oauth2:Google")]
    [TestCase("oauth2:google apps")]
    [TestCase("oauth2:-google")]
    public void MalformedSocialTypes_AreReported(string type)
    {
        KindeUser user = EmailUser();
        user.Identities.Add(new KindeIdentity(type, "123"));

        IReadOnlyList<string> problems = Validate(user);

        Assert.That(problems, Has.Count.EqualTo(1));
        Assert.That(problems[0], Does.StartWith("identities[1]: type ").And.EndWith("needs a lower-case provider name after 'oauth2:' ([a-z0-9][a-z0-9_.-]*)"));
    }

    [Test]
    public void IdentityTypesThatCouldBePii_AreNotQuoted()
    {
        KindeUser user = EmailUser();
        user.Identities.Add(new KindeIdentity("grace.hopper@example.org", "123"));
        user.Identities.Add(new KindeIdentity("oauth2:grace@example.org", "123"));
        user.Identities.Add(new KindeIdentity("", "123"));

        Assert.That(Validate(user), Is.EqualTo(new[]
        {
            "identities[1]: type (not shown) is not email, phone, username or oauth2:<name>",
            "identities[2]: type (not shown) needs a lower-case provider name after 'oauth2:' ([a-z0-9][a-z0-9_.-]*)",
            "identities[3]: type is empty",
        }));
    }

    [Test]
    public void EmptyIdentityValues_AreReported()
    {
        KindeUser user = User(
            new KindeIdentity(KindeIdentityTypes.Email, ""),
            new KindeIdentity(KindeIdentityTypes.Phone, ""),
            new KindeIdentity(KindeIdentityTypes.Username, ""),
            new KindeIdentity("oauth2:google", ""));

        Assert.That(Validate(user), Is.EqualTo(new[]
        {
            "identities[0] (email): value is empty",
            "identities[1] (phone): value is empty",
            "identities[2] (username): value is empty",
            "identities[3] (oauth2:google): value is empty",
        }));
    }

    [Test]
    public void NullIdentity_IsReported()
    {
        KindeUser user = EmailUser();
        user.Identities.Add(null!);

        AssertSingleProblem(Validate(user), "identities[1]: is null");
    }

    // ---- usernames ----

    [TestCase("ada_l")]
    [TestCase("Ada.Lovelace-1815")]
    [TestCase("ada@home")]
    public void ValidUsernames_AreAccepted(string username)
    {
        KindeUser user = EmailUser();
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, username));

        Assert.That(Validate(user), Is.Empty);
    }

    [TestCase("ada lovelace", "contains whitespace or control characters")]
    [TestCase("ada\tl", "contains whitespace or control characters")]
    [TestCase("ada\u00A0l", "contains whitespace or control characters")]
    [TestCase("ada.lovelace@example.com", "is an email address (usernames may not be email addresses; use an email identity)")]
    public void InvalidUsernames_AreReported_WithoutTheUsername(string username, string reason)
    {
        KindeUser user = EmailUser();
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, username));

        IReadOnlyList<string> problems = Validate(user);

        AssertSingleProblem(problems, $"identities[1] (username): {reason}");
        Assert.That(problems[0], Does.Not.Contain(username));
    }

    [Test]
    public void TooLongUsername_IsReported()
    {
        KindeUser ok = EmailUser();
        ok.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, new string('u', 128)));
        KindeUser tooLong = EmailUser();
        tooLong.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, new string('v', 129)));
        KindeUser custom = EmailUser();
        custom.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "abcdef"));

        Assert.Multiple(() =>
        {
            Assert.That(Validate(ok), Is.Empty);
            AssertSingleProblem(Validate(tooLong), "identities[1] (username): longer than 128 characters");
            AssertSingleProblem(Validate(custom, new KindeValidationOptions { MaxUsernameLength = 5 }), "identities[1] (username): longer than 5 characters");
        });
    }

    [Test]
    public void Usernames_AreUniqueAcrossCalls_CaseInsensitively()
    {
        var validator = new KindeUserValidator();
        KindeUser first = EmailUser("ada@example.com");
        first.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "Ada_L"));
        KindeUser second = EmailUser("ada2@example.com");
        second.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "ada_l"));
        KindeUser third = EmailUser("ada3@example.com");
        third.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "ADA_L"));
        KindeUser other = EmailUser("grace@example.com");
        other.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "grace_h"));

        Assert.Multiple(() =>
        {
            Assert.That(validator.Validate(first), Is.Empty);
            IReadOnlyList<string> duplicate = validator.Validate(second);
            AssertSingleProblem(duplicate, "identities[1] (username): already used by another user in this run (usernames are compared case-insensitively)");
            Assert.That(duplicate[0], Does.Not.Contain("ada_l").IgnoreCase);
            Assert.That(validator.Validate(third), Has.Count.EqualTo(1));
            Assert.That(validator.Validate(other), Is.Empty);
        });
    }

    [Test]
    public void RejectedUser_DoesNotRegisterItsUsername()
    {
        var validator = new KindeUserValidator();
        KindeUser rejected = User(new KindeIdentity(KindeIdentityTypes.Username, "ada_l")); // no email or phone
        KindeUser later = EmailUser();
        later.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "ADA_L"));

        Assert.Multiple(() =>
        {
            AssertSingleProblem(validator.Validate(rejected), "identities: at least one email or phone identity is required");
            Assert.That(validator.Validate(later), Is.Empty);
            Assert.That(validator.Validate(later), Has.Count.EqualTo(1), "now registered");
        });
    }

    [Test]
    public void DuplicateUsername_IsReported_AlongsideOtherProblems()
    {
        var validator = new KindeUserValidator();
        KindeUser first = EmailUser();
        first.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "ada_l"));
        KindeUser second = User(new KindeIdentity(KindeIdentityTypes.Username, "ada_l"));

        Assert.That(validator.Validate(first), Is.Empty);
        Assert.That(validator.Validate(second), Is.EqualTo(new[]
        {
            "identities: at least one email or phone identity is required",
            "identities[0] (username): already used by another user in this run (usernames are compared case-insensitively)",
        }));
    }

    [Test]
    public void SameUsernameTwiceOnOneUser_CountsOnce()
    {
        var validator = new KindeUserValidator();
        KindeUser user = EmailUser();
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "ada_l"));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "ADA_l"));

        Assert.That(validator.Validate(user), Is.Empty);
    }

    [Test]
    public void UsernameRegistration_IsThreadSafe()
    {
        var validator = new KindeUserValidator();
        int valid = 0;

        Parallel.For(0, 2000, i =>
        {
            KindeUser user = EmailUser($"user{i}@example.com");
            user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, i % 2 == 0 ? "shared" : "SHARED"));
            user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, $"unique{i}"));
            if (validator.Validate(user).Count == 0)
            {
                Interlocked.Increment(ref valid);
            }
        });

        Assert.That(valid, Is.EqualTo(1));
    }

    [Test]
    public void UsernameKey_IsCaseInsensitive_AndDistinguishesNames()
    {
        Assert.Multiple(() =>
        {
            Assert.That(KindeUserValidator.UsernameKey("Ada_L"), Is.EqualTo(KindeUserValidator.UsernameKey("ada_l")));
            Assert.That(KindeUserValidator.UsernameKey("ÉLODIE"), Is.EqualTo(KindeUserValidator.UsernameKey("élodie")));
            Assert.That(KindeUserValidator.UsernameKey("ada_l"), Is.Not.EqualTo(KindeUserValidator.UsernameKey("ada_m")));
            Assert.That(KindeUserValidator.UsernameKey(""), Is.EqualTo(14695981039346656037UL), "FNV-1a 64 offset basis");
            var keys = Enumerable.Range(0, 100_000).Select(i => KindeUserValidator.UsernameKey($"user{i}")).ToHashSet();
            Assert.That(keys, Has.Count.EqualTo(100_000));
        });
    }

    // ---- password ----

    [TestCase("bcrypt", Bcrypt)]
    [TestCase("bcrypt", "$2b$12$7hreQt37OaZmE5iw.UyGGeDzWjDFZ/WINUH3z9N0PGYFA7Jyu2vD6")]
    [TestCase("bcrypt", "$2y$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO")]
    [TestCase("crypt", "$6$saltsalt$pauPrmdmG4BTE9h2HPmywiw152IFch6BJCEsaY6D.PLTfpV8sqvXwWdyfsgVgozkYH9B80bAip/08R2BPH2xk/")]
    [TestCase("wordpress", "$P$BqAJNj0I3XQn7ylFzO6hMi1B5n0qV6/")]
    [TestCase("md5", "5f4dcc3b5aa765d61d8327deb882cf99")]
    [TestCase("sha256", "D24E794FCE503C3DDB1CD1BA1DD5D9B250CF9917336A0316FEFD87FECF79200F")]
    [TestCase("aspnet-identity-v2", "AQAAAAEAACcQAAAAEJ1aGVsbG8gd29ybGQ=")]
    public void ValidPasswords_AreAccepted(string method, string hash)
    {
        Assert.That(Validate(WithPassword(new KindePassword { HashedPassword = hash, HashingMethod = method })), Is.Empty);
    }

    [Test]
    public void SaltedPasswords_AreAccepted()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Validate(WithPassword(new KindePassword { HashedPassword = "d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f", HashingMethod = "sha256", Salt = "abc123", SaltPosition = "prefix", SaltFormat = "string" })), Is.Empty);
            Assert.That(Validate(WithPassword(new KindePassword { HashedPassword = "5f4dcc3b5aa765d61d8327deb882cf99", HashingMethod = "md5", Salt = "00FF10ab", SaltPosition = "suffix", SaltFormat = "hex" })), Is.Empty);
            Assert.That(Validate(WithPassword(new KindePassword { HashedPassword = "ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM=", HashingMethod = "pbkdf2", Salt = "++/+Pp9/oLHC0+T1Bhco", Variant = "salted-pbkdf2-hmac-sha256", Iterations = 1000 })), Is.Empty);
            Assert.That(Validate(WithPassword(new KindePassword { HashedPassword = "abc", HashingMethod = "firebase-scrypt", Salt = "c2FsdA==" })), Is.Empty);
            Assert.That(Validate(WithPassword(new KindePassword { HashedPassword = "$1$saltsalt$6SNdNaZLKst2LlSm7oPPL1", HashingMethod = "crypt", Salt = "x" })), Is.Empty);
        });
    }

    [Test]
    public void ConverterOutput_PassesTheValidator()
    {
        var options = new PasswordConversionOptions();
        string[] hashes =
        [
            "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K",
            "$1$saltsalt$6SNdNaZLKst2LlSm7oPPL1",
            "$H$9qAJNj0I3XQn7ylFzO6hMi1B5n0qV6/",
            "$pbkdf2-sha256$i=1000,l=64$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFMrOVO4R2FpyX4CP8wBBx9gZPAM70zJhFrs1458t5CehA",
        ];
        var passwords = hashes.Select(h => PasswordHashConverter.FromAuth0Hash(h, options).Password!).ToList();
        passwords.Add(PasswordHashConverter.FromCustomPasswordHash(
            System.Text.Json.Nodes.JsonNode.Parse("""{"algorithm":"md5","hash":{"value":"X03MO1qnZdYdgyfeuILPmQ==","encoding":"base64"},"salt":{"value":"AP8Qqw==","encoding":"base64","position":"suffix"}}""")!.AsObject(), options).Password!);
        passwords.Add(PasswordHashConverter.FromCustomPasswordHash(
            System.Text.Json.Nodes.JsonNode.Parse("""{"algorithm":"sha256","hash":{"value":"d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f","encoding":"hex"},"salt":{"value":"abc123","position":"prefix"}}""")!.AsObject(), options).Password!);

        Assert.That(passwords.Select(p => Validate(WithPassword(p))), Has.All.Empty);
    }

    [TestCase("BCRYPT")]
    [TestCase("sha512")]
    [TestCase("argon2")]
    [TestCase("")]
    public void UnknownHashingMethods_AreReported(string method)
    {
        IReadOnlyList<string> problems = Validate(WithPassword(new KindePassword { HashedPassword = Bcrypt, HashingMethod = method }));

        string shown = method.Length == 0 ? "(empty)" : $"'{method}'";
        AssertSingleProblem(problems, $"password: hashing method {shown} is not one Kinde accepts (bcrypt, crypt, md5, sha256, wordpress, pbkdf2, firebase-scrypt, aspnet-identity-v2)");
    }

    [Test]
    public void HashInTheMethodField_IsNotShown()
    {
        IReadOnlyList<string> problems = Validate(WithPassword(new KindePassword { HashedPassword = "x", HashingMethod = "5f4dcc3b5aa765d61d8327deb882cf99" }));

        Assert.That(problems, Is.EqualTo(new[] { "password: hashing method (not shown) is not one Kinde accepts (bcrypt, crypt, md5, sha256, wordpress, pbkdf2, firebase-scrypt, aspnet-identity-v2)" }));
    }

    [TestCase("$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQK")]
    [TestCase("$2x$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO")]
    [TestCase("5f4dcc3b5aa765d61d8327deb882cf99")]
    public void NonBcryptStrings_AreReportedForBcrypt(string hash)
    {
        AssertSingleProblem(
            Validate(WithPassword(new KindePassword { HashedPassword = hash, HashingMethod = "bcrypt" })),
            "password (bcrypt): hash is not a bcrypt string ($2a$, $2b$ or $2y$, a two-digit cost, '$', 53 characters)");
    }

    [Test]
    public void BcryptWithSalt_IsReported()
    {
        AssertSingleProblem(
            Validate(WithPassword(new KindePassword { HashedPassword = Bcrypt, HashingMethod = "bcrypt", Salt = "abc123", SaltPosition = "prefix" })),
            "password (bcrypt): a separate salt is not allowed (the salt is inside the bcrypt string)");
    }

    [TestCase("md5", "5f4dcc3b5aa765d61d8327deb882cf9", 32)]
    [TestCase("md5", "X03MO1qnZdYdgyfeuILPmQ==", 32)]
    [TestCase("md5", "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", 32)]
    [TestCase("sha256", "5f4dcc3b5aa765d61d8327deb882cf99", 64)]
    [TestCase("sha256", "LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=", 64)]
    [TestCase("sha256", "zz711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", 64)]
    public void NonHexDigests_AreReported(string method, string hash, int digits)
    {
        IReadOnlyList<string> problems = Validate(WithPassword(new KindePassword { HashedPassword = hash, HashingMethod = method }));

        AssertSingleProblem(problems, $"password ({method}): hash must be {digits} hexadecimal characters");
    }

    [TestCase("md5", "5f4dcc3b5aa765d61d8327deb882cf99")]
    [TestCase("sha256", "d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f")]
    public void SaltWithoutPosition_IsReported(string method, string hash)
    {
        AssertSingleProblem(
            Validate(WithPassword(new KindePassword { HashedPassword = hash, HashingMethod = method, Salt = "abc123" })),
            $"password ({method}): salt_position is required when a salt is set");
    }

    [Test]
    public void BadSaltPositionAndFormat_AreReported()
    {
        IReadOnlyList<string> problems = Validate(WithPassword(new KindePassword
        {
            HashedPassword = "5f4dcc3b5aa765d61d8327deb882cf99",
            HashingMethod = "md5",
            Salt = "abc123",
            SaltPosition = "middle",
            SaltFormat = "base64",
        }));

        Assert.That(problems, Is.EqualTo(new[]
        {
            "password (md5): salt_position must be 'prefix' or 'suffix'",
            "password (md5): salt_format must be 'hex' or 'string'",
        }));
    }

    [TestCase("abc")]
    [TestCase("xyz123")]
    public void HexSaltFormat_WithNonHexSalt_IsReported(string salt)
    {
        IReadOnlyList<string> problems = Validate(WithPassword(new KindePassword { HashedPassword = "5f4dcc3b5aa765d61d8327deb882cf99", HashingMethod = "md5", Salt = salt, SaltPosition = "prefix", SaltFormat = "hex" }));

        AssertSingleProblem(problems, "password (md5): salt_format is 'hex' but the salt is not an even number of hexadecimal characters");
        Assert.That(problems[0], Does.Not.Contain(salt));
    }

    [Test]
    public void Pbkdf2_WithoutSaltOrVariant_IsReported()
    {
        Assert.That(Validate(WithPassword(new KindePassword { HashedPassword = "ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM=", HashingMethod = "pbkdf2" })), Is.EqualTo(new[]
        {
            "password (pbkdf2): salt is required",
            "password (pbkdf2): variant is required (e.g. salted-pbkdf2-hmac-sha256)",
        }));
    }

    [Test]
    public void Pbkdf2_WithBadEncodingsAndIterations_IsReported()
    {
        Assert.That(Validate(WithPassword(new KindePassword { HashedPassword = "not base64!", HashingMethod = "pbkdf2", Salt = "++/+Pp9/oLHC0+T1Bhco!", Variant = "salted-pbkdf2-hmac-sha256", Iterations = 0 })), Is.EqualTo(new[]
        {
            "password (pbkdf2): hash must be base64",
            "password (pbkdf2): salt must be base64",
            "password (pbkdf2): iterations must be positive",
        }));
    }

    [Test]
    public void FirebaseScrypt_WithoutSalt_AndAspNetWithSalt_AreReported()
    {
        Assert.Multiple(() =>
        {
            AssertSingleProblem(Validate(WithPassword(new KindePassword { HashedPassword = "abc", HashingMethod = "firebase-scrypt" })), "password (firebase-scrypt): salt is required");
            AssertSingleProblem(Validate(WithPassword(new KindePassword { HashedPassword = "AQAAAAEAACcQAAAAEJ1aGVsbG8gd29ybGQ=", HashingMethod = "aspnet-identity-v2", Salt = "abc" })), "password (aspnet-identity-v2): a separate salt is not allowed (the salt is inside the hash)");
        });
    }

    [Test]
    public void EmptyHash_IsReported()
    {
        AssertSingleProblem(Validate(WithPassword(new KindePassword { HashedPassword = "", HashingMethod = "bcrypt" })), "password (bcrypt): hashed_password is empty");
    }

    // ---- names, id ----

    [Test]
    public void Names_AreLimitedTo150ByDefault()
    {
        KindeUser ok = EmailUser();
        ok.FirstName = new string('a', 150);
        ok.LastName = new string('b', 150);
        KindeUser tooLong = EmailUser();
        tooLong.FirstName = new string('a', 151);
        tooLong.LastName = new string('b', 151);

        Assert.Multiple(() =>
        {
            Assert.That(Validate(ok), Is.Empty);
            Assert.That(Validate(tooLong), Is.EqualTo(new[] { "first_name: longer than 150 characters", "last_name: longer than 150 characters" }));
            Assert.That(Validate(ok, new KindeValidationOptions { MaxNameLength = 100 }), Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void Id_TooLongOrBlank_IsReported()
    {
        KindeUser ok = EmailUser();
        ok.Id = new string('i', 255);
        KindeUser tooLong = EmailUser();
        tooLong.Id = new string('i', 256);
        KindeUser blank = EmailUser();
        blank.Id = "  ";

        Assert.Multiple(() =>
        {
            Assert.That(Validate(ok), Is.Empty);
            AssertSingleProblem(Validate(tooLong), "id: longer than 255 characters");
            AssertSingleProblem(Validate(blank), "id: is blank (leave it unset instead)");
            AssertSingleProblem(Validate(ok, new KindeValidationOptions { MaxIdLength = 10 }), "id: longer than 10 characters");
        });
    }

    // ---- properties ----

    [Test]
    public void PropertyKeys_MustBeLowerCaseSnake()
    {
        KindeUser user = EmailUser();
        user.Properties["theme"] = "dark";
        user.Properties["Theme"] = "dark";
        user.Properties["has space"] = "x";
        user.Properties[""] = "x";
        user.Properties["kp_usr_city"] = "Paris";
        user.Properties["ada@example.com"] = "x";

        Assert.That(Validate(user), Is.EqualTo(new[]
        {
            "properties (key #2): key 'Theme' must be non-empty and match [a-z0-9_]+",
            "properties (key #3): key (not shown) must be non-empty and match [a-z0-9_]+",
            "properties (key #4): key (empty) must be non-empty and match [a-z0-9_]+",
            "properties (key #6): key (not shown) must be non-empty and match [a-z0-9_]+",
        }));
    }

    [Test]
    public void PropertyValues_AreLimitedInLength()
    {
        KindeUser user = EmailUser();
        user.Properties["ok"] = new string('v', 2000);
        user.Properties["long"] = new string('v', 2001);
        user.Properties["Bad"] = new string('v', 2001);

        Assert.Multiple(() =>
        {
            Assert.That(Validate(user), Is.EqualTo(new[]
            {
                "properties['long']: value longer than 2000 characters",
                "properties (key #3): key 'Bad' must be non-empty and match [a-z0-9_]+",
                "properties (key #3): value longer than 2000 characters",
            }));
            Assert.That(Validate(user, new KindeValidationOptions { MaxPropertyValueLength = 5000 }), Has.Count.EqualTo(1));
        });
    }

    // ---- organizations ----

    [Test]
    public void Organizations_AreChecked()
    {
        KindeUser user = EmailUser();
        user.Organizations.Add(new KindeOrganizationMembership(""));
        user.Organizations.Add(new KindeOrganizationMembership("org_1") { Roles = ["admin", " "], Permissions = [""] });
        user.Organizations.Add(new KindeOrganizationMembership("   "));
        user.Organizations.Add(new KindeOrganizationMembership(null!));
        user.Organizations.Add(new KindeOrganizationMembership("org_1"));
        user.Organizations.Add(new KindeOrganizationMembership(""));
        user.Organizations.Add(null!);

        Assert.That(Validate(user), Is.EqualTo(new[]
        {
            "organizations[1]: role key [1] is blank",
            "organizations[1]: permission key [0] is blank",
            "organizations[2]: external_id is blank (use \"\" for the default organization)",
            "organizations[3]: external_id is missing (use \"\" for the default organization)",
            "organizations[4]: same organization as organizations[1]",
            "organizations[5]: same organization as organizations[0]",
            "organizations[6]: is null",
        }));
    }

    // ---- everything at once ----

    [Test]
    public void EveryRuleFailingAtOnce_ReportsEveryProblem_WithoutHashEmailPhoneOrUsername()
    {
        const string badHash = "$2x$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";
        const string badEmail = "grace.hopper@example";
        const string badPhone = "+0555 0123";
        const string salt = "s3cret-salt";
        var validator = new KindeUserValidator();
        KindeUser earlier = EmailUser();
        earlier.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "taken_name"));
        Assert.That(validator.Validate(earlier), Is.Empty);

        var user = new KindeUser
        {
            Id = new string('i', 256),
            FirstName = new string('f', 151),
            LastName = new string('l', 151),
            Password = new KindePassword { HashedPassword = badHash, HashingMethod = "bcrypt", Salt = salt, SaltPosition = "sideways", SaltFormat = "hex" },
        };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, badEmail));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Phone, badPhone));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "grace hopper"));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "TAKEN_NAME"));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "grace@example.org"));
        user.Identities.Add(new KindeIdentity("myspace", "1"));
        user.Identities.Add(new KindeIdentity("oauth2:google", ""));
        user.Properties["Favourite Colour"] = new string('v', 2001);
        user.Organizations.Add(new KindeOrganizationMembership(" ") { Roles = [""] });

        IReadOnlyList<string> problems = validator.Validate(user);

        Assert.That(problems, Is.EqualTo(new[]
        {
            "id: longer than 255 characters",
            "first_name: longer than 150 characters",
            "last_name: longer than 150 characters",
            "identities[0] (email): not a plausible email address (domain needs a dot between non-empty labels)",
            "identities[1] (phone): not an E.164 phone number ('+', a non-zero digit, then 1 to 14 more digits)",
            "identities[2] (username): contains whitespace or control characters",
            "identities[4] (username): is an email address (usernames may not be email addresses; use an email identity)",
            "identities[5]: type 'myspace' is not email, phone, username or oauth2:<name>",
            "identities[6] (oauth2:google): value is empty",
            "password (bcrypt): salt_position must be 'prefix' or 'suffix'",
            "password (bcrypt): salt_format is 'hex' but the salt is not an even number of hexadecimal characters",
            "password (bcrypt): hash is not a bcrypt string ($2a$, $2b$ or $2y$, a two-digit cost, '$', 53 characters)",
            "password (bcrypt): a separate salt is not allowed (the salt is inside the bcrypt string)",
            "properties (key #1): key (not shown) must be non-empty and match [a-z0-9_]+",
            "properties (key #1): value longer than 2000 characters",
            "organizations[0]: external_id is blank (use \"\" for the default organization)",
            "organizations[0]: role key [0] is blank",
            "identities[3] (username): already used by another user in this run (usernames are compared case-insensitively)",
        }));

        string[] secrets = [badHash, "7hreQt37", salt, badEmail, "grace.hopper", badPhone, "0555", "grace hopper", "taken_name", "grace@example.org", "Favourite"];
        foreach (string secret in secrets)
        {
            Assert.That(problems, Has.None.Contains(secret).IgnoreCase, secret);
        }
    }

    [Test]
    public void EmailRequirement_IsReportedWithEverythingElse()
    {
        var user = new KindeUser { FirstName = new string('f', 151) };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "a b"));

        Assert.That(Validate(user), Is.EqualTo(new[]
        {
            "first_name: longer than 150 characters",
            "identities[0] (username): contains whitespace or control characters",
            "identities: at least one email or phone identity is required",
        }));
    }

    // ---- options and arguments ----

    [Test]
    public void Options_HaveTheDocumentedDefaults()
    {
        var options = new KindeValidationOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.MaxNameLength, Is.EqualTo(150));
            Assert.That(options.MaxEmailLength, Is.EqualTo(254));
            Assert.That(options.MaxUsernameLength, Is.EqualTo(128));
            Assert.That(options.MaxPropertyValueLength, Is.EqualTo(2000));
            Assert.That(options.MaxIdLength, Is.EqualTo(255));
            Assert.That(options.RequireEmailOrPhone, Is.True);
        });
    }

    [Test]
    public void Options_AreReadOnceAtConstruction()
    {
        var options = new KindeValidationOptions { MaxNameLength = 5 };
        var validator = new KindeUserValidator(options);
        options.MaxNameLength = 500;

        AssertSingleProblem(validator.Validate(EmailUser()), "last_name: longer than 5 characters");
    }

    [Test]
    public void InvalidOptionsAndArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new KindeUserValidator(null!), Throws.ArgumentNullException);
            Assert.That(() => new KindeUserValidator(new KindeValidationOptions { MaxNameLength = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new KindeUserValidator(new KindeValidationOptions { MaxEmailLength = -1 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new KindeUserValidator(new KindeValidationOptions { MaxUsernameLength = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new KindeUserValidator(new KindeValidationOptions { MaxPropertyValueLength = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new KindeUserValidator(new KindeValidationOptions { MaxIdLength = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new KindeUserValidator().Validate(null!), Throws.ArgumentNullException);
        });
    }
}
