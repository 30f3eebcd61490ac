using System.Text.Json.Nodes;
using Kinde.Migration.Mapping;

namespace Kinde.Migration.Tests.Mapping;

public class PasswordHashConverterTests
{
    // auth0-export-formats.md §8: bcrypt samples made with libxcrypt at cost 10. Plaintexts: Correct-Horse-9,
    // Tr0ub4dor&3, s3cret-Pa55, Pa$$w0rd!2024, legacy-2a-pass, hello (Auth0's documented vector).
    // Each $2b$ hash, rewritten to $2a$, verifies against its plaintext too (checked with libxcrypt).
    private static readonly string[] SampleBcryptHashes =
    [
        "$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO",
        "$2b$10$2DGRmR.IdiwgciKWNuyDmuPq7G1vxuSoh.pL6kzna3mDoBqz5MT9a",
        "$2b$10$6Jnq7GNiiYmgnwjVobQicOEOhPP6foaUzfw7oiBn1cASzjqejRhIy",
        "$2b$10$v8Cb0bL.rqmIleD6d86abu2b2IElkvB92k4dr.xYCU4u29IlAdoDW",
        "$2a$10$Legacy2aSaltValue0000uOZiYlP1dABanO4M7ZT6kdCEWtOW/gkS",
        "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K",
    ];

    // PBKDF2 vectors made with Python hashlib.pbkdf2_hmac("…", b"Correct-Horse-9", salt, 1000, l); the salt's
    // standard base64 is "++/+Pp9/oLHC0+T1Bhco" (unpadded in PHC, which is the same here: 15 bytes).
    private const string Pbkdf2Salt = "++/+Pp9/oLHC0+T1Bhco";
    private const string Pbkdf2Sha256L32 = "$pbkdf2-sha256$i=1000,l=32$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM";
    private const string Pbkdf2Sha256L64 = "$pbkdf2-sha256$i=1000,l=64$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFMrOVO4R2FpyX4CP8wBBx9gZPAM70zJhFrs1458t5CehA";
    private const string Pbkdf2Sha512L64 = "$pbkdf2-sha512$i=1000,l=64$++/+Pp9/oLHC0+T1Bhco$pwEFuoBRjnegY/33D+z+ItNAkzhayonJytssRCzv3GOh9+kkQ2d3DTTDf2rvGDh5GIScwzxkunCgAstRAFErsw";
    private const string Pbkdf2Sha512L32 = "$pbkdf2-sha512$i=1000,l=32$++/+Pp9/oLHC0+T1Bhco$pwEFuoBRjnegY/33D+z+ItNAkzhayonJytssRCzv3GM";
    private const string Pbkdf2Sha1 = "$pbkdf2-sha1$i=1000,l=20$++/+Pp9/oLHC0+T1Bhco$THTZa/ICfj/d+BS8ravl8/oHf6o";
    private const string PasslibPbkdf2Sha256 = "$pbkdf2-sha256$29000$../.Pp9/oLHC0.T1Bhco$vJ9I/dw5vLg30G2217SWQXDw3hwhBGncBZJUospnlUQ";

    // Auth0's documented custom_password_hash examples (bulk-user-import-schema.mdx).
    private const string Auth0Sha256Example = """{"algorithm":"sha256","hash":{"value":"d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f","encoding":"hex"},"salt":{"value":"abc123","position":"prefix"}}""";
    private const string Auth0LdapExample = """{"algorithm":"ldap","hash":{"value":"{SSHA384}/cgEjdoZh85DhurDeOQEMO1rMlAur93SVPbYe5XSD4lF7nNuvrBju5hUeg9A6agRemgSXGl5YuE=","encoding":"utf8"}}""";

    private static readonly PasswordConversionOptions Defaults = new();

    private static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    private static void AssertUnsupported(PasswordConversion result, string kind, string reasonFragment, params string[] secrets)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.Password, Is.Null);
            Assert.That(result.IsSupported, Is.False);
            Assert.That(result.Kind, Is.EqualTo(kind));
            Assert.That(result.UnsupportedReason, Does.Contain(reasonFragment));
            foreach (string secret in secrets)
            {
                Assert.That(result.UnsupportedReason, Does.Not.Contain(secret));
                Assert.That(result.ToString(), Does.Not.Contain(secret));
            }
        });
    }

    // ---- FromAuth0Hash: bcrypt ----

    [TestCaseSource(nameof(SampleBcryptHashes))]
    public void SampleBcryptHashes_AreBcryptWithThe2aPrefix(string hash)
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(hash, Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("bcrypt"));
            Assert.That(result.UnsupportedReason, Is.Null);
            Assert.That(result.IsSupported, Is.True);
            Assert.That(result.Password!.HashingMethod, Is.EqualTo("bcrypt"));
            Assert.That(result.Password.HashedPassword, Is.EqualTo("$2a$" + hash[4..]));
            Assert.That(result.Password.Salt, Is.Null);
            Assert.That(result.Password.SaltPosition, Is.Null);
            Assert.That(result.Password.SaltFormat, Is.Null);
            Assert.That(result.Password.Iterations, Is.Null);
            Assert.That(result.Password.Variant, Is.Null);
        });
    }

    [TestCaseSource(nameof(SampleBcryptHashes))]
    public void SampleBcryptHashes_WithRewriteOff_AreKeptExactly(string hash)
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(hash, new PasswordConversionOptions { RewriteBcrypt2bTo2a = false });

        Assert.That(result.Password!.HashedPassword, Is.EqualTo(hash));
    }

    [Test]
    public void Bcrypt2y_IsKeptAsItIs_WhateverTheOption()
    {
        const string hash = "$2y$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO";

        Assert.Multiple(() =>
        {
            Assert.That(PasswordHashConverter.FromAuth0Hash(hash, Defaults).Password!.HashedPassword, Is.EqualTo(hash));
            Assert.That(PasswordHashConverter.FromAuth0Hash(hash, new PasswordConversionOptions { RewriteBcrypt2bTo2a = false }).Password!.HashedPassword, Is.EqualTo(hash));
        });
    }

    [Test]
    public void Bcrypt_Cost12_IsAccepted()
    {
        const string hash = "$2b$12$7hreQt37OaZmE5iw.UyGGeDzWjDFZ/WINUH3z9N0PGYFA7Jyu2vD6";

        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(hash, Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("bcrypt"));
            Assert.That(result.Password!.HashedPassword, Is.EqualTo("$2a$12$7hreQt37OaZmE5iw.UyGGeDzWjDFZ/WINUH3z9N0PGYFA7Jyu2vD6"));
        });
    }

    [Test]
    public void Bcrypt_SurroundingWhitespace_IsIgnored()
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash("  " + SampleBcryptHashes[0] + "\n", Defaults);

        Assert.That(result.Password!.HashedPassword, Is.EqualTo("$2a$" + SampleBcryptHashes[0][4..]));
    }

    [TestCase("$2x$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO", "$2x$")]
    [TestCase("$2$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO", "$2$")]
    public void BcryptVariants2xAnd2_AreRefused(string hash, string prefix)
    {
        AssertUnsupported(PasswordHashConverter.FromAuth0Hash(hash, Defaults), "bcrypt", $"bcrypt variant '{prefix}' is not supported", hash[7..]);
    }

    [TestCase("$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQK")]
    [TestCase("$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKOX")]
    [TestCase("$2b$1$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO")]
    [TestCase("$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJX!KO")]
    [TestCase("$2B$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO")]
    [TestCase("$2b$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO\nx")]
    public void MalformedBcrypt_IsRefused_NotPassedOn(string hash)
    {
        AssertUnsupported(PasswordHashConverter.FromAuth0Hash(hash, Defaults), "bcrypt", "malformed bcrypt hash", "7hreQt37OaZmE5iw");
    }

    // ---- FromAuth0Hash: other recognisable formats ----

    [TestCase("$1$saltsalt$6SNdNaZLKst2LlSm7oPPL1")]
    [TestCase("$5$rounds=5000$saltsalt$0rl.MZtoLLPP3X0Rdl8riRnphIcAXJY27/aOAyK2hB5")]
    [TestCase("$6$saltsalt$pauPrmdmG4BTE9h2HPmywiw152IFch6BJCEsaY6D.PLTfpV8sqvXwWdyfsgVgozkYH9B80bAip/08R2BPH2xk/")]
    public void CryptHashes_AreCrypt_Unchanged(string hash)
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(hash, Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("crypt"));
            Assert.That(result.Password!.HashingMethod, Is.EqualTo("crypt"));
            Assert.That(result.Password.HashedPassword, Is.EqualTo(hash));
            Assert.That(result.Password.Salt, Is.Null);
        });
    }

    [TestCase("$1$saltsalt$6SNdNaZLKst2LlSm7oPP", "md5-crypt")]
    [TestCase("$5$saltsalt$0rl.MZtoLLPP3X0Rdl8riRnphIcAXJY27/aOAyK2hB", "sha-crypt")]
    [TestCase("$6$saltsalt$pauPrmdmG4BTE9h2HPmywiw152IFch6BJCEsaY6D", "sha-crypt")]
    public void MalformedCryptHashes_AreRefused(string hash, string family)
    {
        AssertUnsupported(PasswordHashConverter.FromAuth0Hash(hash, Defaults), "crypt", $"malformed {family}", "saltsalt");
    }

    [TestCase("$P$BqAJNj0I3XQn7ylFzO6hMi1B5n0qV6/")]
    [TestCase("$H$9qAJNj0I3XQn7ylFzO6hMi1B5n0qV6/")]
    public void PhpassHashes_AreWordpress_Unchanged(string hash)
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(hash, Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("wordpress"));
            Assert.That(result.Password!.HashingMethod, Is.EqualTo("wordpress"));
            Assert.That(result.Password.HashedPassword, Is.EqualTo(hash));
        });
    }

    [Test]
    public void MalformedPhpass_IsRefused()
    {
        AssertUnsupported(PasswordHashConverter.FromAuth0Hash("$P$BqAJNj0I3XQn7ylF", Defaults), "wordpress", "malformed phpass", "BqAJNj0I3XQn7ylF");
    }

    // ---- FromAuth0Hash: PBKDF2 ----

    [TestCase(Pbkdf2Sha256L32, "salted-pbkdf2-hmac-sha256", "ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM=")]
    [TestCase(Pbkdf2Sha256L64, "salted-pbkdf2-hmac-sha256-512", "ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFMrOVO4R2FpyX4CP8wBBx9gZPAM70zJhFrs1458t5CehA==")]
    [TestCase(Pbkdf2Sha512L64, "salted-pbkdf2-hmac-sha512-512", "pwEFuoBRjnegY/33D+z+ItNAkzhayonJytssRCzv3GOh9+kkQ2d3DTTDf2rvGDh5GIScwzxkunCgAstRAFErsw==")]
    public void Pbkdf2Phc_IsPbkdf2_WithStandardBase64AndTheKindeVariant(string hash, string variant, string hashedPassword)
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(hash, Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("pbkdf2"));
            Assert.That(result.Password!.HashingMethod, Is.EqualTo("pbkdf2"));
            Assert.That(result.Password.Iterations, Is.EqualTo(1000));
            Assert.That(result.Password.Variant, Is.EqualTo(variant));
            Assert.That(result.Password.Salt, Is.EqualTo(Pbkdf2Salt));
            Assert.That(result.Password.HashedPassword, Is.EqualTo(hashedPassword));
            Assert.That(result.Password.SaltPosition, Is.Null);
        });
    }

    [Test]
    public void Pbkdf2Phc_WithoutKeyLength_TakesTheLengthFromTheHash()
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(Pbkdf2Sha256L64.Replace(",l=64", "", StringComparison.Ordinal), Defaults);

        Assert.That(result.Password!.Variant, Is.EqualTo("salted-pbkdf2-hmac-sha256-512"));
    }

    [Test]
    public void Pbkdf2Passlib_AdaptedBase64_IsReEncodedAsStandardBase64()
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(PasslibPbkdf2Sha256, Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("pbkdf2"));
            Assert.That(result.Password!.Iterations, Is.EqualTo(29000));
            Assert.That(result.Password.Salt, Is.EqualTo(Pbkdf2Salt));
            Assert.That(result.Password.HashedPassword, Is.EqualTo("vJ9I/dw5vLg30G2217SWQXDw3hwhBGncBZJUospnlUQ="));
            Assert.That(result.Password.Variant, Is.EqualTo("salted-pbkdf2-hmac-sha256"));
        });
    }

    [TestCase(Pbkdf2Sha1, "digest 'sha1' is not supported")]
    [TestCase(Pbkdf2Sha512L32, "pbkdf2-sha512 with a 32-byte key has no Kinde variant")]
    [TestCase("$pbkdf2-sha256$i=1000,l=64$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM", "l=64 does not match the 32-byte hash")]
    [TestCase("$pbkdf2-sha256$l=32$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM", "no iteration count")]
    [TestCase("$pbkdf2-sha256$i=0,l=32$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM", "malformed pbkdf2 parameters")]
    [TestCase("$pbkdf2-sha256$i=1000,x=1$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM", "malformed pbkdf2 parameters")]
    [TestCase("$pbkdf2-sha256$i=1000,l=32$++/+Pp9/oLHC0+T1Bhco!$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM", "not base64")]
    [TestCase("$pbkdf2-sha256$i=1000,l=32$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM", "malformed pbkdf2 hash")]
    [TestCase("$pbkdf2$i=1000,l=32$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM", "malformed pbkdf2 hash")]
    public void BadOrUnsupportedPbkdf2_IsRefused(string hash, string reasonFragment)
    {
        AssertUnsupported(PasswordHashConverter.FromAuth0Hash(hash, Defaults), "pbkdf2", reasonFragment, "ldGJi8F", "THTZa", "pwEFuo", "++/+Pp9");
    }

    // ---- FromAuth0Hash: refused families and unknowns ----

    [TestCase("$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", "argon2", "argon2")]
    [TestCase("$argon2i$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A", "argon2", "argon2")]
    [TestCase("$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "scrypt", "scrypt")]
    [TestCase("$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D", "scrypt", "scrypt")]
    [TestCase("$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", "crypt", "yescrypt")]
    [TestCase("$wp$2y$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO", "wordpress", "$wp$")]
    [TestCase("{SSHA}qdvhjcMQDrcqthyuxLG8xtpTdZQ5ZjNlYjFlYWQ2NGU=", "ldap", "{SSHA}")]
    [TestCase("{ssha512}qdvhjcMQDrcqthyuxLG8xtpTdZQ5ZjNlYjFlYWQ2NGU=", "ldap", "{SSHA512}")]
    [TestCase("5f4dcc3b5aa765d61d8327deb882cf99", "unknown", "bare 32-character hex digest")]
    [TestCase("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", "unknown", "bare 64-character hex digest")]
    [TestCase("sha1$abc$1234567890abcdef", "unknown", "unrecognised hash format")]
    [TestCase("plaintext-password", "unknown", "unrecognised hash format")]
    [TestCase("AQAAAAEAACcQAAAAEJ1aGVsbG8gd29ybGQ=", "unknown", "unrecognised hash format")]
    [TestCase("$md5$rounds=904$abc$xyz", "unknown", "unrecognised hash format")]
    public void OtherHashes_AreRefusedWithAReason_NeverDefaultedToBcrypt(string hash, string kind, string reasonFragment)
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(hash, Defaults);

        AssertUnsupported(result, kind, reasonFragment, hash);
        Assert.That(result.UnsupportedReason, Does.Not.Contain(hash[^8..]));
    }

    [Test]
    public void Argon2_IsRefused_WithAReasonNamingArgon2()
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash("$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Password, Is.Null);
            Assert.That(result.Kind, Is.EqualTo("argon2"));
            Assert.That(result.UnsupportedReason, Is.EqualTo("argon2 password hashes are not supported by Kinde"));
        });
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    public void MissingHash_IsEmpty(string? hash)
    {
        PasswordConversion result = PasswordHashConverter.FromAuth0Hash(hash, Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Password, Is.Null);
            Assert.That(result.Kind, Is.EqualTo("empty"));
            Assert.That(result.UnsupportedReason, Is.EqualTo("no hash"));
        });
    }

    [Test]
    public void NullOptions_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => PasswordHashConverter.FromAuth0Hash(SampleBcryptHashes[0], null!), Throws.ArgumentNullException);
            Assert.That(() => PasswordHashConverter.FromCustomPasswordHash(Json(Auth0Sha256Example), null!), Throws.ArgumentNullException);
            Assert.That(() => PasswordHashConverter.FromCustomPasswordHash(null!, Defaults), Throws.ArgumentNullException);
        });
    }

    [Test]
    public void ToString_NeverShowsTheHash()
    {
        PasswordConversion bcrypt = PasswordHashConverter.FromAuth0Hash(SampleBcryptHashes[0], Defaults);
        PasswordConversion pbkdf2 = PasswordHashConverter.FromAuth0Hash(Pbkdf2Sha256L32, Defaults);
        PasswordConversion refused = PasswordHashConverter.FromAuth0Hash("$2x$10$7hreQt37OaZmE5iw.UyGGepSxv/xW78wNJ6kkp6uamLCNocgJXQKO", Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(bcrypt.ToString(), Is.EqualTo("bcrypt → Kinde bcrypt (hash hidden)"));
            Assert.That(bcrypt.ToString(), Does.Not.Contain("7hreQt37"));
            Assert.That(pbkdf2.ToString(), Does.Not.Contain("ldGJi8F").And.Not.Contain("Pp9"));
            Assert.That(refused.ToString(), Does.StartWith("bcrypt: not imported (").And.Not.Contain("7hreQt37"));
        });
    }

    // ---- FromCustomPasswordHash ----

    [Test]
    public void CustomHash_Auth0Sha256Example_IsSha256WithAStringPrefixSalt()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(Json(Auth0Sha256Example), Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("sha256"));
            Assert.That(result.UnsupportedReason, Is.Null);
            Assert.That(result.Password!.HashingMethod, Is.EqualTo("sha256"));
            Assert.That(result.Password.HashedPassword, Is.EqualTo("d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f"));
            Assert.That(result.Password.Salt, Is.EqualTo("abc123"));
            Assert.That(result.Password.SaltPosition, Is.EqualTo("prefix"));
            Assert.That(result.Password.SaltFormat, Is.EqualTo("string"));
        });
    }

    [Test]
    public void CustomHash_Base64Md5_IsConvertedToLowerCaseHex()
    {
        // md5("password") = 5f4dcc3b5aa765d61d8327deb882cf99
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json("""{"algorithm":"md5","hash":{"value":"X03MO1qnZdYdgyfeuILPmQ==","encoding":"base64"}}"""), Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("md5"));
            Assert.That(result.Password!.HashingMethod, Is.EqualTo("md5"));
            Assert.That(result.Password.HashedPassword, Is.EqualTo("5f4dcc3b5aa765d61d8327deb882cf99"));
            Assert.That(result.Password.Salt, Is.Null);
            Assert.That(result.Password.SaltPosition, Is.Null);
            Assert.That(result.Password.SaltFormat, Is.Null);
        });
    }

    [Test]
    public void CustomHash_Base64Sha256_IsConvertedToHex()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json("""{"algorithm":"sha256","hash":{"value":"LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE=","encoding":"base64"}}"""), Defaults);

        Assert.That(result.Password!.HashedPassword, Is.EqualTo("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"));
    }

    [Test]
    public void CustomHash_UpperCaseHex_IsLowerCased()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json("""{"algorithm":"MD5","hash":{"value":"5F4DCC3B5AA765D61D8327DEB882CF99","encoding":"hex"}}"""), Defaults);

        Assert.That(result.Password!.HashedPassword, Is.EqualTo("5f4dcc3b5aa765d61d8327deb882cf99"));
    }

    [TestCase("5f4dcc3b5aa765d61d8327deb882cf99")]
    [TestCase("X03MO1qnZdYdgyfeuILPmQ==")]
    public void CustomHash_WithoutEncoding_AcceptsAnUnambiguousDigest(string value)
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json($$$"""{"algorithm":"md5","hash":{"value":"{{{value}}}"}}"""), Defaults);

        Assert.That(result.Password!.HashedPassword, Is.EqualTo("5f4dcc3b5aa765d61d8327deb882cf99"));
    }

    [Test]
    public void CustomHash_HexSalt_IsHexFormat_AndSuffixIsKept()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json("""{"algorithm":"md5","hash":{"value":"5f4dcc3b5aa765d61d8327deb882cf99","encoding":"hex"},"salt":{"value":"00FF10AB","encoding":"hex","position":"suffix"}}"""), Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Password!.Salt, Is.EqualTo("00ff10ab"));
            Assert.That(result.Password.SaltFormat, Is.EqualTo("hex"));
            Assert.That(result.Password.SaltPosition, Is.EqualTo("suffix"));
        });
    }

    [Test]
    public void CustomHash_Base64Salt_IsDecodedToHex()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json("""{"algorithm":"sha256","hash":{"value":"d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f","encoding":"hex"},"salt":{"value":"AP8Qqw==","encoding":"base64"}}"""), Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Password!.Salt, Is.EqualTo("00ff10ab"));
            Assert.That(result.Password.SaltFormat, Is.EqualTo("hex"));
            Assert.That(result.Password.SaltPosition, Is.EqualTo("prefix"));
        });
    }

    [Test]
    public void CustomHash_Utf8Salt_WithoutPosition_DefaultsToPrefix()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json("""{"algorithm":"sha256","hash":{"value":"d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f","encoding":"hex"},"salt":{"value":"pepper salt","encoding":"utf8"},"password":{"encoding":"utf8"}}"""), Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Password!.Salt, Is.EqualTo("pepper salt"));
            Assert.That(result.Password.SaltFormat, Is.EqualTo("string"));
            Assert.That(result.Password.SaltPosition, Is.EqualTo("prefix"));
        });
    }

    [Test]
    public void IsBcrypt_AgreesWithTheBcryptRegex()
    {
        var regex = new System.Text.RegularExpressions.Regex(@"^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        const string valid = "$2a$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K";
        var candidates = new List<string>(SampleBcryptHashes) { valid, "", "$2", "$2a$10$", valid + "\n", valid + "x", valid[..59], " " + valid[1..] };
        const string alphabet = "$2abyxAZaz09./+=-_ \n\u0660\u00e9\uFF10";
        var random = new Random(7);
        for (int i = 0; i < 20000; i++)
        {
            char[] chars = valid.ToCharArray();
            for (int j = random.Next(1, 3); j > 0; j--)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            candidates.Add(new string(chars));
        }

        for (int i = 0; i < candidates.Count; i++)
        {
            Assert.That(PasswordHashConverter.IsBcrypt(candidates[i]), Is.EqualTo(regex.IsMatch(candidates[i])), $"candidate #{i}");
        }
    }

    [Test]
    public void CustomHash_Bcrypt_IsBcrypt_WithTheRewriteOption()
    {
        JsonObject json = Json("""{"algorithm":"bcrypt","hash":{"value":"$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"}}""");

        PasswordConversion on = PasswordHashConverter.FromCustomPasswordHash(json, Defaults);
        PasswordConversion off = PasswordHashConverter.FromCustomPasswordHash(json, new PasswordConversionOptions { RewriteBcrypt2bTo2a = false });

        Assert.Multiple(() =>
        {
            Assert.That(on.Kind, Is.EqualTo("bcrypt"));
            Assert.That(on.Password!.HashingMethod, Is.EqualTo("bcrypt"));
            Assert.That(on.Password.HashedPassword, Is.EqualTo("$2a$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"));
            Assert.That(off.Password!.HashedPassword, Is.EqualTo("$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"));
        });
    }

    [Test]
    public void CustomHash_BcryptWithUtf8Encoding_IsAccepted()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json("""{"algorithm":"bcrypt","hash":{"value":"$2y$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K","encoding":"utf8"}}"""), Defaults);

        Assert.That(result.Password!.HashedPassword, Is.EqualTo("$2y$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"));
    }

    [Test]
    public void CustomHash_Pbkdf2Phc_IsPbkdf2()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json($$$"""{"algorithm":"pbkdf2","hash":{"value":"{{{Pbkdf2Sha512L64}}}","encoding":"utf8"}}"""), Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("pbkdf2"));
            Assert.That(result.Password!.HashingMethod, Is.EqualTo("pbkdf2"));
            Assert.That(result.Password.Variant, Is.EqualTo("salted-pbkdf2-hmac-sha512-512"));
            Assert.That(result.Password.Iterations, Is.EqualTo(1000));
            Assert.That(result.Password.Salt, Is.EqualTo(Pbkdf2Salt));
        });
    }

    [Test]
    public void CustomHash_LdapSsha384Example_IsRefused()
    {
        AssertUnsupported(PasswordHashConverter.FromCustomPasswordHash(Json(Auth0LdapExample), Defaults), "ldap", "ldap {SSHA384} password hashes are not supported", "cgEjdoZh85", "GXl5YuE=");
    }

    [TestCase("""{"algorithm":"sha1","hash":{"value":"5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8","encoding":"hex"}}""", "sha1", "sha1 password hashes are not supported")]
    [TestCase("""{"algorithm":"sha512","hash":{"value":"b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86","encoding":"hex"}}""", "sha512", "sha512 password hashes are not supported")]
    [TestCase("""{"algorithm":"md4","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"}}""", "md4", "md4 password hashes are not supported")]
    [TestCase("""{"algorithm":"hmac","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex","digest":"sha1","key":{"value":"secretkey"}}}""", "hmac", "hmac password hashes are not supported")]
    [TestCase("""{"algorithm":"argon2","hash":{"value":"$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG","encoding":"utf8"}}""", "argon2", "argon2 password hashes are not supported")]
    [TestCase("""{"algorithm":"scrypt","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"},"keylen":16}""", "scrypt", "scrypt password hashes are not supported")]
    [TestCase("""{"algorithm":"whirlpool","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"}}""", "unknown", "unknown custom_password_hash algorithm 'whirlpool'")]
    [TestCase("""{"hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"}}""", "unknown", "has no algorithm")]
    [TestCase("""{"algorithm":42,"hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"}}""", "unknown", "has no algorithm")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"},"password":{"encoding":"utf16le"}}""", "md5", "password.encoding 'utf16le' is not supported")]
    [TestCase("""{"algorithm":"sha256","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"},"password":{"encoding":"latin1"}}""", "sha256", "password.encoding 'latin1' is not supported")]
    [TestCase("""{"algorithm":"md5","hash":{"encoding":"hex"}}""", "md5", "has no hash.value")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"","encoding":"hex"}}""", "md5", "has no hash.value")]
    [TestCase("""{"algorithm":"bcrypt"}""", "bcrypt", "has no hash object")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"8a9d093f14f8701df17732b2bb182c7","encoding":"hex"}}""", "md5", "not a 16-byte digest in hex")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","encoding":"hex"}}""", "md5", "not a 16-byte digest")]
    [TestCase("""{"algorithm":"sha256","hash":{"value":"X03MO1qnZdYdgyfeuILPmQ==","encoding":"base64"}}""", "sha256", "not a 32-byte digest in base64")]
    [TestCase("""{"algorithm":"sha256","hash":{"value":"not base64!!","encoding":"base64"}}""", "sha256", "not a 32-byte digest")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"zz4dcc3b5aa765d61d8327deb882cf99"}}""", "md5", "not a 16-byte digest in hex or base64")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"utf8"}}""", "md5", "hash.encoding must be hex or base64, not 'utf8'")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"},"salt":{"value":"abc123","position":"middle"}}""", "md5", "salt.position must be prefix or suffix")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"},"salt":{"value":"abc123","encoding":"binary"}}""", "md5", "salt.encoding must be utf8, hex or base64")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"},"salt":{"value":"abc12","encoding":"hex"}}""", "md5", "salt.value is not hex")]
    [TestCase("""{"algorithm":"md5","hash":{"value":"8a9d093f14f8701df17732b2bb182c74","encoding":"hex"},"salt":{"value":"a!c1","encoding":"base64"}}""", "md5", "salt.value is not base64")]
    [TestCase("""{"algorithm":"bcrypt","hash":{"value":"$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"},"salt":{"value":"abc123"}}""", "bcrypt", "bcrypt with a separate salt is not supported")]
    [TestCase("""{"algorithm":"bcrypt","hash":{"value":"$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K","encoding":"base64"}}""", "bcrypt", "bcrypt hash.encoding must be utf8")]
    [TestCase("""{"algorithm":"bcrypt","hash":{"value":"$2x$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K"}}""", "bcrypt", "bcrypt variant '$2x$' is not supported")]
    [TestCase("""{"algorithm":"bcrypt","hash":{"value":"5f4dcc3b5aa765d61d8327deb882cf99"}}""", "bcrypt", "malformed bcrypt hash")]
    [TestCase("""{"algorithm":"pbkdf2","hash":{"value":"5f4dcc3b5aa765d61d8327deb882cf99","encoding":"utf8"}}""", "pbkdf2", "malformed pbkdf2 hash")]
    [TestCase("""{"algorithm":"pbkdf2","hash":{"value":"$pbkdf2-sha256$i=1000,l=32$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM","encoding":"hex"}}""", "pbkdf2", "pbkdf2 hash.encoding must be utf8")]
    [TestCase("""{"algorithm":"pbkdf2","hash":{"value":"$pbkdf2-sha256$i=1000,l=32$++/+Pp9/oLHC0+T1Bhco$ldGJi8F+ibU5Owgy0f2p9He2I0EnuWjbMuTd8BeibFM"},"salt":{"value":"abc123"}}""", "pbkdf2", "pbkdf2 with a separate salt is not supported")]
    public void CustomHash_Unsupported_IsRefusedWithAReasonNamingTheAlgorithm(string json, string kind, string reasonFragment)
    {
        JsonObject obj = Json(json);
        string? value = (obj["hash"] as JsonObject)?["value"]?.GetValue<string>();
        string? salt = (obj["salt"] as JsonObject)?["value"]?.GetValue<string>();
        string[] secrets = new[] { value, salt, "secretkey" }.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToArray();

        AssertUnsupported(PasswordHashConverter.FromCustomPasswordHash(obj, Defaults), kind, reasonFragment, secrets);
    }

    [Test]
    public void CustomHash_UnknownAlgorithmName_IsSanitisedInTheReason()
    {
        PasswordConversion result = PasswordHashConverter.FromCustomPasswordHash(
            Json("""{"algorithm":"my algo\nwith a very long name that goes on and on","hash":{"value":"x"}}"""), Defaults);

        Assert.Multiple(() =>
        {
            Assert.That(result.Kind, Is.EqualTo("unknown"));
            Assert.That(result.UnsupportedReason, Does.Not.Contain("\n"));
            Assert.That(result.UnsupportedReason, Does.Contain("'my?algo?with?a?very?long?name?th…'"));
        });
    }
}
